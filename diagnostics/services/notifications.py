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
from diagnostics.auth import PARTENAIRE
from diagnostics.db import Database
from diagnostics.models import Commune, Diagnostic, Observation, User
from diagnostics.partner_models import Partner
from diagnostics.services import outbox
from diagnostics.services.partners import partner_emails


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


def after_assignment(session: Session, observation: Observation, events) -> None:
    """An observation given to a partner (not a due date moved, not an unassignment): the partner."""
    if observation.partner_id is None or not any(event.kind == "assignment" for event in events):
        return
    partner = session.get(Partner, observation.partner_id)
    outbox.notify(
        session,
        "assignment",
        observation_id=observation.id,
        recipients=partner_recipients(session, observation),
        data={"partner_name": partner.name, "due_on": observation.due_on},
    )


def partner_answered(session: Session, observation: Observation, partner_name: str, answer: str, comment: str) -> None:
    """A partner's answer: the commandants of the département (a « réalisé » also tells the team,
    through `visit_scheduled`)."""
    department, _ = _where(session, observation)
    outbox.notify(
        session,
        "partner_answer",
        observation_id=observation.id,
        recipients=outbox.commanders_of(session, department),
        data={"partner_name": partner_name, "answer": answer, "comment": comment},
    )


def partner_recipients(session: Session, observation: Observation) -> list[outbox.Recipient]:
    """The partner an observation is assigned to: its contact addresses and its accounts (partenaire,
    or the mayors bound to their commune's partner)."""
    if observation.partner_id is None:
        return []
    return partner_contacts(session, session.get(Partner, observation.partner_id))


def partner_contacts(session: Session, partner: Partner) -> list[outbox.Recipient]:
    """A partner's contact addresses and its active accounts."""
    contacts = [outbox.Recipient(email, PARTENAIRE) for email in partner_emails(partner)]
    users = session.scalars(select(User).where(User.partner_id == partner.id, User.active.is_(True))).all()
    return [*outbox.account_recipients(session, users), *contacts]


def scan_due_dates(db: Database, now: dt.datetime) -> int:
    """Every open assigned observation whose due date passed (« en retard »): the commandants and the
    partner are told the due date passed, the team that a contre-visite is due. Once per
    observation and due date (a new due date is a new reminder)."""
    from diagnostics.services.assignments import overdue_condition  # assignments itself notifies

    written = 0
    with db.session() as session:
        late = session.scalars(select(Observation).where(overdue_condition(today_in_paris(now)))).all()
        for observation in late:
            department, team_id = _where(session, observation)
            key = f"{observation.id}:{observation.due_on.isoformat()}"
            data = {"partner_name": session.get(Partner, observation.partner_id).name, "due_on": observation.due_on}
            recipients = [*outbox.commanders_of(session, department), *partner_recipients(session, observation)]
            written += len(
                outbox.notify(
                    session,
                    "due_passed",
                    observation_id=observation.id,
                    recipients=recipients,
                    data=data,
                    dedup_key=f"due_passed:{key}",
                )  # fmt: skip
            )
            written += len(
                outbox.notify(
                    session,
                    "revisit_due",
                    observation_id=observation.id,
                    data=data,
                    recipients=outbox.team_agents(session, team_id),
                    dedup_key=f"revisit_due:{key}",
                )  # fmt: skip
            )
    return written


def today_in_paris(now: dt.datetime) -> dt.date:
    return localtime.to_paris(now).date()
