"""Retention: participant names and free text are anonymised once older than the retention period.

What stays: dates, places, communes, catégories, gravités, statuses, geometries and the
préconisations addressed to partners — what the statistics and the follow-up need.
Alert subscribers who opted out are deleted `PSQ_SUBSCRIBER_RETENTION_DAYS` after their STOP
(their number's SHA-256 stays in `subscriber_stops`, so that it is never subscribed again).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select, update

from diagnostics import config
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.models import Diagnostic, Observation, utcnow
from diagnostics.services import audit, subscribers

DIAGNOSTIC_TEXT = ("participants", "context", "summary", "author")
OBSERVATION_TEXT = ("description", "author")


@dataclass(frozen=True)
class PurgeReport:
    cutoff: dt.date
    diagnostics: int
    observations: int
    dry_run: bool
    subscribers: int = 0

    def __str__(self) -> str:
        verb = "à anonymiser" if self.dry_run else "anonymisés"
        deleted = "à supprimer" if self.dry_run else "supprimés"
        text = (
            f"{verb} : {self.diagnostics} diagnostic(s) et {self.observations} observation(s) "
            f"antérieurs au {self.cutoff:%d/%m/%Y}"
        )
        return text + (f" ; abonnés désinscrits {deleted} : {self.subscribers}" if self.subscribers else "")


@audit.refusals_recorded
def purge(
    db: Database,
    actor: Actor,
    *,
    retention_days: int,
    dry_run: bool,
    today: dt.date | None = None,
    subscriber_retention_days: int | None = None,
) -> PurgeReport:
    """Anonymise what is older than `retention_days`; with `dry_run`, only count it. Subscribers
    who opted out more than `subscriber_retention_days` ago (PSQ_SUBSCRIBER_RETENTION_DAYS) are deleted."""
    require(actor, "purge")
    cutoff = (today or dt.date.today()) - dt.timedelta(days=retention_days)
    stop_days = subscriber_retention_days or config.subscriber_retention_days()
    stop_cutoff = dt.datetime.combine(today or dt.date.today(), dt.time()) - dt.timedelta(days=stop_days)
    old_diagnostics = (Diagnostic.visited_on < cutoff, _has_text(Diagnostic, DIAGNOSTIC_TEXT))
    old_observations = (Observation.observed_on < cutoff, _has_text(Observation, OBSERVATION_TEXT))
    with db.session() as session:
        diagnostic_ids = session.scalars(select(Diagnostic.id).where(*old_diagnostics)).all()
        observation_ids = session.scalars(select(Observation.id).where(*old_observations)).all()
        subscriber_ids = subscribers.purge_opted_out(session, stop_cutoff, dry_run=dry_run)
        report = PurgeReport(cutoff, len(diagnostic_ids), len(observation_ids), dry_run, len(subscriber_ids))
        if dry_run:
            return report
        session.execute(update(Diagnostic).where(*old_diagnostics).values(**dict.fromkeys(DIAGNOSTIC_TEXT, "")))
        session.execute(
            update(Observation)
            .where(*old_observations)
            .values(**dict.fromkeys(OBSERVATION_TEXT, ""), version=Observation.version + 1, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        audit.record(
            session,
            actor,
            "purge",
            entity="retention",
            entity_id=str(cutoff),
            after={"diagnostics": diagnostic_ids, "observations": observation_ids, "subscribers": subscriber_ids},
            detail=f"conservation {retention_days} jours",
        )
    return report


def _has_text(model, columns: tuple[str, ...]):
    return or_(*(getattr(model, column) != "" for column in columns))
