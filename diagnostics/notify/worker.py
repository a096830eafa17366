"""The outbox worker: claim due messages, send each over SMTP, mark each sent; retry with back-off.

The guarantee (README, « Notifications »): a message is marked sent only after the SMTP server
accepted it, so none is lost; a worker that dies between that acceptance and the mark leaves the
message claimed, and once its lease (PSQ_OUTBOX_LEASE_SECONDS) has run out another worker sends it
again: one duplicate per such death, carrying the same Message-ID. In the normal case no message
is sent twice, even by several workers at once: claiming is one conditional UPDATE per batch
(`FOR UPDATE SKIP LOCKED` on PostGIS; SQLite runs writers one at a time), and each worker only
sends the rows that carry its own claim token.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from diagnostics import config, localtime
from diagnostics.db import Database
from diagnostics.io.mail import MailError, SmtpTransport, build_message
from diagnostics.models import utcnow
from diagnostics.notify import compose
from diagnostics.outbox_models import OutboxAttachment, OutboxMessage

MAX_DELAY = dt.timedelta(days=1)
# Jobs run before each batch, each in its own transaction (a due date passed, a re-visit due…):
# `scanner(db, now)` writes outbox rows through services.outbox.notify. Registered by the services.
SCANNERS: list[Callable[[Database, dt.datetime], int]] = []


@dataclass
class RunReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    digests: int = 0
    scanned: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.sent} envoyé(s), {self.retried} à réessayer, {self.failed} en échec, "
            f"{self.digests} résumé(s) préparé(s), {self.scanned} message(s) d'échéance"
        )


@dataclass(frozen=True)
class Claimed:
    id: int
    token: str
    recipient: str
    subject: str
    body: str
    attempts: int
    claimed_at: dt.datetime
    attachments: tuple[tuple[str, str, bytes], ...]


def run_once(db: Database, transport: SmtpTransport, *, batch: int = 50, now: dt.datetime | None = None) -> RunReport:
    """One pass: scans, digests, then claim and send every due message, batch by batch."""
    report = RunReport()
    report.scanned = run_scanners(db, now or utcnow(), report)
    report.digests = prepare_digests(db, now or utcnow())
    while True:
        claimed = claim(db, batch, now=now)
        if not claimed:
            return report
        with transport:
            for message in claimed:
                send_one(db, transport, message, report)


def run_scanners(db: Database, now: dt.datetime, report: RunReport) -> int:
    written = 0
    for scanner in SCANNERS:
        try:
            written += scanner(db, now)
        except IntegrityError:  # another worker wrote the same once-only message first
            continue
        except Exception as exc:  # a broken scan must not stop the sending
            report.errors.append(f"{getattr(scanner, '__name__', scanner)}: {type(exc).__name__}: {exc}")
    return written


def claim(db: Database, limit: int, *, now: dt.datetime | None = None) -> list[Claimed]:
    """Take up to `limit` due messages for this worker: pending ones whose time has come, and
    claimed ones whose worker's lease ran out (it died). Atomic against other workers."""
    now = now or utcnow()
    token = secrets.token_hex(16)
    lease = dt.timedelta(seconds=config.outbox_lease_seconds())
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - lease),
    )
    candidates = (
        select(OutboxMessage.id).where(due).order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    )
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates.scalar_subquery()), due)
            .values(status="sending", claim_token=token, claimed_at=now, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    with db.session() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
        ).all()
        files: dict[int, list] = {}
        for file in session.scalars(
            select(OutboxAttachment).where(OutboxAttachment.message_id.in_([r.id for r in rows]))
        ):
            files.setdefault(file.message_id, []).append((file.file_name, file.content_type, file.content))
        return [
            Claimed(r.id, token, r.recipient, r.subject, r.body, r.attempts, now, tuple(files.get(r.id, ())))
            for r in rows
        ]


def send_one(db: Database, transport: SmtpTransport, message: Claimed, report: RunReport) -> None:
    mime = build_message(
        config.get("PSQ_MAIL_FROM"),
        message.recipient,
        message.subject,
        message.body,
        attachments=message.attachments,
        message_id=f"<outbox-{message.id}@psq-diagnostics>",
    )
    try:
        transport.send(mime)
    except MailError as exc:
        outcome = mark_failure(db, message, str(exc), permanent=exc.permanent)
        if outcome == "failed":
            report.failed += 1
        else:
            report.retried += 1
        return
    mark_sent(db, message)
    report.sent += 1


def mark_sent(db: Database, message: Claimed) -> None:
    """Right after the server's acceptance: the only window in which a death makes a duplicate."""
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.token)
            .values(status="sent", sent_at=utcnow(), claim_token=None, last_error="")
        )


def mark_failure(db: Database, message: Claimed, error: str, *, permanent: bool) -> str:
    """Back to pending after a delay that doubles at each attempt, or failed for good; the new status."""
    final = permanent or message.attempts >= config.outbox_max_attempts()
    delay = min(dt.timedelta(seconds=config.outbox_retry_seconds() * 2 ** (message.attempts - 1)), MAX_DELAY)
    status = "failed" if final else "pending"
    with db.session() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim_token == message.token)
            .values(
                status=status, claim_token=None, next_attempt_at=message.claimed_at + delay, last_error=error[:2000]
            )
        )
    return status


def prepare_digests(db: Database, now: dt.datetime) -> int:
    """Fold each recipient's held messages of the days before today's digest hour into one message."""
    cut = digest_cut(now)
    if cut is None:
        return 0
    made = 0
    with db.session() as session:
        held = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "held", OutboxMessage.created_at < cut)
            .order_by(OutboxMessage.recipient, OutboxMessage.id)
            .with_for_update(skip_locked=True)
        ).all()
        groups: dict[str, list[OutboxMessage]] = {}
        for message in held:
            groups.setdefault(message.recipient.lower(), []).append(message)
        day = localtime.to_paris(cut).date()
        for members in groups.values():
            text = compose.digest(day, [(m.subject, m.body) for m in members])
            first = members[0]
            digest = OutboxMessage(
                kind="digest",
                user_id=first.user_id,
                recipient=first.recipient,
                recipient_role=first.recipient_role,
                subject=text.subject,
                body=text.body,
                status="pending",
                next_attempt_at=now,
            )
            session.add(digest)
            session.flush()
            for member in members:
                member.status, member.digest_id = "digested", digest.id
            made += 1
    return made


def digest_cut(now: dt.datetime) -> dt.datetime | None:
    """Today's digest time (Paris) in naive UTC, once it has passed; None before it."""
    paris = localtime.to_paris(now)
    cut = paris.replace(hour=config.digest_hour(), minute=0, second=0, microsecond=0)
    if paris < cut:
        return None
    return cut.astimezone(dt.UTC).replace(tzinfo=None)
