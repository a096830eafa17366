"""The agenda of a cellule de veille's meeting (issue 17), read in one transaction from the data
since the previous meeting of that cellule: new observations by gravité and sector, open items past
due per partner (observations and decisions), re-visits due and their results, alerts sent on the
territory, the sectors whose counts rose most. It starts with the decisions of the previous
meeting and where each stands (services.decisions), and its points are in the order the commander
left them (services.meeting_agenda: `points`, each a generated section's code or a point added).

Readers: the commandants of every département of the cellule's territory, and administrators.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from geoalchemy2.shape import to_shape
from shapely.geometry import Point
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics import taxonomy
from diagnostics.auth import Actor
from diagnostics.cellule_models import Cellule, Meeting
from diagnostics.db import Database
from diagnostics.decision_models import MeetingDecision
from diagnostics.models import Observation, Sector
from diagnostics.partner_models import Partner
from diagnostics.services import cameras, cellules, decisions, meeting_agenda
from diagnostics.services.alerts import AlertInfo, territory_alerts
from diagnostics.visit_models import ObservationVisit

NO_SECTOR = "Hors secteur"
FIRST_WINDOW_DAYS = 28  # a cellule's first meeting looks back four weeks
TOP_RISES = 5
VIDEO_CATEGORY = "videoprotection"
DENIED = "Seuls les commandants du département de la cellule et les administrateurs préparent son ordre du jour."


@dataclass(frozen=True)
class OverdueItem:
    """A partner's work past its due date: an observation assigned to it, or a decision of the
    cellule given to it (`decision`, its text; `observation_id` then the one it is about, if any)."""

    observation_id: int | None
    partner: str
    category: str
    severity: int
    due_on: dt.date
    status: str
    decision: str | None = None
    decided_on: dt.date | None = None  # the meeting that took the decision


@dataclass(frozen=True)
class VisitLine:
    observation_id: int
    category: str
    visited_on: dt.date | None  # None: a re-visit still due
    finding: str | None


@dataclass(frozen=True)
class Agenda:
    cellule: str
    meeting_on: dt.date
    since: dt.date  # the previous meeting's date (or four weeks back for a first meeting)
    previous_meeting: dt.date | None
    communes: tuple[str, ...]
    new_by_severity: dict[int, int]  # gravité → count
    new_by_sector: dict[str, int]  # sector name → count, biggest first
    overdue: dict[str, list[OverdueItem]]  # partner name → its open items past due
    revisits_due: list[VisitLine]
    revisit_results: list[VisitLine]
    alerts: list[AlertInfo]
    rising_sectors: list[tuple[str, int, int]]  # (sector, count before, count since), biggest rise first
    # The previous meeting's decisions (then older ones still open) and where each stands
    decisions: list[decisions.DecisionLine] = field(default_factory=list)
    # The agenda in its order: generated sections (meeting_agenda.SECTIONS) and points added
    points: list[meeting_agenda.Point] = field(default_factory=meeting_agenda.default_points)
    # Vidéoprotection: new observations no camera sees (the forces' own: it maps the coverage)
    outside_cameras: list[cameras.Uncovered] = field(default_factory=list)


def prepare_agenda(
    db: Database, actor: Actor, cellule_name: str, meeting_on: dt.date, *, video_question: bool = False
) -> Agenda:
    """The agenda of the meeting of `cellule_name` on `meeting_on`. Its new observations outside
    every camera's field of view are listed for the catégorie vidéoprotection, and for every
    catégorie when the meeting's question is vidéoprotection (`video_question`)."""
    with db.session() as session:
        cellule = cellules.cellule_by_name(session, cellule_name)
        return read_agenda(session, actor, cellule, meeting_on, video_question=video_question)


def read_agenda(
    session: Session, actor: Actor, cellule: Cellule, meeting_on: dt.date, *, video_question: bool = False
) -> Agenda:
    """`prepare_agenda` inside an open session (the meeting packs read it in their own transaction)."""
    communes = cellules.cellule_communes(session, cellule.id)
    cellules.require_cellule_writer(session, actor, communes, DENIED)
    previous = session.scalar(
        select(func.max(Meeting.held_on)).where(Meeting.cellule_id == cellule.id, Meeting.held_on < meeting_on)
    )
    since = previous or meeting_on - dt.timedelta(days=FIRST_WINDOW_DAYS)
    sector_of = _sector_finder(session, communes)
    current = _observations(session, communes, since, meeting_on)
    before = _observations(session, communes, since - (meeting_on - since), since)
    now_counts = Counter(sector_of(o) for o in current)
    before_counts = Counter(sector_of(o) for o in before)
    # « Hors secteur » is counted with the new observations but is no sector a patrol can be sent to.
    rising = sorted(
        (
            (name, before_counts[name], count)
            for name, count in now_counts.items()
            if count > before_counts[name] and name != NO_SECTOR
        ),
        key=lambda row: (row[1] - row[2], row[0]),
    )[:TOP_RISES]
    return Agenda(
        cellule=cellule.name,
        meeting_on=meeting_on,
        since=since,
        previous_meeting=previous,
        communes=communes,
        new_by_severity=dict(sorted(Counter(o.severity for o in current).items(), reverse=True)),
        new_by_sector=dict(sorted(now_counts.items(), key=lambda item: (-item[1], item[0]))),
        overdue=_overdue(session, cellule.id, communes, meeting_on),
        revisits_due=_revisits_due(session, communes),
        revisit_results=_revisit_results(session, communes, since, meeting_on),
        alerts=territory_alerts(session, actor, communes, _midnight(since)),
        rising_sectors=rising,
        decisions=decisions.decision_lines(session, cellule.id, meeting_on, before=meeting_on),
        points=meeting_agenda.points_in(session, cellule.id, meeting_on),
        outside_cameras=cameras.uncovered_observations(
            session, communes, since, meeting_on, None if video_question else (VIDEO_CATEGORY,)
        ),
    )


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time())


