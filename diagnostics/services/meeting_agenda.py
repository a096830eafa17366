"""A meeting before it is held (issue 17): the meeting row of a date (created when first needed),
the partners present, and the agenda as the commander edited it (reorder, drop, add a point).

The agenda's generated sections are data (`SECTIONS`, code → French title, in their default
order): a new section is one more entry here and one renderer in meeting_pdf. A meeting whose
agenda was never edited gets the default order; a section added to the code after an edit is
appended to that meeting's agenda, never lost.

Writers and readers: the commandants of every département of the cellule's territory, and
administrators (services.cellules.require_cellule_writer). Each use case is one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from diagnostics.auth import Actor
from diagnostics.cellule_models import Cellule, CellulePartner, Meeting, MeetingPartner
from diagnostics.db import Database
from diagnostics.decision_models import AgendaPoint
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import Commune, Team
from diagnostics.partner_models import Partner
from diagnostics.services import audit, cellules

SECTIONS: dict[str, str] = {
    "decisions": "Suivi des décisions de la réunion précédente",
    "new_observations": "Nouvelles observations",
    "overdue": "Préconisations et décisions en retard, par partenaire",
    "revisits": "Contre-visites",
    "alerts": "Alertes diffusées sur le territoire",
    "rising": "Secteurs en hausse",
    "videoprotection": "Vidéoprotection : observations hors du champ des caméras",
}
TITLE_MAX, BODY_MAX = 200, 2000
DENIED = "Seuls les commandants du département de la cellule et les administrateurs préparent ses réunions."


@dataclass(frozen=True)
class Point:
    """One point of an agenda: a generated section (`section`) or a point added (`title`, `body`)."""

    section: str | None = None
    title: str | None = None
    body: str = ""
    dropped: bool = False

    @property
    def heading(self) -> str:
        return SECTIONS.get(self.section or "", self.section or "") if self.section else (self.title or "")


def default_points() -> list[Point]:
    return [Point(section=code) for code in SECTIONS]


def points_in(session: Session, cellule_id: int, day: dt.date) -> list[Point]:
    """The agenda points of the cellule's meeting on `day`: as edited, or the default order."""
    meeting_id = session.scalar(select(Meeting.id).where(Meeting.cellule_id == cellule_id, Meeting.held_on == day))
    rows = []
    if meeting_id is not None:
        rows = session.scalars(
            select(AgendaPoint).where(AgendaPoint.meeting_id == meeting_id).order_by(AgendaPoint.position)
        ).all()
    if not rows:
        return default_points()
    points = [Point(r.section, r.title, r.body or "", bool(r.dropped)) for r in rows if r.section in (None, *SECTIONS)]
    present = {p.section for p in points}
    return points + [Point(section=code) for code in SECTIONS if code not in present]


def agenda_points(db: Database, actor: Actor, cellule_name: str, day: dt.date) -> list[Point]:
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        return points_in(session, cellule.id, day)


def save_agenda_points(db: Database, actor: Actor, cellule_name: str, day: dt.date, points: list[Point]) -> None:
    """Store the edited agenda of the meeting on `day` (the meeting is created if it is not yet)."""
    cleaned = _cleaned(points)
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        meeting = meeting_of(session, actor, cellule, day)
        before = [p.heading for p in points_in(session, cellule.id, day) if not p.dropped]
        session.execute(delete(AgendaPoint).where(AgendaPoint.meeting_id == meeting.id))
        session.flush()
        session.add_all(
            AgendaPoint(
                meeting_id=meeting.id,
                position=position,
                section=point.section,
                title=point.title,
                body=point.body,
                dropped=point.dropped,
            )
            for position, point in enumerate(cleaned)
        )
        after = [p.heading for p in cleaned if not p.dropped]
        audit.record(
            session,
            actor,
            "update",
            entity="meeting_agenda",
            entity_id=meeting.id,
            before={"points": before},
            after={"points": after},
        )


