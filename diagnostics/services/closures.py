"""Closing (validating) a diagnostic, and the rule every change checks: a closed diagnostic is
read-only, whoever asks. Helpers take the caller's open `Session`."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics.auth import Actor, require_diagnostic_access
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.field_models import DiagnosticClosure
from diagnostics.localtime import format_datetime
from diagnostics.models import Diagnostic, Observation
from diagnostics.services import audit
from diagnostics.texts import t


def writable_diagnostic(session: Session, actor: Actor, diagnostic_id: int) -> Diagnostic:
    """The diagnostic, if it exists, belongs to the actor's team and is still open."""
    diagnostic = team_diagnostic(session, actor, diagnostic_id)
    require_open(session, diagnostic_id)
    return diagnostic


def team_diagnostic(session: Session, actor: Actor, diagnostic_id: int) -> Diagnostic:
    """The diagnostic, if it exists and the actor may record for its team."""
    diagnostic = session.get(Diagnostic, diagnostic_id)
    if diagnostic is None:
        raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
    require_diagnostic_access(actor, diagnostic)
    return diagnostic


def require_open(session: Session, diagnostic_id: int) -> None:
    """Closed (validated) diagnostics refuse every change, whoever asks."""
    closure = session.get(DiagnosticClosure, diagnostic_id)
    if closure is not None:
        when = format_datetime(closure.closed_at)  # Paris time
        raise PermissionDenied(t("diagnostic_closed", id=diagnostic_id, when=when, who=closure.closed_by))


def close_diagnostic(db: Database, actor: Actor, diagnostic_id: int) -> None:
    """Close (validate) a diagnostic: from then on it can no longer be changed."""
    with db.session() as session:
        team_diagnostic(session, actor, diagnostic_id)
        if session.get(DiagnosticClosure, diagnostic_id) is not None:
            raise ValidationError({"diagnostic": t("diagnostic_already_closed", id=diagnostic_id)})
        count = session.scalar(select(func.count(Observation.id)).where(Observation.diagnostic_id == diagnostic_id))
        if not count:
            raise ValidationError({"diagnostic": t("diagnostic_close_empty")})
        session.add(DiagnosticClosure(diagnostic_id=diagnostic_id, closed_by=actor.login))
        audit.record(session, actor, "update", entity="diagnostic", entity_id=diagnostic_id, after={"closed": True})
