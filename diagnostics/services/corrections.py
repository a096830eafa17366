"""Correcting what was recorded: an observation (fields, position, photos) or a diagnostic (place,
date, participants…) edited or deleted while the diagnostic is open, and a closed diagnostic
reopened by a commandant of its département, with a reason.

Each use case is one transaction holding the change and its audit event. Edits are optimistic:
the form carries the version it was read at; if someone saved in between, `Conflict` is raised
and nothing is written (the page keeps what was typed). The checks are those of recording
(`field_checks`), so a correction can never store what recording would refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from diagnostics import config, localtime
from diagnostics.auth import Actor, require, require_departments
from diagnostics.db import Database
from diagnostics.errors import Conflict, NotFound, ValidationError
from diagnostics.field_models import DiagnosticClosure, Photo
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import SRID, AuditEvent, Diagnostic, Observation, ObservationEvent, utcnow
from diagnostics.redaction import encode_shared_fields
from diagnostics.services import audit, field_checks
from diagnostics.services.closures import team_diagnostic, writable_diagnostic
from diagnostics.services.fieldwork import DiagnosticDraft, ObservationDraft
from diagnostics.services.photos import attach_photos, files_removed_unless_committed
from diagnostics.texts import t

REASON_LIMIT = 500
OBSERVATION_FIELDS = ("category", "severity", "description", "recommendation", "partner", "shared_fields")
DIAGNOSTIC_FIELDS = ("place", "visited_on", "participants", "context", "summary")


@dataclass(frozen=True)
class PhotoChanges:
    """What an edit does to an observation's photos: add, remove, and (un)share the kept ones."""

    add: Sequence[PreparedPhoto] = ()
    add_shareable: bool = False
    remove: Sequence[int] = ()
    shareable: Mapping[int, bool] | None = None  # photo id → shareable, for the photos kept

    def __bool__(self) -> bool:
        return bool(self.add or self.remove or self.shareable)


@dataclass(frozen=True)
class DiagnosticEdit:
    place: str
    visited_on: dt.date | None
    participants: str = ""
    context: str = ""
    summary: str | None = None  # None: left as it is (the field form does not show it)


@dataclass(frozen=True)
class EditableDiagnostic:
    id: int
    version: int
    values: DiagnosticEdit
    closed: bool


def diagnostic_for_edit(db: Database, actor: Actor, diagnostic_id: int) -> EditableDiagnostic:
    """A diagnostic's correctable fields and the version they were read at."""
    with db.session() as session:
        diagnostic = team_diagnostic(session, actor, diagnostic_id)
        values = DiagnosticEdit(**_diagnostic_values(diagnostic))
        closed = session.get(DiagnosticClosure, diagnostic_id) is not None
        return EditableDiagnostic(diagnostic.id, diagnostic.version, values, closed)


def edit_observation(
    db: Database,
    actor: Actor,
    observation_id: int,
    read_version: int,
    draft: ObservationDraft,
    photos: PhotoChanges = PhotoChanges(),
    *,
    folder: Path | None = None,
) -> int:
    """Replace an observation's fields, position and photos as `draft` and `photos` say; return its
    new version. `Conflict` if it changed since `read_version`, `ValidationError` as recording."""
    errors = field_checks.observation_field_errors(draft)
    geometry, position_errors = field_checks.observation_geometry(draft)
    errors.update(position_errors)
    removed: list[Path] = []
    try:
        with files_removed_unless_committed() as written, db.session() as session:
            observation, diagnostic = _writable_observation(session, actor, observation_id, read_version)
            if geometry is not None:
                errors.update(field_checks.position_errors(session, diagnostic.commune_insee, geometry))
            if errors:
                raise ValidationError(errors)
            before = _observation_values(session, observation)
            # Touched first, so that the row is written once (one new version) whatever changes,
            # photos alone included.
            observation.updated_at = utcnow()
            _apply_fields(observation, draft, geometry)
            removed = _apply_photos(session, actor, observation, photos, written, folder)
            after = _observation_values(session, observation)
            if after == before:
                raise ValidationError({"form": t("correction_nothing_changed")})
            session.flush()
            audit.record(
                session, actor, "update", entity="observation", entity_id=observation.id, before=before, after=after
            )
            version = observation.version
    except StaleDataError as exc:  # saved by someone else between our read and our write
        raise Conflict(_conflict_message(db, "observation", observation_id)) from exc
    for path in removed:  # the rows are gone for good: now their files can go
        path.unlink(missing_ok=True)
    return version


