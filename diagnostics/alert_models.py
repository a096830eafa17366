"""Tables of the targeted alerts (issue 16): subscribers, trade categories, alerts and their outbox.

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds these tables too.

Personal data: a subscriber's number and e-mail live only in `subscribers`; the outbox rows
(`alert_deliveries`) point at the subscriber and copy nothing, so `purge` deleting a subscriber
removes the number everywhere. `subscriber_stops` keeps a SHA-256 of every number that sent STOP,
so that a later import of the same number does not subscribe it again.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import SRID, Base, utcnow

ALERT_STATUSES = ("draft", "approved", "sent")
DELIVERY_STATUSES = ("pending", "claimed", "sent", "delivered", "failed")


class TradeCategory(Base):
    """A trade (bijouterie, pharmacie…): the list administrators edit."""

    __tablename__ = "trade_categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20), unique=True)  # E.164
    email: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(ForeignKey("trade_categories.code"), index=True)
    convention: Mapped[str] = mapped_column(String(80), default="")
    consent_on: Mapped[dt.date] = mapped_column(Date)
    reconfirmed_on: Mapped[dt.date | None] = mapped_column(Date)
    opted_out_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    opted_out_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The communes chosen (comma-separated INSEE codes), or empty for a drawn zone; `geom` is the
    # area alerts are matched against: the union of those communes, or the zone.
    communes: Mapped[str] = mapped_column(Text, default="")
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class SubscriberStop(Base):
    """A number that sent STOP (or was stopped by an administrator), kept as its SHA-256 only."""

    __tablename__ = "subscriber_stops"

    phone_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    stopped_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'approved', 'sent')", name="ck_alerts_status"),
        CheckConstraint("target_kind IN ('communes', 'zone', 'radius')", name="ck_alerts_target_kind"),
        CheckConstraint("approved_by IS NULL OR approved_by <> author", name="ck_alerts_second_person"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    text: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text, default="{}")  # JSON of the template's fields
    target_kind: Mapped[str] = mapped_column(String(10))
    target_communes: Mapped[str] = mapped_column(Text, default="")  # comma-separated INSEE codes
    center_lat: Mapped[float | None] = mapped_column(Float)
    center_lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    observation_id: Mapped[int | None] = mapped_column(ForeignKey("observations.id", ondelete="SET NULL"))
    categories: Mapped[str] = mapped_column(Text)  # comma-separated trade codes
    departments: Mapped[str] = mapped_column(String(40))  # those the area touches
    email: Mapped[bool] = mapped_column(default=False)  # also by e-mail to those who gave one
    author: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    recipient_count: Mapped[int | None] = mapped_column(Integer)  # counted at approval
    sent_by: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class AlertDelivery(Base):
    """The outbox: one row per alert × subscriber × channel, claimed atomically before sending.

    The unique constraint is what makes an alert reach each subscriber once whatever the retries:
    a row is inserted once, and only the worker that moves it from `pending` to `claimed` sends it.
    """

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("alert_id", "subscriber_id", "channel", name="uq_alert_deliveries_once"),
        CheckConstraint("channel IN ('sms', 'email')", name="ck_alert_deliveries_channel"),
        CheckConstraint(
            "status IN ('pending', 'claimed', 'sent', 'delivered', 'failed')", name="ck_alert_deliveries_status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    subscriber_id: Mapped[int | None] = mapped_column(ForeignKey("subscribers.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(5), default="sms")
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    message_id: Mapped[str | None] = mapped_column(String(80), index=True)
    error: Mapped[str] = mapped_column(String(300), default="")
