"""The outbox (issue 15): every message to send is a row written in the same transaction as the
change that causes it; `python -m diagnostics notify run` sends them (diagnostics.notify.worker).

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds these tables too.

Personal data and retention: `OutboxMessage.body` and `OutboxAttachment.content` are the only
columns that hold what a message says (the subject names only the kind of event, an observation
number and a commune). Purging a message means blanking both, which keeps the row as a trace of
what was sent to whom and when::

    UPDATE outbox_messages SET body = '' WHERE created_at < :cutoff AND status IN ('sent', 'failed', 'digested')
    UPDATE outbox_attachments SET content = x'' , size_bytes = 0 WHERE message_id IN (…the same…)

(`diagnostics.services.outbox.blank_bodies` does exactly that; `purge` calls it.)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow

# pending: to send at next_attempt_at; sending: claimed by a worker (claimed_at is its lease);
# sent; failed: permanently (attempts exhausted or refused by the server); held: waits for the
# recipient's daily digest; digested: sent inside the digest message `digest_id`.
STATUSES = ("pending", "sending", "sent", "failed", "held", "digested")
FREQUENCIES = ("immediate", "digest", "none")


class OutboxMessage(Base):
    """One e-mail to one recipient, composed at enqueue time for that recipient's role."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'held', 'digested')", name="ck_outbox_status"
        ),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    recipient_role: Mapped[str] = mapped_column(String(20), default="")
    subject: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text, default="")  # blanked by purge (see the module docstring)
    # Set for messages that must exist once (a due date passed, a monthly delivery): unique.
    dedup_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class OutboxAttachment(Base):
    """A file sent with a message (the mayor's PDF map), stored with it so that a retry sends the same."""

    __tablename__ = "outbox_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(160))
    content_type: Mapped[str] = mapped_column(String(80))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # blanked by purge


class MailPreference(Base):
    """A user's e-mail address and how often they want to hear from the app (« Mon compte »)."""

    __tablename__ = "mail_preferences"
    __table_args__ = (
        CheckConstraint("frequency IN ('immediate', 'digest', 'none')", name="ck_mail_preferences_frequency"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    frequency: Mapped[str] = mapped_column(String(10), default="immediate")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Delivery(Base):
    """The delivery log of `deliver`: one row per commune and period, whatever happened to it.

    Unique per (commune, period start, period end): running `deliver` twice sends nothing twice.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("uq_deliveries_period", "commune_insee", "period_start", "period_end", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(20))  # queued | skipped_empty | no_recipient
    recipients: Mapped[str] = mapped_column(Text, default="")  # comma-separated addresses
    observations: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
