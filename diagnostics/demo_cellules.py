"""Demo cellules de veille (issue 17): Lons-le-Saunier (weekly, Wednesday) and Dole (every three
weeks), the Jura partners around their tables, and a past meeting of each. Safe to load twice.

Used by diagnostics.demo after the demo partners.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from diagnostics.auth import Actor
from diagnostics.cellule_models import Cellule
from diagnostics.db import Database
from diagnostics.models import User
from diagnostics.partner_models import Partner
from diagnostics.services import cellules, partners

LONS, DOLE = "39300", "39198"
# The Jura partners the demo lacks: name, kind, contact addresses, communes covered
JURA_PARTNERS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("Mairie de Dole", "commune", ("tranquillite.publique@dole.example",), (DOLE,)),
    ("Grand Dole Habitat", "bailleur", ("proximite@granddolehabitat.example",), (DOLE,)),
    ("OPH du Jura", "bailleur", ("gestion.locative@ophjura.example",), (LONS, DOLE)),
    ("TGD — Transports du Grand Dole", "transporteur", ("exploitation@tgd.example",), (DOLE,)),
    ("TUL — Transports urbains lédoniens", "transporteur", ("exploitation@tul.example",), (LONS,)),
    ("Délégué du préfet — Préfecture du Jura", "prefecture", ("delegue.prefet@jura.example",), ()),
    ("Conseil départemental du Jura", "departement", ("prevention@jura.example",), ()),
    ("UDAF du Jura", "association", ("contact@udaf39.example",), ()),
)
# name, communes, rhythm, anchor, weekday, every N weeks, members, past meeting, partners present
DEMO_CELLULES = (
    (
        "Cellule de veille de Lons-le-Saunier",
        (LONS,),
        "weekly",
        dt.date(2026, 1, 7),
        2,
        None,
        (
            "Mairie de Lons-le-Saunier",
            "OPH du Jura",
            "TUL — Transports urbains lédoniens",
            "Délégué du préfet — Préfecture du Jura",
            "Conseil départemental du Jura",
            "UDAF du Jura",
        ),
        dt.date(2026, 11, 25),
        ("Mairie de Lons-le-Saunier", "OPH du Jura", "Délégué du préfet — Préfecture du Jura"),
    ),
    (
        "Cellule de veille de Dole",
        (DOLE,),
        "every_n_weeks",
        dt.date(2026, 11, 12),
        None,
        3,
        (
            "Mairie de Dole",
            "Grand Dole Habitat",
            "OPH du Jura",
            "TGD — Transports du Grand Dole",
            "Délégué du préfet — Préfecture du Jura",
            "Conseil départemental du Jura",
            "UDAF du Jura",
        ),
        dt.date(2026, 11, 12),
        ("Mairie de Dole", "Grand Dole Habitat", "TGD — Transports du Grand Dole"),
    ),
)
MEMBER_ACCOUNTS = ("commandant.39",)  # when the demo accounts are there


def load_demo_cellules(db: Database, actor: Actor) -> int:
    """The Jura partners and the two demo cellules with a past meeting each; returns cellules added."""
    known = set(partners.list_partners(db)["name"])
    for name, kind, emails, communes in JURA_PARTNERS:
        if name not in known:
            partners.save_partner(db, actor, partners.PartnerInput(name, kind, emails, communes))
    with db.session() as session:
        ids = {name: partner_id for name, partner_id in session.execute(select(Partner.name, Partner.id))}
        existing = set(session.scalars(select(Cellule.name)))
        users = tuple(session.scalars(select(User.id).where(User.login.in_(MEMBER_ACCOUNTS))))
    added = 0
    for name, communes, rhythm, anchor, weekday, weeks, members, met_on, present in DEMO_CELLULES:
        if name in existing:
            continue
        values = cellules.CelluleInput(
            name=name,
            communes=communes,
            rhythm=rhythm,
            anchor_on=anchor,
            weekday=weekday,
            interval_weeks=weeks,
            partner_ids=tuple(ids[m] for m in members if m in ids),
            user_ids=users,
        )
        cellules.create_cellule(db, actor, values)
        cellules.record_meeting(db, actor, name, met_on, tuple(ids[p] for p in present if p in ids))
        added += 1
    return added
