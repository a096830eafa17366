"""The other copies of purged text: follow-up comments, re-visits, e-mails, alerts, grids, drafts,
photos, the audit log.

Helpers of `retention.purge`: each takes the purge's open session and the selects of the purged
diagnostics and observations, and returns how many rows it changed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sqlalchemy import Select, delete, or_, select, update
from sqlalchemy.orm import Session

from diagnostics import audit_chain, config
from diagnostics.alert_models import Alert
from diagnostics.field_models import DiagnosticGrid, FieldDraft, Photo
from diagnostics.models import AuditEvent, ObservationEvent
from diagnostics.outbox_models import OutboxAttachment, OutboxMessage
from diagnostics.services import outbox
from diagnostics.services.audit_log import unlocked
from diagnostics.session_models import UserSession
from diagnostics.visit_models import ObservationVisit

# Audit events about these entities carry the texts of a diagnostic or an observation.
_ENTITY_KEYS = {
    "diagnostic": "diagnostics",
    "diagnostic_grid": "diagnostics",
    "observation": "observations",
    "subscriber": "subscribers",
}
# …and these name their observation in their payload (`observation_id`), as photos do.


def blank_comments(session: Session, observations: Select) -> int:
    statement = (
        update(ObservationEvent)
        .where(ObservationEvent.observation_id.in_(observations), ObservationEvent.comment != "")
        .values(comment="")
    )
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def blank_visits(session: Session, observations: Select) -> int:
    """Re-visits' comments and authors (the finding and the date stay)."""
    statement = (
        update(ObservationVisit)
        .where(ObservationVisit.observation_id.in_(observations))
        .where((ObservationVisit.comment != "") | (ObservationVisit.author != ""))
        .values(comment="", author="")
    )
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def blank_outbox(session: Session, cutoff: dt.datetime, observations: Select) -> int:
    """Bodies and attachments of messages sent before the cutoff, or about purged observations.

    Messages still waiting to be sent keep theirs until they are sent (the next purge blanks them).
    """
    count = outbox.blank_bodies(session, cutoff)
    about = select(OutboxMessage.id).where(
        OutboxMessage.status.in_(outbox.DONE_STATUSES), OutboxMessage.observation_id.in_(observations)
    )
    session.execute(
        update(OutboxAttachment).where(OutboxAttachment.message_id.in_(about)).values(content=b"", size_bytes=0)
    )
    statement = update(OutboxMessage).where(OutboxMessage.id.in_(about), OutboxMessage.body != "").values(body="")
    return count + session.execute(statement.execution_options(synchronize_session=False)).rowcount


def blank_alerts(session: Session, cutoff: dt.datetime, observations: Select) -> int:
    """The texts of alerts written before the cutoff, or sent about purged observations."""
    old = or_(Alert.created_at < cutoff, Alert.sent_at.is_not(None) & Alert.observation_id.in_(observations))
    statement = update(Alert).where(old, Alert.text != "").values(text="", template="{}")
    return session.execute(statement.execution_options(synchronize_session=False)).rowcount


def blank_grid_comments(session: Session, diagnostics: Select) -> int:
    changed = 0
    for grid in session.scalars(select(DiagnosticGrid).where(DiagnosticGrid.diagnostic_id.in_(diagnostics))):
        answers = json.loads(grid.answers or "{}")
        if any(answer.get("comment") for answer in answers.values()):
            grid.answers = json.dumps(
                {code: {**answer, "comment": ""} for code, answer in answers.items()}, ensure_ascii=False
            )
            changed += 1
    return changed


def delete_drafts(session: Session, cutoff: dt.datetime) -> int:
    return session.execute(delete(FieldDraft).where(FieldDraft.updated_at < cutoff)).rowcount


def delete_ended_sessions(session: Session, cutoff: dt.datetime) -> int:
    """Signed-in sessions (with their user agents) that ended before the cutoff."""
    return session.execute(delete(UserSession).where(UserSession.expires_at < cutoff)).rowcount


def delete_photos(session: Session, diagnostics: Select, observations: Select) -> list[Path]:
    """Delete the photos' rows; return their files, to be removed once the transaction commits."""
    purged = or_(Photo.diagnostic_id.in_(diagnostics), Photo.observation_id.in_(observations))
    names = session.scalars(select(Photo.file_name).where(purged)).all()
    session.execute(delete(Photo).where(purged).execution_options(synchronize_session=False))
    folder = config.photo_dir()
    return [folder / name for name in names]


def redact_audit(session: Session, ids: dict[str, set[int]], cutoff: dt.datetime) -> int:
    """Seal the texts of the audit events about purged records, and of every event older than the cutoff.

    The chain still verifies (diagnostics.audit_chain): each text becomes its seal and the row
    forgets its nonce, so the event keeps who changed what and when, not what was written.
    """
    purged = {kind: {str(i) for i in values} for kind, values in ids.items()}
    rows = session.execute(
        select(
            AuditEvent.id,
            AuditEvent.at,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.before,
            AuditEvent.after,
            AuditEvent.detail,
            AuditEvent.nonce,
        ).where(AuditEvent.nonce.is_not(None))
    ).all()
    # A deleted observation is known only to the log: its creation event names its diagnostic.
    purged["observations"] |= {
        row.entity_id
        for row in rows
        if row.entity == "observation" and _names(row, "diagnostic_id", purged["diagnostics"])
    }
    chosen = [row for row in rows if row.at < cutoff or _about_purged(row, purged)]
    if not chosen:
        return 0
    with unlocked(session, "purge : textes des événements d'audit"):
        for row in chosen:
            session.execute(
                update(AuditEvent)
                .where(AuditEvent.id == row.id)
                .values(
                    before=audit_chain.purged_payload(row.before, row.nonce),
                    after=audit_chain.purged_payload(row.after, row.nonce),
                    detail=audit_chain.purged_detail(row.detail, row.nonce),
                    nonce=None,
                )
            )
    return len(chosen)


def _about_purged(row, purged: dict[str, set[str]]) -> bool:
    kind = _ENTITY_KEYS.get(row.entity)
    if kind and row.entity_id in purged[kind]:
        return True
    # A photo names its diagnostic and observation in its payload.
    return _names(row, "diagnostic_id", purged["diagnostics"]) or _names(row, "observation_id", purged["observations"])


def _names(row, key: str, ids: set[str]) -> bool:
    for payload in (row.before, row.after):
        values = json.loads(payload) if payload and payload.startswith("{") else {}
        if key in values and str(values[key]) in ids:
            return True
    return False


def files_removed(paths: list[Path]) -> int:
    for path in paths:
        path.unlink(missing_ok=True)
    return len(paths)
