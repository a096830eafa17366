"""Reading contre-visites: the team's list of observations « à revoir » (nearest first when the
device's position is known, otherwise by commune and due date), an observation's visits, and
its photos before (the observation's) and after (the visits').

Collection queries apart from the single-record rules of `services.revisits`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import and_, exists, or_, select

from diagnostics import localtime, taxonomy
from diagnostics.auth import AGENT, COMMANDANT, Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.models import Commune, Diagnostic, Observation
from diagnostics.services import gallery
from diagnostics.services.follow_up import observation_detail
from diagnostics.services.gallery import ShownPhoto
from diagnostics.services.revisits import REVISIT
from diagnostics.visit_models import ObservationVisit, VisitPhoto

EARTH_RADIUS_M = 6_371_000
LIST_LIMIT = 200  # a team's round, not the département's archive


@dataclass(frozen=True)
class DueVisit:
    """An observation waiting for its contre-visite, as the field list shows it."""

    id: int
    category: str
    severity: int
    status: str
    commune_name: str
    place: str
    description: str
    lat: float | None
    lon: float | None
    due_on: dt.date | None = None
    distance_m: float | None = None  # from the device, when its position is known


def revisits_due(
    db: Database, actor: Actor, *, position: tuple[float, float] | None = None, today: dt.date | None = None
) -> list[DueVisit]:
    """The observations the actor's team must go back to: « à revoir » (a partner said réalisé),
    or still open past their due date and not visited since.

    Agents see their team's, commandants their départements'. With `position` (lat, lon) the
    nearest come first; otherwise they are sorted by commune, then due date.
    """
    require(actor, "record_visit")
    statement = (
        select(
            Observation.id,
            Observation.category,
            Observation.severity,
            Observation.status,
            Commune.name,
            Diagnostic.place,
            Observation.description,
            Observation.lat,
            Observation.lon,
            Observation.due_on,
        )
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .where(or_(Observation.status == REVISIT, _overdue_unvisited(today or localtime.now_paris().date())))
    )
    if actor.role == AGENT:
        statement = statement.where(Diagnostic.team_id == (actor.team_id if actor.team_id is not None else -1))
    elif actor.role == COMMANDANT:
        statement = statement.where(Commune.department.in_(actor.departments or ("-",)))
    with db.session() as session:
        items = [DueVisit(*row) for row in session.execute(statement.limit(LIST_LIMIT))]
    return order_due(items, position)


def _overdue_unvisited(today: dt.date):
    visited_since_due = exists().where(
        ObservationVisit.observation_id == Observation.id, ObservationVisit.visited_on >= Observation.due_on
    )
    return and_(
        Observation.status.in_(sorted(taxonomy.OPEN_STATUSES)),
        Observation.due_on.is_not(None),
        Observation.due_on < today,
        ~visited_since_due,
    )


def order_due(items: Iterable[DueVisit], position: tuple[float, float] | None) -> list[DueVisit]:
    """Nearest first when `position` is known (ties by commune, due date, number); otherwise by
    commune, then due date (none last), then number."""
    no_date = dt.date.max
    if position is None:
        return sorted(items, key=lambda i: (i.commune_name, i.due_on or no_date, i.id))
    lat, lon = position
    measured = [
        replace(i, distance_m=distance_m(lat, lon, i.lat, i.lon) if i.lat is not None and i.lon is not None else None)
        for i in items
    ]
    return sorted(
        measured,
        key=lambda i: (i.distance_m is None, i.distance_m or 0.0, i.commune_name, i.due_on or no_date, i.id),
    )


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine): plenty for « which is nearest » on a round."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


VISIT_COLUMNS = ("id", "visited_on", "finding", "comment", "author", "created_at")


def observation_visits(db: Database, actor: Actor, observation_id: int) -> pd.DataFrame:
    """The visits of an observation the actor may read, oldest first. Partners see the dates and
    findings, not who in the forces went nor their comments."""
    observation_detail(db, actor, observation_id)  # raises NotFound outside the actor's scope
    statement = (
        select(*(getattr(ObservationVisit, column) for column in VISIT_COLUMNS))
        .where(ObservationVisit.observation_id == observation_id)
        .order_by(ObservationVisit.visited_on, ObservationVisit.id)
    )
    with db.session() as session:
        visits = pd.DataFrame(session.execute(statement).all(), columns=list(VISIT_COLUMNS))
    if observation_scope(actor).shareable_text_only:
        visits = visits.assign(comment="", author="")
    return visits


def history_with_visits(history: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """The follow-up history (`follow_up.observation_history`) with each visit in it, by time:
    kind « visit », the finding as new value, the visit's comment and day."""
    rows = pd.DataFrame(
        {
            "at": visits["created_at"],
            "actor": visits["author"],
            "kind": "visit",
            "old_value": "",
            "new_value": visits["finding"],
            "comment": visits["comment"],
            "dated": visits["visited_on"],
        }
    )
    if rows.empty:
        return history
    if history.empty:
        return rows.reset_index(drop=True)
    merged = pd.concat([history, rows], ignore_index=True)
    return merged.sort_values("at", kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class BeforeAfter:
    before: list[ShownPhoto]  # the observation's own photos
    after: list[ShownPhoto]  # the photos taken at its visits, oldest first
    after_dates: dict[int, dt.date]  # photo id → the day of its visit


def before_after_photos(db: Database, actor: Actor, observation_id: int) -> BeforeAfter:
    """The observation's photos the actor may see, split into before and after its visits."""
    shown = gallery.observation_photos(db, actor, [observation_id]).get(observation_id, [])
    with db.session() as session:
        dates = dict(
            session.execute(
                select(VisitPhoto.photo_id, ObservationVisit.visited_on)
                .join(ObservationVisit, ObservationVisit.id == VisitPhoto.visit_id)
                .where(ObservationVisit.observation_id == observation_id)
            ).all()
        )
    return BeforeAfter(
        before=[photo for photo in shown if photo.id not in dates],
        after=[photo for photo in shown if photo.id in dates],
        after_dates=dates,
    )


def visit_caption(day: dt.date | None) -> str:
    return f"Contre-visite du {localtime.format_date(day)}" if day else "Contre-visite"
