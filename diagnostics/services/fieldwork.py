"""Recording diagnostics de sûreté and their observations.

Every input is validated before anything is written; a refused input raises `ValidationError`
with a French message per field and leaves the database untouched. Each use case runs in one
transaction; its helpers (`field_checks`, `closures`, `photos.attach_photos`) take its session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from geoalchemy2.shape import from_shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diagnostics.auth import AGENT, COMMANDANT, Actor, require, require_departments, require_team
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.field_models import DiagnosticClosure
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import SRID, Commune, Diagnostic, Observation, Team
from diagnostics.redaction import encode_shared_fields
from diagnostics.services import audit, field_checks
from diagnostics.services import photos as photo_store
from diagnostics.services.closures import writable_diagnostic
from diagnostics.texts import t


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
    shared_fields: tuple[str, ...] | None = None  # what partners receive (redaction); None: from `shareable`
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
        errors = field_checks.diagnostic_errors(draft, today or dt.date.today())
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


def record_observation(
    db: Database,
    actor: Actor,
    diagnostic_id: int,
    draft: ObservationDraft,
    *,
    photos: Sequence[PreparedPhoto] = (),
    photos_shareable: bool = False,
    form_token: str | None = None,
) -> int:
    """Record an observation of a diagnostic with its photos, all or nothing; return its id.

    The geometry must lie in the diagnostic's commune (a line or polygon must touch it).
    `form_token` identifies one filled form: sending it again (a retry after an error or a lost
    answer) returns the observation already stored instead of storing it twice.
    """
    try:
        with photo_store.files_removed_unless_committed() as written, db.session() as session:
            diagnostic = writable_diagnostic(session, actor, diagnostic_id)
            if form_token and (stored := _already_recorded(session, diagnostic_id, form_token)) is not None:
                return stored
            geometry = _checked_geometry(session, diagnostic, draft)
            observation = _new_observation(session, actor, diagnostic, draft, geometry, form_token)
            photo_store.attach_photos(
                session, actor, diagnostic_id, observation.id, photos, shareable=photos_shareable, written=written
            )
            return observation.id
    except IntegrityError:
        # The same form sent twice at once: the other request stored it first.
        if form_token:
            with db.session() as session:
                stored = _already_recorded(session, diagnostic_id, form_token)
            if stored is not None:
                return stored
        raise


def _already_recorded(session: Session, diagnostic_id: int, form_token: str) -> int | None:
    row = session.execute(
        select(Observation.id, Observation.diagnostic_id).where(Observation.form_token == form_token)
    ).first()
    if row is None:
        return None
    if row.diagnostic_id != diagnostic_id:
        raise ValidationError({"form": t("form_token_reused")})
    return row.id


def _checked_geometry(session: Session, diagnostic: Diagnostic, draft: ObservationDraft) -> BaseGeometry:
    errors = field_checks.observation_field_errors(draft)
    geometry, position_errors = field_checks.observation_geometry(draft)
    errors.update(position_errors)
    if geometry is not None:
        errors.update(field_checks.position_errors(session, diagnostic.commune_insee, geometry))
    if errors:
        raise ValidationError(errors)
    return geometry


def _new_observation(
    session: Session,
    actor: Actor,
    diagnostic: Diagnostic,
    draft: ObservationDraft,
    geometry: BaseGeometry,
    form_token: str | None,
) -> Observation:
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
        shared_fields=None if draft.shared_fields is None else encode_shared_fields(draft.shared_fields),
        author=draft.author or actor.login,
        geom=from_shape(geometry, srid=SRID),
        form_token=form_token or None,
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
    return observation


def _diagnostic_audit_values(diagnostic: Diagnostic) -> dict:
    names = ("team_id", "commune_insee", "place", "visited_on", "participants", "context", "summary")
    return {name: getattr(diagnostic, name) for name in names}


def _observation_audit_values(observation: Observation) -> dict:
    names = ("diagnostic_id", "category", "severity", "status", "description", "recommendation", "partner", "shareable")
    return {name: getattr(observation, name) for name in names}


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
