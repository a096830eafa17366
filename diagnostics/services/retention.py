"""Retention: names and free text anonymised once older than the retention period, everywhere.

What stays: dates, places, communes, catégories, gravités, statuses, geometries and the
préconisations addressed to partners — what the statistics and the follow-up need. The same
texts are reached in every copy (diagnostics.services.retention_copies): follow-up comments,
re-visits, e-mail bodies and attachments, grid comments, drafts, photos (rows and files), ended
sessions, the audit log's payloads (sealed, so that its hash chain still verifies). The audit log
itself is kept PSQ_AUDIT_RETENTION_DAYS, then its old rows are deleted behind a signed checkpoint
(diagnostics.services.audit_log). The SQLite file is then vacuumed and its WAL checkpointed, so
that no erased text lingers in free pages. Alert subscribers who opted out are deleted
`PSQ_SUBSCRIBER_RETENTION_DAYS` after their STOP (their number's SHA-256 stays in
`subscriber_stops`, so that it is never subscribed again), and their audit events sealed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select, text, update

from diagnostics import config
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import ValidationError
from diagnostics.models import Diagnostic, Observation, utcnow
from diagnostics.services import audit, audit_log, subscribers
from diagnostics.services import retention_copies as copies

DIAGNOSTIC_TEXT = ("participants", "context", "summary", "author")
OBSERVATION_TEXT = ("description", "author")
# What the report counts beyond the diagnostics and observations, in French.
COPIES = {
    "comments": "commentaire(s) de suivi",
    "visits": "contre-visite(s)",
    "grids": "grille(s) commentée(s)",
    "outbox": "message(s) vidé(s)",
    "alerts": "alerte(s) vidée(s)",
    "drafts": "brouillon(s)",
    "sessions": "session(s) terminée(s)",
    "photos": "photo(s)",
    "audit_texts": "événement(s) d'audit scellé(s)",
    "audit_rows": "événement(s) d'audit supprimé(s)",
}


@dataclass(frozen=True)
class PurgeReport:
    cutoff: dt.date
    diagnostics: int
    observations: int
    dry_run: bool
    subscribers: int = 0
    copies: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        verb = "à anonymiser" if self.dry_run else "anonymisés"
        deleted = "à supprimer" if self.dry_run else "supprimés"
        line = (
            f"{verb} : {self.diagnostics} diagnostic(s) et {self.observations} observation(s) "
            f"antérieurs au {self.cutoff:%d/%m/%Y}"
        )
        if self.subscribers:
            line += f" ; abonnés désinscrits {deleted} : {self.subscribers}"
        extra = ", ".join(f"{count} {COPIES[name]}" for name, count in self.copies.items() if count)
        return f"{line} ; {extra}" if extra else line


@audit.refusals_recorded
def purge(
    db: Database,
    actor: Actor,
    *,
    retention_days: int,
    dry_run: bool,
    today: dt.date | None = None,
    audit_retention_days: int | None = None,
    subscriber_retention_days: int | None = None,
) -> PurgeReport:
    """Anonymise what is older than `retention_days`; with `dry_run`, only count it. Subscribers
    who opted out more than `subscriber_retention_days` ago (PSQ_SUBSCRIBER_RETENTION_DAYS) are deleted."""
    require(actor, "purge")
    audit_days = config.audit_retention_days() if audit_retention_days is None else audit_retention_days
    today = today or dt.date.today()
    cutoff = today - dt.timedelta(days=retention_days)
    cutoff_at = dt.datetime.combine(cutoff, dt.time.min)
    audit_cutoff = dt.datetime.combine(today - dt.timedelta(days=audit_days), dt.time.min)
    stop_days = subscriber_retention_days or config.subscriber_retention_days()
    stop_cutoff = dt.datetime.combine(today, dt.time()) - dt.timedelta(days=stop_days)
    old_diagnostics = (Diagnostic.visited_on < cutoff, _has_text(Diagnostic, DIAGNOSTIC_TEXT))
    old_observations = (Observation.observed_on < cutoff, _has_text(Observation, OBSERVATION_TEXT))
    purged_diagnostics = select(Diagnostic.id).where(Diagnostic.visited_on < cutoff)
    purged_observations = select(Observation.id).where(
        or_(Observation.observed_on < cutoff, Observation.diagnostic_id.in_(purged_diagnostics))
    )
    files = []
    with db.session() as session:
        diagnostic_ids = session.scalars(select(Diagnostic.id).where(*old_diagnostics)).all()
        observation_ids = session.scalars(select(Observation.id).where(*old_observations)).all()
        old_rows, last_old = audit_log.rows_older_than(session, audit_cutoff)
        subscriber_ids = subscribers.purge_opted_out(session, stop_cutoff, dry_run=True)
        if dry_run:
            counts = {"audit_rows": old_rows}
            return PurgeReport(cutoff, len(diagnostic_ids), len(observation_ids), True, len(subscriber_ids), counts)
        key = config.audit_key()
        if old_rows and not key:
            raise ValidationError(
                {
                    "audit": "PSQ_AUDIT_KEY n'est pas réglé : le journal d'audit ne peut pas être "
                    "purgé sans point de contrôle signé ; rien n'a été purgé"
                }
            )
        session.execute(update(Diagnostic).where(*old_diagnostics).values(**dict.fromkeys(DIAGNOSTIC_TEXT, "")))
        session.execute(
            update(Observation)
            .where(*old_observations)
            .values(**dict.fromkeys(OBSERVATION_TEXT, ""), version=Observation.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        subscribers.purge_opted_out(session, stop_cutoff, dry_run=False)
        counts = {
            "comments": copies.blank_comments(session, purged_observations),
            "visits": copies.blank_visits(session, purged_observations),
            "grids": copies.blank_grid_comments(session, purged_diagnostics),
            "outbox": copies.blank_outbox(session, cutoff_at, purged_observations),
            "alerts": copies.blank_alerts(session, cutoff_at, purged_observations),
            "drafts": copies.delete_drafts(session, cutoff_at),
            "sessions": copies.delete_ended_sessions(session, cutoff_at),
        }
        files = copies.delete_photos(session, purged_diagnostics, purged_observations)
        counts["photos"] = len(files)
        purged = {
            "diagnostics": set(session.scalars(purged_diagnostics)),
            "observations": set(session.scalars(purged_observations)),
            "subscribers": set(subscriber_ids),
        }
        counts["audit_texts"] = copies.redact_audit(session, purged, cutoff_at)
        audit.record(
            session,
            actor,
            "purge",
            entity="retention",
            entity_id=str(cutoff),
            after={
                "diagnostics": diagnostic_ids,
                "observations": observation_ids,
                "subscribers": subscriber_ids,
                **counts,
            },
            detail=f"conservation {retention_days} jours",
        )
        counts["audit_rows"] = _purge_audit_rows(session, actor, last_old, audit_days, key) if old_rows else 0
    copies.files_removed(files)
    compact(db)
    return PurgeReport(cutoff, len(diagnostic_ids), len(observation_ids), False, len(subscriber_ids), counts)


def _purge_audit_rows(session, actor: Actor, last_seq: int, days: int, key: str) -> int:
    purged = audit_log.delete_before(session, last_seq, f"purge : journal au-delà de {days} jours")
    audit.record(
        session,
        actor,
        "purge",
        entity=audit_log.CHECKPOINT_ENTITY,
        entity_id=str(purged.last_seq),
        after=audit_log.checkpoint(purged, key),
        detail=f"journal d'audit : conservation {days} jours",
    )
    return purged.deleted


def compact(db: Database) -> None:
    """Rewrite the storage so that erased text leaves the files too (VACUUM; the WAL truncated)."""
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM"))
        if db.is_sqlite:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))


def _has_text(model, columns: tuple[str, ...]):
    return or_(*(getattr(model, column) != "" for column in columns))