def _cleaned(points: list[Point]) -> list[Point]:
    errors: dict[str, str] = {}
    cleaned, seen = [], set()
    for point in points:
        if point.section is not None:
            if point.section not in SECTIONS:
                errors["section"] = f"Rubrique inconnue : {point.section}"
                continue
            if point.section in seen:
                continue  # a section appears once
            seen.add(point.section)
            cleaned.append(Point(section=point.section, dropped=bool(point.dropped)))
            continue
        title = " ".join((point.title or "").split())
        body = (point.body or "").strip()
        if not title:
            errors["title"] = "Donnez un intitulé au point ajouté."
        elif len(title) > TITLE_MAX:
            errors["title"] = f"L'intitulé est trop long ({len(title)} caractères, {TITLE_MAX} au plus)."
        if len(body) > BODY_MAX:
            errors["body"] = f"Le texte du point est trop long ({len(body)} caractères, {BODY_MAX} au plus)."
        cleaned.append(Point(title=title, body=body, dropped=bool(point.dropped)))
    if errors:
        raise ValidationError(errors)
    return cleaned + [Point(section=code) for code in SECTIONS if code not in seen]


def set_partners_present(
    db: Database, actor: Actor, cellule_name: str, day: dt.date, partner_ids: tuple[int, ...]
) -> None:
    """The partners present at the meeting on `day` (members of the cellule), replacing the list."""
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        members = set(session.scalars(select(CellulePartner.partner_id).where(CellulePartner.cellule_id == cellule.id)))
        if not set(partner_ids) <= members:
            raise ValidationError({"partners": "Seuls les partenaires membres de la cellule peuvent être présents."})
        meeting = meeting_of(session, actor, cellule, day)
        before = sorted(present_in(session, meeting.id))
        session.execute(delete(MeetingPartner).where(MeetingPartner.meeting_id == meeting.id))
        session.flush()
        session.add_all(MeetingPartner(meeting_id=meeting.id, partner_id=p) for p in sorted(set(partner_ids)))
        audit.record(
            session,
            actor,
            "update",
            entity="meeting_partners",
            entity_id=meeting.id,
            before={"partners": before},
            after={"partners": sorted(set(partner_ids))},
        )


def partners_present(db: Database, actor: Actor, cellule_name: str, day: dt.date) -> tuple[int, ...]:
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        meeting_id = session.scalar(select(Meeting.id).where(Meeting.cellule_id == cellule.id, Meeting.held_on == day))
        return tuple(sorted(present_in(session, meeting_id))) if meeting_id else ()


def present_in(session: Session, meeting_id: int) -> set[int]:
    return set(session.scalars(select(MeetingPartner.partner_id).where(MeetingPartner.meeting_id == meeting_id)))


def meeting_of(session: Session, actor: Actor, cellule: Cellule, day: dt.date) -> Meeting:
    """The cellule's meeting on `day`, created (flushed) when it does not exist yet."""
    meeting = session.scalar(select(Meeting).where(Meeting.cellule_id == cellule.id, Meeting.held_on == day))
    if meeting is None:
        meeting = Meeting(cellule_id=cellule.id, held_on=day)
        session.add(meeting)
        session.flush()
        audit.record(session, actor, "create", entity="meeting", entity_id=meeting.id, after={"cellule": cellule.name})
    return meeting


def _writable(session: Session, actor: Actor, cellule_name: str) -> Cellule:
    cellule = cellules.cellule_by_name(session, cellule_name)
    cellules.require_cellule_writer(session, actor, cellules.cellule_communes(session, cellule.id), DENIED)
    return cellule


def my_cellules(db: Database, actor: Actor) -> list[str]:
    """The names of the cellules the actor prepares (every commune of the territory in its départements)."""
    with db.session() as session:
        names = list(session.scalars(select(Cellule.name).order_by(Cellule.name)))
        kept = []
        for name in names:
            try:
                _writable(session, actor, name)
            except PermissionDenied:
                continue
            kept.append(name)
        return kept


def member_partners(db: Database, actor: Actor, cellule_name: str) -> dict[int, str]:
    """The partner members of the cellule: id → name, by name."""
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        rows = session.execute(
            select(Partner.id, Partner.name)
            .join(CellulePartner, CellulePartner.partner_id == Partner.id)
            .where(CellulePartner.cellule_id == cellule.id)
            .order_by(Partner.name)
        )
        return dict(rows.all())


def cellule_teams(db: Database, actor: Actor, cellule_name: str) -> dict[int, str]:
    """The teams of the forces of the cellule's départements: id → name."""
    with db.session() as session:
        cellule = _writable(session, actor, cellule_name)
        communes = cellules.cellule_communes(session, cellule.id)
        departments = select(Commune.department).where(Commune.insee.in_(communes))
        rows = session.execute(select(Team.id, Team.name).where(Team.department.in_(departments)).order_by(Team.name))
        return dict(rows.all())
