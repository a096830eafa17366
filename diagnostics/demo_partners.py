"""Demo partners, routing rules and assignments (issue 15), always the same; safe to load twice.

Used by diagnostics.demo after the demo diagnostics: the partners exist before the demo accounts
(`partenaire.habitat70`, and the mayor bound to « Mairie de Gray »).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.models import Diagnostic, Observation, ObservationEvent, Sector
from diagnostics.partner_models import Partner
from diagnostics.services import assignments, partners, routing

# name, kind, contact addresses, communes covered
DEMO_PARTNERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Habitat 70", "bailleur", ("proximite@habitat70.example",), ("70279", "70550")),
    ("Mairie de Gray", "commune", ("services.techniques@gray.example",), ("70279",)),
    ("Mairie de Vesoul", "commune", ("voirie@vesoul.example",), ("70550",)),
    ("Vbus — réseau de transport de Vesoul", "transporteur", ("exploitation@vbus.example",), ("70550",)),
    ("Préfecture de la Haute-Saône", "prefecture", ("pref-securite@haute-saone.example",), ()),
    ("Mairie de Lons-le-Saunier", "commune", ("police.municipale@lons.example",), ("39300",)),
)
# catégorie, place kind, place (INSEE code or sector name), partner
DEMO_RULES = (
    ("eclairage", "commune", "70279", "Mairie de Gray"),
    ("visibilite", "sector", "Quartier de l'île", "Habitat 70"),
    ("regroupements", "sector", "Quartier de l'île", "Habitat 70"),
    ("depots", "commune", "70550", "Mairie de Vesoul"),
    ("acces", "sector", "Les Rêpes", "Vbus — réseau de transport de Vesoul"),
    ("videoprotection", "commune", "70428", "Préfecture de la Haute-Saône"),
)
# diagnostic reference, rank of the observation in it, partner, day of the assignment (None: today).
# The regroupements of Gray were assigned in September: their due date has passed (« en retard »).
DEMO_ASSIGNMENTS = (
    ("DEMO-GRAY-01", 0, "Mairie de Gray", None),
    ("DEMO-GRAY-01", 1, "Habitat 70", dt.date(2026, 9, 16)),
    ("DEMO-VESOUL-01", 0, "Habitat 70", None),
    ("DEMO-VESOUL-01", 2, "Mairie de Vesoul", None),
    ("DEMO-PUSEY-01", 1, "Préfecture de la Haute-Saône", None),
)


def load_demo_partners(db: Database, actor: Actor) -> None:
    """The demo partners and rules (kept as they are when already there)."""
    known = partners.list_partners(db)
    names = set(known["name"])
    for name, kind, emails, communes in DEMO_PARTNERS:
        if name not in names:
            partners.save_partner(db, actor, partners.PartnerInput(name, kind, emails, communes))
    known = partners.list_partners(db)
    ids = dict(zip(known["name"], known["id"], strict=True))
    if not routing.list_rules(db, actor).empty:
        return
    with db.session() as session:
        sectors = {name: sector_id for name, sector_id in session.execute(select(Sector.name, Sector.id))}
    for category, place_kind, place, partner in DEMO_RULES:
        where = str(sectors.get(place, "")) if place_kind == "sector" else place
        if where:
            routing.save_rule(db, actor, routing.RuleInput(category, place_kind, where, int(ids[partner])))


def load_demo_assignments(db: Database, actor: Actor) -> int:
    """Assign the demo observations never assigned so far; returns how many were."""
    done = 0
    for reference, rank, partner_name, day in DEMO_ASSIGNMENTS:
        with db.session() as session:
            observation_id = _observation_id(session, reference, rank)
            partner_id = session.scalar(select(Partner.id).where(Partner.name == partner_name))
        if observation_id is None or partner_id is None:
            continue
        assignments.assign(db, actor, observation_id, int(partner_id), today=day)
        done += 1
    return done


def _observation_id(session, reference: str, rank: int) -> int | None:
    ids = session.scalars(
        select(Observation.id)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .where(Diagnostic.reference == reference)
        .order_by(Observation.id)
    ).all()
    if rank >= len(ids):
        return None
    observation_id = ids[rank]
    assigned_before = session.scalar(
        select(ObservationEvent.id).where(
            ObservationEvent.observation_id == observation_id, ObservationEvent.kind == "assignment"
        )
    )
    return None if assigned_before is not None else observation_id
