"""The outbox, enqueue side: services call `notify` INSIDE their own transaction, so that a change and
the messages it causes are stored together or not at all. `python -m diagnostics notify run`
(diagnostics.notify.worker) sends them.

Each recipient's message is composed now, for that recipient's role (diagnostics.notify.compose):
what is stored is what that person may read, so the worker never decides about confidentiality.
A recipient who chose « rien » gets no row; « résumé quotidien » rows wait as `held` for the digest.

Message bodies and attachments are the personal data of the outbox: `blank_bodies` empties them
(for `purge`), keeping who was sent what kind of message and when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from diagnostics import config
from diagnostics.auth import COMMANDANT, MAIRE, Actor, require
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.models import Commune, Diagnostic, Observation, Team, User, utcnow
from diagnostics.notify import compose
from diagnostics.outbox_models import FREQUENCIES, MailPreference, OutboxAttachment, OutboxMessage
from diagnostics.services import audit

FREQUENCY_LABELS: dict[str, str] = {
    "immediate": "Immédiatement",
    "digest": "Un résumé par jour",
    "none": "Rien",
}
STATUS_LABELS: dict[str, str] = {
    "pending": "En attente",
    "sending": "En cours d'envoi",
    "sent": "Envoyé",
    "failed": "En échec",
    "held": "Pour le résumé quotidien",
    "digested": "Envoyé dans un résumé",
}
MAX_EMAIL = 254


@dataclass(frozen=True)
class Recipient:
    """Who reads a message: an address and the role that decides what the message may say.

    `user_id` ties it to an account (its preference applies); a partner's contact address without
    an account has none and is sent immediately.
    """

    email: str
    role: str
    user_id: int | None = None


@dataclass(frozen=True)
class Attachment:
    file_name: str
    content_type: str
    content: bytes


def notify(
    session: Session,
    kind: str,
    *,
    observation_id: int | None = None,
    recipients: Iterable[Recipient],
    data: Mapping[str, object] | None = None,
    dedup_key: str | None = None,
    attachments: Iterable[Attachment] = (),
    immediate: bool = False,
) -> list[int]:
    """Write one message per recipient into the caller's transaction; the ids written.

    `dedup_key` makes the message exist once per recipient (due dates passed, monthly maps):
    a second call with the same key writes nothing for that recipient. `immediate` ignores a
    digest preference (a message with an attachment is never folded into a digest).
    """
    if kind not in compose.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    facts = observation_facts(session, observation_id) if observation_id is not None else None
    files = list(attachments)
    ids = []
    for recipient in _unique(recipients):
        email, frequency = _address_and_frequency(session, recipient)
        if not email or frequency == "none":
            continue
        key = f"{dedup_key}|{email.lower()}"[:200] if dedup_key else None
        if key and session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == key)):
            continue
        text = compose.compose(kind, recipient.role, observation=facts, data=data, public_url=config.public_url())
        held = frequency == "digest" and not immediate and not files
        message = OutboxMessage(
            kind=kind,
            observation_id=observation_id,
            user_id=recipient.user_id,
            recipient=email,
            recipient_role=recipient.role,
            subject=text.subject,
            body=text.body,
            dedup_key=key,
            status="held" if held else "pending",
            next_attempt_at=utcnow(),
        )
        session.add(message)
        session.flush()
        for file in files:
            session.add(
                OutboxAttachment(
                    message_id=message.id,
                    file_name=file.file_name,
                    content_type=file.content_type,
                    size_bytes=len(file.content),
                    content=file.content,
                )
            )
        ids.append(message.id)
    return ids


def _unique(recipients: Iterable[Recipient]) -> list[Recipient]:
    seen, kept = set(), []
    for recipient in recipients:
        key = (recipient.user_id, recipient.email.strip().lower())
        if key not in seen:
            seen.add(key)
            kept.append(recipient)
    return kept


def _address_and_frequency(session: Session, recipient: Recipient) -> tuple[str, str]:
    if recipient.user_id is None:
        return recipient.email.strip(), "immediate"
    preference = session.get(MailPreference, recipient.user_id)
    if preference is None:
        return recipient.email.strip(), "immediate"
    return (preference.email or recipient.email).strip(), preference.frequency


def observation_facts(session: Session, observation_id: int) -> dict[str, object]:
    """What a message may say about an observation, before redaction (compose redacts per role)."""
    row = session.execute(
        select(
            Observation.id,
            Observation.observed_on,
            Observation.category,
            Observation.severity,
            Observation.status,
            Observation.description,
            Observation.recommendation,
            Observation.partner,
            Observation.shareable,
            Observation.shared_fields,
            Commune.name.label("commune_name"),
            Commune.department,
            Team.name.label("team_name"),
            Diagnostic.team_id,
            Diagnostic.place,
        )
        .join(Commune, Commune.insee == Observation.commune_insee)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Team, Team.id == Diagnostic.team_id)
        .where(Observation.id == observation_id)
    ).one_or_none()
    if row is None:
        raise DiagnosticsError(f"Observation {observation_id} introuvable")
    return dict(row._mapping)


# --- who to tell ------------------------------------------------------------------------------


def account_recipients(session: Session, users: Iterable[User]) -> list[Recipient]:
    """Active accounts that gave an e-mail address (« Mon compte »), as recipients."""
    users = [user for user in users if user.active]
    if not users:
        return []
    emails = dict(
        session.execute(
            select(MailPreference.user_id, MailPreference.email).where(
                MailPreference.user_id.in_([user.id for user in users])
            )
        ).all()
    )
    return [Recipient(emails[user.id], user.role, user.id) for user in users if emails.get(user.id)]


def commanders_of(session: Session, department: str) -> list[Recipient]:
    """The commandants whose départements include `department`."""
    users = session.scalars(select(User).where(User.role == COMMANDANT, User.active.is_(True))).all()
    return account_recipients(session, [u for u in users if department in u.departments.split(",")])


def team_agents(session: Session, team_id: int) -> list[Recipient]:
    users = session.scalars(select(User).where(User.team_id == team_id, User.active.is_(True))).all()
    return account_recipients(session, users)


def mayors_of(session: Session, insee: str) -> list[Recipient]:
    users = session.scalars(
        select(User).where(User.role == MAIRE, User.commune_insee == insee, User.active.is_(True))
    ).all()
    return account_recipients(session, users)


# --- preferences (« Mon compte ») -------------------------------------------------------------


@dataclass(frozen=True)
class Preference:
    email: str
    frequency: str


def my_preference(db: Database, actor: Actor) -> Preference:
    with db.session() as session:
        user = _user(session, actor.login)
        preference = session.get(MailPreference, user.id)
        return Preference(preference.email, preference.frequency) if preference else Preference("", "immediate")


def set_my_preference(db: Database, actor: Actor, email: str, frequency: str) -> Preference:
    """An account's own e-mail address and frequency; French errors for a wrong address or choice."""
    with db.session() as session:
        user = _user(session, actor.login)
        return _set_preference(session, actor, user, email, frequency)


