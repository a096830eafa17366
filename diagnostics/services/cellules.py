"""Cellules de veille and their meetings (issue 17): create a cellule, record a meeting, list them.

Writers: the commandants of every département of the cellule's territory, and administrators.
Each use case is one transaction, audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.auth import ADMIN, COMMANDANT, Actor
from diagnostics.cellule_models import (
    RHYTHMS,
    Cellule,
    CelluleAccount,
    CelluleCommune,
    CellulePartner,
    Meeting,
    MeetingPartner,
)
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import Commune
from diagnostics.rhythm import next_meeting
from diagnostics.services import audit

DENIED = "Seuls les commandants du département de la cellule et les administrateurs gèrent ses réunions."


@dataclass(frozen=True)
class CelluleInput:
    name: str
    communes: tuple[str, ...]
    rhythm: str
    anchor_on: dt.date
    weekday: int | None = None
    interval_weeks: int | None = None
    partner_ids: tuple[int, ...] = ()
    user_ids: tuple[int, ...] = ()


def cellule_errors(values: CelluleInput) -> dict[str, str]:
    """French messages by field; empty when the cellule can be saved."""
    errors: dict[str, str] = {}
    if not values.name.strip():
        errors["name"] = "Donnez un nom à la cellule."
    if not values.communes:
        errors["communes"] = "Choisissez au moins une commune."
    if values.rhythm not in RHYTHMS:
        errors["rhythm"] = "Choisissez un rythme de réunion."
    elif values.rhythm == "weekly" and (values.weekday is None or not 0 <= values.weekday <= 6):
        errors["weekday"] = "Choisissez le jour de la semaine."
    elif values.rhythm == "every_n_weeks" and not (values.interval_weeks and 1 <= values.interval_weeks <= 52):
        errors["interval_weeks"] = "Le nombre de semaines va de 1 à 52."
    return errors


def create_cellule(db: Database, actor: Actor, values: CelluleInput) -> int:
    errors = cellule_errors(values)
    if errors:
        raise ValidationError(errors)
    with db.session() as session:
        require_cellule_writer(session, actor, values.communes)
        name = " ".join(values.name.split())[:120]
        if session.scalar(select(Cellule.id).where(Cellule.name == name)) is not None:
            raise ValidationError({"name": f"Une cellule « {name} » existe déjà."})
        cellule = Cellule(
            name=name,
            rhythm=values.rhythm,
            weekday=values.weekday if values.rhythm == "weekly" else None,
            interval_weeks=values.interval_weeks if values.rhythm == "every_n_weeks" else None,
            anchor_on=values.anchor_on,
        )
        session.add(cellule)
        session.flush()
        session.add_all(CelluleCommune(cellule_id=cellule.id, commune_insee=c) for c in sorted(set(values.communes)))
        session.add_all(CellulePartner(cellule_id=cellule.id, partner_id=p) for p in sorted(set(values.partner_ids)))
        session.add_all(CelluleAccount(cellule_id=cellule.id, user_id=u) for u in sorted(set(values.user_ids)))
        audit.record(session, actor, "create", entity="cellule", entity_id=cellule.id, after={"name": name})
        return cellule.id


def record_meeting(
    db: Database, actor: Actor, cellule_name: str, held_on: dt.date, partner_ids: tuple[int, ...] = ()
) -> int:
    """A meeting of the cellule on that day with the partners present (members of the cellule)."""
    with db.session() as session:
        cellule = cellule_by_name(session, cellule_name)
        require_cellule_writer(session, actor, cellule_communes(session, cellule.id))
        members = set(session.scalars(select(CellulePartner.partner_id).where(CellulePartner.cellule_id == cellule.id)))
        if not set(partner_ids) <= members:
            raise ValidationError({"partners": "Seuls les partenaires membres de la cellule peuvent être présents."})
        if session.scalar(select(Meeting.id).where(Meeting.cellule_id == cellule.id, Meeting.held_on == held_on)):
            raise ValidationError({"held_on": "La cellule a déjà une réunion ce jour-là."})
        meeting = Meeting(cellule_id=cellule.id, held_on=held_on)
        session.add(meeting)
        session.flush()
        session.add_all(MeetingPartner(meeting_id=meeting.id, partner_id=p) for p in sorted(set(partner_ids)))
        audit.record(session, actor, "create", entity="meeting", entity_id=meeting.id, after={"cellule": cellule.name})
        return meeting.id


def next_meeting_of(db: Database, cellule_name: str, after: dt.date) -> dt.date:
    with db.session() as session:
        cellule = cellule_by_name(session, cellule_name)
        return next_meeting(
            cellule.rhythm, after, cellule.anchor_on, weekday=cellule.weekday, interval_weeks=cellule.interval_weeks
        )


def cellule_by_name(session: Session, name: str) -> Cellule:
    cellule = session.scalar(select(Cellule).where(Cellule.name == name))
    if cellule is None:
        raise NotFound(f"Aucune cellule nommée « {name} ».")
    return cellule


def cellule_communes(session: Session, cellule_id: int) -> tuple[str, ...]:
    statement = (
        select(CelluleCommune.commune_insee)
        .where(CelluleCommune.cellule_id == cellule_id)
        .order_by(CelluleCommune.commune_insee)
    )
    return tuple(session.scalars(statement))


def require_cellule_writer(session: Session, actor: Actor, communes: tuple[str, ...], message: str = DENIED) -> None:
    """Administrators; commandants only when every commune of the territory is in their départements."""
    if actor.role == ADMIN:
        return
    departments = set(session.scalars(select(Commune.department).where(Commune.insee.in_(tuple(communes)))))
    if actor.role != COMMANDANT or not departments or not departments <= set(actor.departments):
        raise PermissionDenied(message)
