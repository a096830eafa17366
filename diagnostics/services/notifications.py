"""Who must know about what: the events of issue 15 turned into outbox messages.

Each function runs in the caller's transaction (the use case that makes the change) and hands the
recipients to `outbox.notify`, which composes each message for its reader's role. The scans that
time causes (a due date passed) are registered with the worker and notify once per observation
and due date (`dedup_key`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import localtime
from diagnostics.models import Commune, Diagnostic, Observation
from diagnostics.services import outbox


def _where(session: Session, observation: Observation) -> tuple[str, int]:
    """(département, team id) of an observation."""
    row = session.execute(
        select(Commune.department, Diagnostic.team_id)
        .join(Diagnostic, Diagnostic.commune_insee == Commune.insee)
        .where(Diagnostic.id == observation.diagnostic_id)
    ).one()
    return row[0], row[1]


def visit_scheduled(session: Session, observation: Observation) -> None:
    """A partner said « réalisé »: the team's agents have a contre-visite to make."""
    _, team_id = _where(session, observation)
    outbox.notify(
        session, "revisit_due", observation_id=observation.id, recipients=outbox.team_agents(session, team_id)
    )


def visit_recorded(session: Session, observation: Observation, finding: str, visited_on: dt.date, comment: str) -> None:
    """A contre-visite's finding: the commandants of the département and the partner in charge."""
    department, _ = _where(session, observation)
    recipients = [*outbox.commanders_of(session, department), *partner_recipients(session, observation)]
    outbox.notify(
        session,
        "revisit_result",
        observation_id=observation.id,
        recipients=recipients,
        data={"finding": finding, "visited_on": visited_on, "comment": comment},
    )


def partner_recipients(session: Session, observation: Observation) -> list[outbox.Recipient]:
    """The partner an observation is assigned to: its contact addresses and its accounts."""
    return []  # wired to the partners' table once it is on main


def today_in_paris(now: dt.datetime) -> dt.date:
    return localtime.to_paris(now).date()