def _observations(session: Session, communes: tuple[str, ...], start: dt.date, end: dt.date) -> list[Observation]:
    """Observations of the territory recorded on or after `start`, before `end` (dates of observation)."""
    statement = select(Observation).where(
        Observation.commune_insee.in_(communes), Observation.observed_on >= start, Observation.observed_on < end
    )
    return list(session.scalars(statement))


def _sector_finder(session: Session, communes: tuple[str, ...]):
    sectors = [
        (name, to_shape(geom))
        for name, geom in session.execute(
            select(Sector.name, Sector.geom).where(Sector.commune_insee.in_(communes)).order_by(Sector.name)
        )
    ]

    def sector_of(observation: Observation) -> str:
        if observation.lon is None or observation.lat is None:
            return NO_SECTOR
        point = Point(observation.lon, observation.lat)
        return next((name for name, shape in sectors if shape.covers(point)), NO_SECTOR)

    return sector_of


def _overdue(
    session: Session, cellule_id: int, communes: tuple[str, ...], today: dt.date
) -> dict[str, list[OverdueItem]]:
    """Per partner, its late observations then its late decisions of this cellule. A decision about
    an observation already listed for that partner is that same work: it is not counted twice."""
    grouped: dict[str, list[OverdueItem]] = {}
    for observation, partner in session.execute(_late_observations(communes, today)):
        grouped.setdefault(partner, []).append(
            OverdueItem(
                observation.id,
                partner,
                observation.category,
                observation.severity,
                observation.due_on,
                observation.status,
            )
        )
    for decision, held_on, partner in session.execute(_late_decisions(cellule_id, today)):
        listed = {item.observation_id for item in grouped.get(partner, ())}
        if decision.observation_id is not None and decision.observation_id in listed:
            continue
        grouped.setdefault(partner, []).append(
            OverdueItem(
                decision.observation_id, partner, "", 0, decision.due_on, decision.status, decision.text, held_on
            )
        )
    return dict(sorted(grouped.items()))


def _late_observations(communes: tuple[str, ...], today: dt.date):
    return (
        select(Observation, Partner.name)
        .join(Partner, Partner.id == Observation.partner_id)
        .where(
            Observation.commune_insee.in_(communes),
            Observation.status.in_(tuple(taxonomy.OPEN_STATUSES)),
            Observation.due_on < today,
        )
        .order_by(Partner.name, Observation.due_on, Observation.id)
    )


def _late_decisions(cellule_id: int, today: dt.date):
    """The cellule's decisions given to a partner, still open, due before `today` (a team's stay in
    the decisions section: this one is per partner, and goes into the partners' packs)."""
    return (
        select(MeetingDecision, Meeting.held_on, Partner.name)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .join(Partner, Partner.id == MeetingDecision.partner_id)
        .where(
            Meeting.cellule_id == cellule_id,
            Meeting.held_on < today,
            MeetingDecision.status == "open",
            MeetingDecision.due_on < today,
        )
        .order_by(MeetingDecision.due_on, MeetingDecision.id)
    )


def _revisits_due(session: Session, communes: tuple[str, ...]) -> list[VisitLine]:
    statement = (
        select(Observation.id, Observation.category)
        .where(Observation.commune_insee.in_(communes), Observation.status == "a_revoir")
        .order_by(Observation.id)
    )
    return [VisitLine(row.id, row.category, None, None) for row in session.execute(statement)]


def _revisit_results(session: Session, communes: tuple[str, ...], start: dt.date, end: dt.date) -> list[VisitLine]:
    statement = (
        select(
            ObservationVisit.observation_id, Observation.category, ObservationVisit.visited_on, ObservationVisit.finding
        )
        .join(Observation, Observation.id == ObservationVisit.observation_id)
        .where(
            Observation.commune_insee.in_(communes),
            ObservationVisit.visited_on >= start,
            ObservationVisit.visited_on < end,
        )
        .order_by(ObservationVisit.visited_on, ObservationVisit.id)
    )
    return [VisitLine(*row) for row in session.execute(statement)]