def set_preference_for(db: Database, actor: Actor, login: str, email: str, frequency: str) -> Preference:
    """An administrator sets someone's address (the command line, mayors' accounts)."""
    require(actor, "manage_accounts")
    with db.session() as session:
        return _set_preference(session, actor, _user(session, login), email, frequency)


def _set_preference(session: Session, actor: Actor, user: User, email: str, frequency: str) -> Preference:
    email = check_email(email)
    if frequency not in FREQUENCIES:
        raise DiagnosticsError("Choisissez : immédiatement, un résumé par jour ou rien.")
    preference = session.get(MailPreference, user.id)
    before = {"email": preference.email, "frequency": preference.frequency} if preference else None
    if preference is None:
        preference = MailPreference(user_id=user.id)
        session.add(preference)
    preference.email, preference.frequency = email, frequency
    audit.record(
        session, actor, "update", entity="user", entity_id=user.login, before=before,
        after={"email": email, "frequency": frequency}, detail="préférences de courriel",
    )  # fmt: skip
    if frequency != "digest":  # what waited for a digest the user no longer wants goes now
        release = "none" if frequency == "none" else "pending"
        held = (OutboxMessage.user_id == user.id) & (OutboxMessage.status == "held")
        if release == "pending":
            session.execute(update(OutboxMessage).where(held).values(status="pending", next_attempt_at=utcnow()))
        else:
            session.execute(update(OutboxMessage).where(held).values(status="failed", last_error="désabonné"))
    return Preference(email, frequency)


