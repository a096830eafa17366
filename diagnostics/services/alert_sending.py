"""Sending an approved alert through the outbox, receipts and STOP from the gateway.

`send_alert` refuses any alert a second person has not approved (the page, the command line and
any route call it). It writes one `alert_deliveries` row per recipient and channel: the unique
constraint (alert × subscriber × channel) makes a second call, or a concurrent one, add nothing.
`run_outbox` claims rows one by one (`UPDATE … WHERE status = 'pending'`, committed before the
gateway is called), so that two workers never send the same row. Guarantee: **at most once** per
alert × subscriber × channel. A row claimed by a worker that died is never sent again: after
`STALE_CLAIM` it is marked failed (« interrompu »). A refusal the gateway calls transient
(throttled, unreachable) puts the row back to pending with a back-off, up to `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import phonenumbers
from geoalchemy2.shape import to_shape
from sqlalchemy import and_, literal, select, update
from sqlalchemy.exc import IntegrityError

from diagnostics import config
from diagnostics.alert_models import Alert, AlertDelivery, Subscriber
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import PermissionDenied
from diagnostics.models import utcnow
from diagnostics.notify.gateway import GatewayEvent, SmsMessage, gateway_from_url
from diagnostics.services import audit, subscribers
from diagnostics.services.alerts import count_recipients, locked_alert, recipients_condition, require_area

NOT_APPROVED = "Cette alerte n'a pas été validée par une deuxième personne : elle ne peut pas être envoyée."
MAX_ATTEMPTS = 5
STALE_CLAIM = dt.timedelta(minutes=10)
BATCH = 200


@dataclass
class OutboxResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    receipts: int = 0
    stops: int = 0

    def __str__(self) -> str:
        return (
            f"{self.sent} envoyé(s), {self.failed} en échec, {self.retried} à réessayer, "
            f"{self.receipts} accusé(s) de réception, {self.stops} STOP"
        )


@audit.refusals_recorded
def send_alert(db: Database, actor: Actor, alert_id: int) -> int:
    """Queue an approved alert for its recipients of now (STOP honoured); returns the rows added."""
    require(actor, "alerts")
    with db.session() as session:
        alert = locked_alert(session, alert_id)
        require_area(actor, tuple(alert.departments.split(",")))
        if alert.status == "draft" or alert.approved_by is None:
            raise PermissionDenied(NOT_APPROVED)
        area, categories = to_shape(alert.geom), tuple(alert.categories.split(","))
        channels = ["sms"] + (["email"] if alert.email else [])
        added = 0
        for channel in channels:
            condition = recipients_condition(session, area, categories)
            if channel == "email":
                condition = and_(condition, Subscriber.email != "")
            already = select(AlertDelivery.subscriber_id).where(
                AlertDelivery.alert_id == alert.id, AlertDelivery.channel == channel
            )
            chosen = select(
                literal(alert.id), Subscriber.id, literal(channel), literal("pending"), literal(0), literal(utcnow()),
                literal(""),
            ).where(condition, Subscriber.id.not_in(already))  # fmt: skip
            columns = ["alert_id", "subscriber_id", "channel", "status", "attempts", "next_attempt_at", "error"]
            try:
                with session.begin_nested():
                    insert = AlertDelivery.__table__.insert().from_select(columns, chosen)
                    added += len(session.execute(insert.returning(AlertDelivery.id)).all())
            except IntegrityError:  # another sender queued them at the same moment: they are queued once
                pass
        first = alert.status != "sent"
        alert.status, alert.sent_by, alert.sent_at = "sent", alert.sent_by or actor.login, alert.sent_at or utcnow()
        audit.record(
            session, actor, "send", entity="alert", entity_id=alert.id,
            after={"queued": added, "recipients_now": count_recipients(session, area, categories), "first": first},
        )  # fmt: skip
        return added


def run_outbox(db: Database, gateway=None, mailer=None, *, now: dt.datetime | None = None) -> OutboxResult:
    """Send what is due: SMS through `gateway` (PSQ_SMS_URL by default), e-mail through the app's SMTP."""
    result = OutboxResult()
    _expire_stale_claims(db, now or utcnow())
    sms = _claim(db, "sms", now)
    if sms:
        gateway = gateway or gateway_from_url()
        messages = [SmsMessage(row_id, phone, text) for row_id, phone, text in sms]
        events: list[GatewayEvent] = []  # receipts may come before the message id is stored: kept till then
        outcomes = gateway.submit(messages, events.append)
        for outcome in outcomes:
            _mark(db, outcome.key, outcome.message_id, outcome.error, outcome.retry, result)
        for event in events:
            _on_event(db, event, result)
    mail = _claim(db, "email", now)
    if mail:
        _send_mail(db, mail, mailer, result)
    return result