def delete_observation(db: Database, actor: Actor, observation_id: int, read_version: int) -> None:
    """Delete an observation, its photos and its follow-up; the audit event keeps what it was."""
    try:
        with db.session() as session:
            observation, _ = _writable_observation(session, actor, observation_id, read_version)
            before = {**_observation_values(session, observation), "version": observation.version}
            files = [_photo_path(name) for name in session.scalars(_photo_names(observation.id))]
            session.execute(delete(Photo).where(Photo.observation_id == observation.id))
            session.execute(delete(ObservationEvent).where(ObservationEvent.observation_id == observation.id))
            session.delete(observation)
            session.flush()
            audit.record(session, actor, "delete", entity="observation", entity_id=observation_id, before=before)
    except StaleDataError as exc:
        raise Conflict(_conflict_message(db, "observation", observation_id)) from exc
    for path in files:
        path.unlink(missing_ok=True)


def edit_diagnostic(
    db: Database,
    actor: Actor,
    diagnostic_id: int,
    read_version: int,
    edit: DiagnosticEdit,
    *,
    today: dt.date | None = None,
) -> int:
    """Correct a diagnostic's place, date, participants, context or summary; return its new version.

    A new date moves its observations' dates with it (they are the visit's date)."""
    try:
        with db.session() as session:
            diagnostic = writable_diagnostic(session, actor, diagnostic_id)
            if diagnostic.version != read_version:
                raise Conflict(_conflict_message_in(session, "diagnostic", diagnostic_id))
            values = {name: value for name, value in vars(edit).items() if value is not None or name == "visited_on"}
            values = {**_diagnostic_values(diagnostic), **values}
            draft = DiagnosticDraft(team_id=diagnostic.team_id, commune_insee=diagnostic.commune_insee, **values)
            errors = field_checks.diagnostic_errors(draft, today or dt.date.today())
            if errors:
                raise ValidationError(errors)
            before = _diagnostic_values(diagnostic)
            old_date = diagnostic.visited_on
            for name in DIAGNOSTIC_FIELDS:
                value = values[name]
                setattr(diagnostic, name, value.strip() if isinstance(value, str) else value)
            after = _diagnostic_values(diagnostic)
            if after == before:
                raise ValidationError({"form": t("correction_nothing_changed")})
            if diagnostic.visited_on != old_date:
                for observation in session.scalars(_observations_of(diagnostic_id, old_date)):
                    observation.observed_on = diagnostic.visited_on
            session.flush()
            audit.record(
                session, actor, "update", entity="diagnostic", entity_id=diagnostic_id, before=before, after=after
            )
            return diagnostic.version
    except StaleDataError as exc:
        raise Conflict(_conflict_message(db, "diagnostic", diagnostic_id)) from exc


def reopen_diagnostic(db: Database, actor: Actor, diagnostic_id: int, reason: str) -> None:
    """Reopen a closed diagnostic (commandants of its département, administrators), with a reason."""
    require(actor, "reopen_diagnostic")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": t("reopen_reason_required")})
    if len(reason) > REASON_LIMIT:
        raise ValidationError({"reason": t("text_too_long", length=len(reason), limit=REASON_LIMIT)})
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        if diagnostic is None:
            raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
        require_departments(actor, diagnostic.commune.department)
        closure = session.get(DiagnosticClosure, diagnostic_id)
        if closure is None:
            raise ValidationError({"diagnostic": t("diagnostic_not_closed", id=diagnostic_id)})
        before = {"closed": True, "closed_at": closure.closed_at, "closed_by": closure.closed_by}
        session.delete(closure)
        session.flush()
        audit.record(
            session,
            actor,
            "reopen",
            entity="diagnostic",
            entity_id=diagnostic_id,
            before=before,
            after={"closed": False},
            detail=reason,
        )