def check_email(email: str) -> str:
    """A plausible single address, or a French message (headers cannot be injected through it)."""
    email = (email or "").strip()
    local, _, domain = email.rpartition("@")
    bad = any(c.isspace() or c in "<>,;\"'()[]\\" for c in email) or not local or "." not in domain
    if email and (bad or len(email) > MAX_EMAIL):
        raise DiagnosticsError("Adresse de courriel invalide : attendu par exemple prenom.nom@interieur.gouv.fr")
    return email


def _user(session: Session, login: str) -> User:
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        raise DiagnosticsError(f"Compte {login} introuvable")
    return user


# --- administration ---------------------------------------------------------------------------


def outbox_rows(db: Database, actor: Actor, *, statuses: tuple[str, ...] = (), limit: int = 500) -> list[dict]:
    """The newest messages (administrators), without their bodies."""
    require(actor, "manage_accounts")
    columns = (
        OutboxMessage.id,
        OutboxMessage.created_at,
        OutboxMessage.kind,
        OutboxMessage.recipient,
        OutboxMessage.subject,
        OutboxMessage.status,
        OutboxMessage.attempts,
        OutboxMessage.next_attempt_at,
        OutboxMessage.sent_at,
        OutboxMessage.last_error,
    )
    statement = select(*columns).order_by(OutboxMessage.id.desc()).limit(limit)
    if statuses:
        statement = statement.where(OutboxMessage.status.in_(statuses))
    with db.session() as session:
        return [dict(row._mapping) for row in session.execute(statement)]


def outbox_counts(db: Database, actor: Actor) -> dict[str, int]:
    from sqlalchemy import func

    require(actor, "manage_accounts")
    with db.session() as session:
        rows = session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return {status: count for status, count in rows}


def retry(db: Database, actor: Actor, message_ids: Iterable[int]) -> int:
    """Failed messages back to pending, attempts reset; how many. Audited."""
    require(actor, "manage_accounts")
    ids = list(message_ids)
    if not ids:
        return 0
    with db.session() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "failed")
            .values(status="pending", attempts=0, next_attempt_at=utcnow(), last_error="")
        )
        count = result.rowcount
        audit.record(session, actor, "update", entity="outbox", entity_id=",".join(map(str, ids))[:40],
                     detail=f"{count} message(s) remis en file d'envoi")  # fmt: skip
    return count


DONE_STATUSES = ("sent", "failed", "digested")


def blank_bodies(session: Session, before: dt.datetime) -> int:
    """Empty the bodies and attachments of messages written before `before` that are done with
    (sent, failed, digested); how many. For `purge`: the rows stay as the trace of what was sent."""
    done = OutboxMessage.status.in_(DONE_STATUSES)
    ids = select(OutboxMessage.id).where(done, OutboxMessage.created_at < before)
    session.execute(
        update(OutboxAttachment).where(OutboxAttachment.message_id.in_(ids)).values(content=b"", size_bytes=0)
    )
    result = session.execute(
        update(OutboxMessage)
        .where(done, OutboxMessage.created_at < before, or_(OutboxMessage.body != "", OutboxMessage.body.is_(None)))
        .values(body="")
    )
    return result.rowcount
