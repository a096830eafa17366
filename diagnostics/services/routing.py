"""Routing rules: catégorie × (commune | secteur | zone de patrouille) → the partner offered for a
new observation. Administrators edit them; the commander confirms or changes the offer.

The most specific rule wins: a patrol zone containing the observation, then a sector containing
it, then its commune. Without a rule, a partner whose name is the one the agent typed
(« partenaire concerné ») is offered.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from diagnostics import taxonomy
from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.models import SRID, Commune, Observation, PatrolZone, Sector
from diagnostics.partner_models import Partner, RoutingRule
from diagnostics.services import audit
from diagnostics.services.assignments import observation_for_follow_up
from diagnostics.services.partners import match_key

PLACE_KINDS = {"patrol_zone": "Zone de patrouille", "sector": "Secteur", "commune": "Commune"}
PRECEDENCE = (
    "La règle la plus précise l'emporte : une zone de patrouille contenant l'observation, puis un "
    "secteur la contenant, puis sa commune."
)


@dataclass(frozen=True)
class RuleInput:
    category: str
    place_kind: str  # patrol_zone, sector or commune
    place: str  # zone or sector id, or the commune's INSEE code
    partner_id: int


@dataclass(frozen=True)
class Offer:
    partner_id: int
    partner_name: str
    because: str  # « Règle : Éclairage — Secteur Les Rêpes », in French


def list_rules(db: Database, actor: Actor) -> pd.DataFrame:
    """Every rule: id, category, place_kind, place_name, partner_id, partner_name."""
    require(actor, "manage_partners")
    statement = (
        select(
            RoutingRule.id,
            RoutingRule.category,
            RoutingRule.commune_insee,
            RoutingRule.sector_id,
            RoutingRule.patrol_zone_id,
            func.coalesce(PatrolZone.name, Sector.name, Commune.name),
            RoutingRule.partner_id,
            Partner.name,
        )
        .join(Partner, Partner.id == RoutingRule.partner_id)
        .outerjoin(Commune, Commune.insee == RoutingRule.commune_insee)
        .outerjoin(Sector, Sector.id == RoutingRule.sector_id)
        .outerjoin(PatrolZone, PatrolZone.id == RoutingRule.patrol_zone_id)
        .order_by(RoutingRule.category, RoutingRule.id)
    )
    with db.session() as session:
        rows = session.execute(statement).all()
    return pd.DataFrame(
        [(r[0], r[1], _place_kind(r[3], r[4]), r[5], r[6], r[7]) for r in rows],
        columns=["id", "category", "place_kind", "place_name", "partner_id", "partner_name"],
    )


def save_rule(db: Database, actor: Actor, rule: RuleInput) -> int:
    """Add a rule, or replace the partner of the rule for the same catégorie and place; return its id."""
    require(actor, "manage_partners")
    errors = {}
    if not taxonomy.is_category(rule.category):
        errors["category"] = "Catégorie inconnue."
    if rule.place_kind not in PLACE_KINDS:
        errors["place_kind"] = "Choisissez une commune, un secteur ou une zone de patrouille."
    if errors:
        raise ValidationError(errors)
    with db.session() as session:
        if session.get(Partner, rule.partner_id) is None:
            raise ValidationError({"partner": f"Partenaire inconnu : n° {rule.partner_id}"})
        place = _place_columns(session, rule)
        row = session.scalar(select(RoutingRule).filter_by(category=rule.category, **place))
        before = {"partner_id": row.partner_id} if row else None
        row = row or RoutingRule(category=rule.category, **place)
        row.partner_id, row.updated_by = rule.partner_id, actor.label[:120]
        session.add(row)
        session.flush()
        after = {"category": rule.category, **place, "partner_id": rule.partner_id}
        action = "update" if before else "create"
        audit.record(session, actor, action, entity="routing_rule", entity_id=row.id, before=before, after=after)
        return row.id


def delete_rule(db: Database, actor: Actor, rule_id: int) -> None:
    require(actor, "manage_partners")
    with db.session() as session:
        if session.execute(delete(RoutingRule).where(RoutingRule.id == rule_id)).rowcount == 0:
            raise NotFound(f"Règle inconnue : n° {rule_id}")
        audit.record(session, actor, "delete", entity="routing_rule", entity_id=rule_id)


def offered_partner(db: Database, actor: Actor, observation_id: int) -> Offer | None:
    """The partner to offer for this observation (see the module's rule), or None."""
    observation_scope(actor)
    with db.session() as session:
        observation = observation_for_follow_up(session, actor, observation_id)
        return offer_in(session, observation)


def offer_in(session: Session, observation: Observation) -> Offer | None:
    """`offered_partner` in the caller's transaction."""
    for place_kind, model, column in (
        ("patrol_zone", PatrolZone, RoutingRule.patrol_zone_id),
        ("sector", Sector, RoutingRule.sector_id),
    ):
        if observation.lon is None or observation.lat is None:
            break
        point = func.ST_GeomFromText(f"POINT({float(observation.lon)} {float(observation.lat)})", SRID)
        found = session.execute(
            select(Partner.id, Partner.name, model.name)
            .join(RoutingRule, RoutingRule.partner_id == Partner.id)
            .join(model, model.id == column)
            .where(RoutingRule.category == observation.category, func.ST_Intersects(model.geom, point) == true())
            .order_by(func.ST_Area(model.geom), model.id)  # the smallest place is the most specific
            .limit(1)
        ).first()
        if found is not None:
            return Offer(found[0], found[1], _because(observation.category, PLACE_KINDS[place_kind], found[2]))
    found = session.execute(
        select(Partner.id, Partner.name, Commune.name)
        .join(RoutingRule, RoutingRule.partner_id == Partner.id)
        .join(Commune, Commune.insee == RoutingRule.commune_insee)
        .where(RoutingRule.category == observation.category, RoutingRule.commune_insee == observation.commune_insee)
    ).first()
    if found is not None:
        return Offer(found[0], found[1], _because(observation.category, "Commune", found[2]))
    if (observation.partner or "").strip():
        named = session.execute(
            select(Partner.id, Partner.name).where(Partner.match_key == match_key(observation.partner))
        ).first()
        if named is not None:
            return Offer(named[0], named[1], "Partenaire nommé par l'agent sur le terrain")
    return None


def place_choices(db: Database, place_kind: str) -> dict[str, str]:
    """id → name of the sectors or the patrol zones, for the rule form (communes: commune_choices)."""
    model = Sector if place_kind == "sector" else PatrolZone
    with db.session() as session:
        return {str(i): name for i, name in session.execute(select(model.id, model.name).order_by(model.name))}


def _because(category: str, place_kind: str, place_name: str) -> str:
    return f"Règle : {taxonomy.category_label(category)} — {place_kind} {place_name}"


def _place_kind(sector: int | None, zone: int | None) -> str:
    return "patrol_zone" if zone is not None else "sector" if sector is not None else "commune"


def _place_columns(session: Session, rule: RuleInput) -> dict:
    place = {"commune_insee": None, "sector_id": None, "patrol_zone_id": None}
    if rule.place_kind == "commune":
        if session.get(Commune, str(rule.place)) is None:
            raise ValidationError({"place": f"Commune inconnue : {rule.place}"})
        place["commune_insee"] = str(rule.place)
    else:
        model = Sector if rule.place_kind == "sector" else PatrolZone
        if not str(rule.place).isdigit() or session.get(model, int(rule.place)) is None:
            raise ValidationError({"place": f"{PLACE_KINDS[rule.place_kind]} inconnu(e)."})
        place["sector_id" if model is Sector else "patrol_zone_id"] = int(rule.place)
    return place