# --- Helpers: they take the use case's open session ------------------------------------------


def _writable_observation(
    session: Session, actor: Actor, observation_id: int, read_version: int
) -> tuple[Observation, Diagnostic]:
    observation = session.get(Observation, observation_id)
    if observation is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    diagnostic = writable_diagnostic(session, actor, observation.diagnostic_id)
    if observation.version != read_version:
        raise Conflict(_conflict_message_in(session, "observation", observation_id))
    return observation, diagnostic


def _apply_fields(observation: Observation, draft: ObservationDraft, geometry) -> None:
    observation.category = draft.category
    observation.severity = int(draft.severity)
    observation.description = draft.description.strip()
    observation.recommendation = draft.recommendation.strip()
    observation.partner = draft.partner.strip()
    fields = draft.shared_fields if draft.shared_fields is not None else ()
    observation.shared_fields = encode_shared_fields(fields)
    if to_shape(observation.geom).wkt != geometry.wkt:
        observation.geom = from_shape(geometry, srid=SRID)


def _apply_photos(
    session: Session,
    actor: Actor,
    observation: Observation,
    changes: PhotoChanges,
    written: list[Path],
    folder: Path | None,
) -> list[Path]:
    """Apply the photo changes in the session; return the files to delete once committed."""
    if not changes:
        return []
    own = {photo.id: photo for photo in session.scalars(select(Photo).where(Photo.observation_id == observation.id))}
    unknown = [photo_id for photo_id in (*changes.remove, *(changes.shareable or {})) if photo_id not in own]
    if unknown:
        raise NotFound(t("photo_unknown", id=unknown[0]))
    for photo_id, shareable in (changes.shareable or {}).items():
        own[photo_id].shareable = bool(shareable)
    removed = []
    for photo_id in changes.remove:
        removed.append(_photo_path(own[photo_id].file_name, folder))
        session.delete(own[photo_id])
    if changes.add:
        attach_photos(
            session,
            actor,
            observation.diagnostic_id,
            observation.id,
            list(changes.add),
            shareable=changes.add_shareable,
            written=written,
            folder=folder,
        )
    session.flush()
    return removed


def _observation_values(session: Session, observation: Observation) -> dict:
    values = {name: getattr(observation, name) for name in OBSERVATION_FIELDS}
    values["shared_fields"] = encode_shared_fields((observation.shared_fields or "").split(","))
    values["wkt"] = to_shape(observation.geom).wkt
    photos = session.execute(
        select(Photo.id, Photo.shareable).where(Photo.observation_id == observation.id).order_by(Photo.id)
    )
    values["photos"] = [{"id": photo_id, "shareable": bool(shareable)} for photo_id, shareable in photos]
    return values


def _diagnostic_values(diagnostic: Diagnostic) -> dict:
    return {name: getattr(diagnostic, name) for name in DIAGNOSTIC_FIELDS}


def _observations_of(diagnostic_id: int, observed_on: dt.date):
    return select(Observation).where(Observation.diagnostic_id == diagnostic_id, Observation.observed_on == observed_on)


def _photo_names(observation_id: int):
    return select(Photo.file_name).where(Photo.observation_id == observation_id)


def _photo_path(file_name: str, folder: Path | None = None) -> Path:
    return (folder or config.photo_dir()) / file_name


def _conflict_message(db: Database, entity: str, entity_id: int) -> str:
    with db.session() as session:
        return _conflict_message_in(session, entity, entity_id)


def _conflict_message_in(session: Session, entity: str, entity_id: int) -> str:
    """Who saved last and when (from the audit log), so the agent knows whom to ask."""
    last = session.execute(
        select(AuditEvent.actor, AuditEvent.at)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    who, when = (last.actor, localtime.format_datetime(last.at)) if last else ("quelqu'un d'autre", "—")
    return t(f"correction_conflict_{entity}", id=entity_id, who=who, when=when)