def poll_gateway(db: Database, gateway=None, *, seconds: float = 5.0) -> OutboxResult:
    """Bind to the gateway only to read receipts and inbound messages (STOP)."""
    result = OutboxResult()
    (gateway or gateway_from_url()).listen(seconds, lambda event: _on_event(db, event, result))
    return result


def _claim(db: Database, channel: str, now: dt.datetime | None) -> list[tuple[int, str, str]]:
    """Rows due, each moved from pending to claimed by one UPDATE (committed): (row, address, text)."""
    now = now or utcnow()
    claimed = []
    with db.session() as session:
        due = session.scalars(
            select(AlertDelivery.id)
            .where(AlertDelivery.channel == channel, AlertDelivery.status == "pending")
            .where(AlertDelivery.next_attempt_at <= now)
            .order_by(AlertDelivery.id)
            .limit(BATCH)
        ).all()
    for row_id in due:
        with db.session() as session:
            won = session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.id == row_id, AlertDelivery.status == "pending")
                .values(status="claimed", claimed_at=utcnow(), attempts=AlertDelivery.attempts + 1)
            ).rowcount
            if not won:
                continue
            row = session.execute(
                select(Subscriber.phone, Subscriber.email, Subscriber.opted_out_at, Alert.text)
                .join(AlertDelivery, AlertDelivery.subscriber_id == Subscriber.id)
                .join(Alert, Alert.id == AlertDelivery.alert_id)
                .where(AlertDelivery.id == row_id)
            ).first()
            if row is None or row.opted_out_at is not None:  # STOP (or purge) since it was queued
                session.execute(
                    update(AlertDelivery).where(AlertDelivery.id == row_id).values(status="failed", error="désinscrit")
                )
                continue
            claimed.append((row_id, row.phone if channel == "sms" else row.email, row.text))
    return claimed


def _mark(db: Database, row_id: int, message_id: str | None, error: str, retry: bool, result: OutboxResult) -> None:
    with db.session() as session:
        row = session.get(AlertDelivery, row_id)
        if message_id:
            row.status, row.message_id, row.sent_at, row.error = "sent", message_id, utcnow(), ""
            result.sent += 1
        elif retry and row.attempts < MAX_ATTEMPTS:
            row.status, row.error = "pending", error[:300]
            row.next_attempt_at = utcnow() + dt.timedelta(seconds=min(600, 5 * 2**row.attempts))
            result.retried += 1
        else:
            row.status, row.error = "failed", error[:300]
            result.failed += 1


def _expire_stale_claims(db: Database, now: dt.datetime) -> None:
    with db.session() as session:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.status == "claimed", AlertDelivery.claimed_at < now - STALE_CLAIM)
            .values(status="failed", error="interrompu pendant l'envoi : état inconnu, non renvoyé")
        )


def _on_event(db: Database, event: GatewayEvent, result: OutboxResult) -> None:
    with db.session() as session:
        if event.kind == "receipt" and event.message_id:
            delivered = event.state == "DELIVRD"
            values = {"status": "delivered", "delivered_at": utcnow()} if delivered else {
                "status": "failed", "error": f"non remis ({event.state})"}  # fmt: skip
            changed = session.execute(
                update(AlertDelivery)
                .where(AlertDelivery.message_id == event.message_id, AlertDelivery.channel == "sms",
                       AlertDelivery.status.in_(("sent", "claimed")))
                .values(**values)
            ).rowcount  # fmt: skip
            result.receipts += changed
        elif event.kind == "inbound" and subscribers.is_stop(event.text):
            try:
                number = phonenumbers.format_number(
                    phonenumbers.parse(event.sender, "FR"), phonenumbers.PhoneNumberFormat.E164
                )
            except phonenumbers.NumberParseException:
                return
            subscribers.stop_number(session, number, "passerelle SMS (STOP)")
            result.stops += 1


def _send_mail(db: Database, rows: list[tuple[int, str, str]], mailer, result: OutboxResult) -> None:
    from diagnostics.io.mail import MailError, SmtpTransport, build_message, parse_smtp_url

    settings = None if mailer else parse_smtp_url(config.get("PSQ_SMTP_URL"), config.get("PSQ_SMTP_CA_FILE"))
    if mailer is None and settings is None:
        for row_id, _address, _text in rows:
            _mark(db, row_id, None, "aucun serveur SMTP configuré (PSQ_SMTP_URL)", True, result)
        return
    sender = config.get("PSQ_MAIL_FROM")
    with mailer or SmtpTransport(settings) as transport:
        for row_id, address, text in rows:
            message = build_message(
                sender, address, "Alerte PSQ", text, message_id=f"<alerte-{row_id}@psq-diagnostics>"
            )
            try:
                transport.send(message)
            except MailError as exc:
                _mark(db, row_id, None, str(exc), not exc.permanent, result)
            else:
                _mark(db, row_id, f"mail-{row_id}", "", False, result)
