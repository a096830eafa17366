"""Recording diagnostics de sûreté and their observations.

Every input is validated before anything is written; a refused input raises `ValidationError`
with a French message per field and leaves the database untouched.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select

from diagnostics import taxonomy
from diagnostics.auth import (
    AGENT,
    COMMANDANT,
    Actor,
    require,
    require_departments,
    require_diagnostic_access,
    require_team,
)
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import SRID, Commune, Diagnostic, DiagnosticClosure, Observation, Team
from diagnostics.services import audit
from diagnostics.services.reference import commune_geometry
from diagnostics.texts import t

SHORT_TEXT_LIMIT = 200
LONG_TEXT_LIMIT = 5000
EARLIEST_DATE = dt.date(2000, 1, 1)


@dataclass
class DiagnosticDraft:
    team_id: int | None
    commune_insee: str | None
    place: str
    visited_on: dt.date | None
    participants: str = ""
    context: str = ""
    summary: str = ""
    author: str = ""
    reference: str | None = None


@dataclass
class ObservationDraft:
    category: str | None
    severity: int | None
    description: str
    latitude: float | None = None
    longitude: float | None = None
    geometry: BaseGeometry | None = None  # a drawn line or polygon; takes precedence over lat/lon
    recommendation: str = ""
    partner: str = ""
    shareable: bool = False
    author: str = ""


@dataclass(frozen=True)
class DiagnosticSummary:
    id: int
    reference: str | None
    team: str
    commune_insee: str
    commune_name: str
    place: str
    visited_on: dt.date
    observation_count: int
    closed_at: dt.datetime | None = None

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def label(self) -> str:
        mark = " — clôturé" if self.closed else ""
        return f"{self.visited_on:%d/%m/%Y} — {self.place}, {self.commune_name} ({self.team}){mark}"


def start_diagnostic(db: Database, actor: Actor, draft: DiagnosticDraft, *, today: dt.date | None = None) -> int:
    """Record a new diagnostic and return its id. Agents record for their own team only."""
    require(actor, "record_diagnostic")
    if draft.team_id:
        require_team(actor, draft.team_id)
    with db.session() as session:
        errors = _diagnostic_errors(draft, today or dt.date.today())
        if "team_id" not in errors and session.get(Team, draft.team_id) is None:
            errors["team_id"] = t("team_unknown")
        if "commune_insee" not in errors and session.get(Commune, draft.commune_insee) is None:
            errors["commune_insee"] = t("commune_unknown", insee=draft.commune_insee)
        if errors:
            raise ValidationError(errors)
        require_departments(
            actor, session.get(Team, draft.team_id).department, session.get(Commune, draft.commune_insee).department
        )
        diagnostic = Diagnostic(
            reference=draft.reference,
            team_id=draft.team_id,
            commune_insee=draft.commune_insee,
            place=draft.place.strip(),
            visited_on=draft.visited_on,
            participants=draft.participants.strip(),
            context=draft.context.strip(),
            summary=draft.summary.strip(),
            author=draft.author or actor.login,
        )
        session.add(diagnostic)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            entity="diagnostic",
            entity_id=diagnostic.id,
            after=_diagnostic_audit_values(diagnostic),
        )
        return diagnostic.id


def _diagnostic_errors(draft: DiagnosticDraft, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.team_id:
        errors["team_id"] = t("team_required")
    if not draft.commune_insee:
        errors["commune_insee"] = t("commune_required")
    if not draft.place.strip():
        errors["place"] = t("place_required")
    if draft.visited_on is None:
        errors["visited_on"] = t("date_required")
    elif draft.visited_on > today:
        errors["visited_on"] = t("date_in_future", date=f"{draft.visited_on:%d/%m/%Y}")
    elif draft.visited_on < EARLIEST_DATE:
        errors["visited_on"] = t("date_too_old", date=f"{draft.visited_on:%d/%m/%Y}")
    errors.update(_length_errors({"place": draft.place}, SHORT_TEXT_LIMIT))
    errors.update(
        _length_errors(
            {"participants": draft.participants, "context": draft.context, "summary": draft.summary},
            LONG_TEXT_LIMIT,
        )
    )
    return errors


def add_observation(db: Database, actor: Actor, diagnostic_id: int, draft: ObservationDraft) -> int:
    """Record an observation of a diagnostic and return its id.

    The geometry must lie in the diagnostic's commune (a line or polygon must touch it).
    """
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        if diagnostic is None:
            raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
        require_diagnostic_access(actor, diagnostic)
        require_open(session, actor, diagnostic.id)
        errors = _observation_field_errors(draft)
        geometry, position_errors = _observation_geometry(draft)
        errors.update(position_errors)
        if geometry is not None:
            errors.update(_commune_errors(db, diagnostic.commune_insee, geometry))
        if errors:
            raise ValidationError(errors)
        observation = Observation(
            diagnostic_id=diagnostic.id,
            commune_insee=diagnostic.commune_insee,
            observed_on=diagnostic.visited_on,
            category=draft.category,
            severity=int(draft.severity),
            status="nouvelle",
            description=draft.description.strip(),
            recommendation=draft.recommendation.strip(),
            partner=draft.partner.strip(),
            shareable=bool(draft.shareable),
            author=draft.author or actor.login,
            geom=from_shape(geometry, srid=SRID),
        )
        session.add(observation)
        session.flush()
        audit.record(
            session,
            actor,
            "create",
            entity="observation",
            entity_id=observation.id,
            after={**_observation_audit_values(observation), "wkt": geometry.wkt},
        )
        return observation.id


def require_open(session, actor: Actor, diagnostic_id: int) -> None:
    """Closed (validated) diagnostics refuse every change, whoever asks."""
    closure = session.get(DiagnosticClosure, diagnostic_id)
    if closure is not None:
        raise PermissionDenied(
            t("diagnostic_closed", id=diagnostic_id, when=f"{closure.closed_at:%d/%m/%Y %H:%M}", who=closure.closed_by)
        )


def close_diagnostic(db: Database, actor: Actor, diagnostic_id: int) -> None:
    """Close (validate) a diagnostic: from then on it can no longer be changed."""
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        if diagnostic is None:
            raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
        require_diagnostic_access(actor, diagnostic)
        if session.get(DiagnosticClosure, diagnostic_id) is not None:
            raise ValidationError({"diagnostic": t("diagnostic_already_closed", id=diagnostic_id)})
        count = session.scalar(select(func.count(Observation.id)).where(Observation.diagnostic_id == diagnostic_id))
        if not count:
            raise ValidationError({"diagnostic": t("diagnostic_close_empty")})
        session.add(DiagnosticClosure(diagnostic_id=diagnostic_id, closed_by=actor.login))
        audit.record(session, actor, "update", entity="diagnostic", entity_id=diagnostic_id, after={"closed": True})


def _diagnostic_audit_values(diagnostic: Diagnostic) -> dict:
    names = ("team_id", "commune_insee", "place", "visited_on", "participants", "context", "summary")
    return {name: getattr(diagnostic, name) for name in names}


def _observation_audit_values(observation: Observation) -> dict:
    names = ("diagnostic_id", "category", "severity", "status", "description", "recommendation", "partner", "shareable")
    return {name: getattr(observation, name) for name in names}


def _observation_field_errors(draft: ObservationDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.category or not taxonomy.is_category(draft.category):
        errors["category"] = t("category_required")
    if draft.severity not in taxonomy.SEVERITIES:
        errors["severity"] = t("severity_invalid")
    if not draft.description.strip():
        errors["description"] = t("description_required")
    errors.update(
        _length_errors({"description": draft.description, "recommendation": draft.recommendation}, LONG_TEXT_LIMIT)
    )
    errors.update(_length_errors({"partner": draft.partner}, SHORT_TEXT_LIMIT))
    return errors


def _observation_geometry(draft: ObservationDraft) -> tuple[BaseGeometry | None, dict[str, str]]:
    if draft.geometry is not None:
        if draft.geometry.is_empty or not draft.geometry.is_valid:
            return None, {"geometry": t("geometry_invalid")}
        return draft.geometry, {}
    if draft.latitude is None or draft.longitude is None:
        return None, {"position": t("position_required")}
    errors = {}
    if not _is_coordinate(draft.latitude, 90):
        errors["latitude"] = t("latitude_invalid")
    if not _is_coordinate(draft.longitude, 180):
        errors["longitude"] = t("longitude_invalid")
    if errors:
        return None, errors
    return Point(float(draft.longitude), float(draft.latitude)), {}


def _is_coordinate(value, limit: float) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and -limit <= number <= limit


def _commune_errors(db: Database, insee: str, geometry: BaseGeometry) -> dict[str, str]:
    boundary = commune_geometry(db, insee)
    inside = boundary.covers(geometry) if geometry.geom_type == "Point" else boundary.intersects(geometry)
    if inside:
        return {}
    name = _commune_name(db, insee)
    point = geometry.representative_point()
    return {"position": t("outside_commune", lat=point.y, lon=point.x, commune=name)}


def _commune_name(db: Database, insee: str) -> str:
    with db.session() as session:
        return session.scalar(select(Commune.name).where(Commune.insee == insee)) or insee


def _length_errors(texts: dict[str, str], limit: int) -> dict[str, str]:
    return {
        field: t("text_too_long", length=len(value), limit=limit)
        for field, value in texts.items()
        if value and len(value) > limit
    }


def list_diagnostics(db: Database, actor: Actor, *, limit: int = 200) -> list[DiagnosticSummary]:
    """The most recent diagnostics the actor may add to, newest first, with their observation counts."""
    statement = _visible_to(actor, _summaries()).limit(limit)
    with db.session() as session:
        return [DiagnosticSummary(*row) for row in session.execute(statement)]


def get_diagnostic(db: Database, actor: Actor, diagnostic_id: int) -> DiagnosticSummary:
    with db.session() as session:
        row = session.execute(_visible_to(actor, _summaries()).where(Diagnostic.id == diagnostic_id)).first()
    if row is None:
        raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
    return DiagnosticSummary(*row)


def _visible_to(actor: Actor, statement):
    require(actor, "record_diagnostic")
    if actor.role == AGENT:
        return statement.where(Diagnostic.team_id == actor.team_id)
    if actor.role == COMMANDANT:
        return statement.where(Commune.department.in_(actor.departments))
    return statement


def _summaries():
    counts = (
        select(Observation.diagnostic_id, func.count(Observation.id).label("n"))
        .group_by(Observation.diagnostic_id)
        .subquery()
    )
    return (
        select(
            Diagnostic.id,
            Diagnostic.reference,
            Team.name,
            Diagnostic.commune_insee,
            Commune.name,
            Diagnostic.place,
            Diagnostic.visited_on,
            func.coalesce(counts.c.n, 0),
            DiagnosticClosure.closed_at,
        )
        .join(Team, Team.id == Diagnostic.team_id)
        .outerjoin(DiagnosticClosure, DiagnosticClosure.diagnostic_id == Diagnostic.id)
        .join(Commune, Commune.insee == Diagnostic.commune_insee)
        .outerjoin(counts, counts.c.diagnostic_id == Diagnostic.id)
        .order_by(Diagnostic.visited_on.desc(), Diagnostic.id.desc())
    )
