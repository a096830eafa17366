"""Subscribers to the targeted alerts: numbers, areas, trades, STOP, reconfirmation and retention.

A number is stored in E.164 (`+33612345678`); a French number may be typed as `06 12 34 56 78`.
STOP (from the gateway or an administrator) ends a subscription at once and for good: the
subscriber is marked, and the number's SHA-256 is kept in `subscriber_stops`, which no import
and no form can undo. Personal data stays in `subscribers` only; `purge` deletes the rows
`PSQ_SUBSCRIBER_RETENTION_DAYS` after their opt-out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass

import phonenumbers
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon, Polygon, unary_union
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from diagnostics.alert_models import AlertDelivery, Subscriber, SubscriberStop, TradeCategory
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.models import SRID, Commune, utcnow
from diagnostics.services import audit
from diagnostics.values import clean_text, normalise_name

RECONFIRM_AFTER = dt.timedelta(days=365)
STOP_WORDS = ("stop", "arret", "stop alerte", "stop alertes", "desabonnement", "desinscription")


def normalise_phone(raw: str) -> str:
    """E.164 of a mobile number; French numbers may be written without +33. ValueError in French."""
    text = clean_text(str(raw or "")).strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        raise ValueError(f"numéro illisible : « {text} »") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"numéro invalide : « {text} »")
    kind = phonenumbers.number_type(number)
    if kind not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise ValueError(f"« {text} » n'est pas un numéro de mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_hash(e164: str) -> str:
    return hashlib.sha256(e164.encode()).hexdigest()


def masked(e164: str) -> str:
    """What a page shows of a number: `+33 6•• •• •• 78`."""
    return e164[:4] + "•" * max(0, len(e164) - 6) + e164[-2:]


def is_stop(text: str) -> bool:
    return normalise_name(text).replace("_", " ") in STOP_WORDS


# --- Trade categories -------------------------------------------------------------------------


def categories(db: Database) -> dict[str, str]:
    with db.session() as session:
        return dict(
            session.execute(select(TradeCategory.code, TradeCategory.label).order_by(TradeCategory.label)).all()
        )


def save_category(db: Database, actor: Actor, label: str, code: str | None = None) -> str:
    """Add a trade, or rename one (`code` given)."""
    require(actor, "manage_subscribers")
    label = clean_text(label).strip()
    if not label or len(label) > 80:
        raise ValidationError({"label": "Le nom du métier est obligatoire (80 caractères au plus)."})
    with db.session() as session:
        row = session.get(TradeCategory, code) if code else None
        if code and row is None:
            raise NotFound(f"Métier inconnu : {code}")
        if row is None:
            code = normalise_name(label)[:40] or "metier"
            if session.get(TradeCategory, code) is not None:
                raise ValidationError({"label": f"Le métier « {label} » existe déjà."})
            row = TradeCategory(code=code, label=label)
            session.add(row)
            audit.record(session, actor, "create", entity="trade_category", entity_id=code, after={"label": label})
        else:
            audit.record(
                session, actor, "update", entity="trade_category", entity_id=code, before={"label": row.label},
                after={"label": label},
            )  # fmt: skip
            row.label = label
    return code


def remove_category(db: Database, actor: Actor, code: str) -> None:
    require(actor, "manage_subscribers")
    with db.session() as session:
        row = session.get(TradeCategory, code)
        if row is None:
            raise NotFound(f"Métier inconnu : {code}")
        used = session.scalar(select(func.count()).where(Subscriber.category == code))
        if used:
            raise ValidationError({"code": f"{used} abonné(s) ont le métier « {row.label} » : changez-les d'abord."})
        session.delete(row)
        audit.record(session, actor, "delete", entity="trade_category", entity_id=code, before={"label": row.label})


# --- Subscribers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriberDraft:
    name: str
    phone: str
    category: str
    consent_on: dt.date
    email: str = ""
    convention: str = ""
    communes: tuple[str, ...] = ()  # INSEE codes …
    zone: BaseGeometry | None = None  # … or a drawn zone (WGS84)


@dataclass(frozen=True)
class SubscriberInfo:
    """What the Alertes page lists: never the whole number."""

    id: int
    name: str
    phone_masked: str
    category: str
    convention: str
    communes: str
    consent_on: dt.date
    opted_out_at: dt.datetime | None
    to_reconfirm: bool


def area_of(session: Session, communes: tuple[str, ...], zone: BaseGeometry | None) -> MultiPolygon:
    """The area a subscriber gets alerts for: the drawn zone, else the union of the communes."""
    if zone is not None:
        shape = zone
    else:
        shapes = [to_shape(g) for g in session.scalars(select(Commune.geom).where(Commune.insee.in_(communes)))]
        shape = unary_union(shapes) if shapes else None
    if isinstance(shape, Polygon):
        shape = MultiPolygon([shape])
    if not isinstance(shape, MultiPolygon) or shape.is_empty:
        raise ValueError("ni commune connue ni zone dessinée")
    return shape


def is_stopped(session: Session, e164: str) -> bool:
    return session.get(SubscriberStop, phone_hash(e164)) is not None


def store(session: Session, draft: SubscriberDraft, area: MultiPolygon) -> tuple[Subscriber, str]:
    """Insert, or merge into the subscriber with the same number. Returns (row, 'ajout'|'fusion')."""
    row = session.scalar(select(Subscriber).where(Subscriber.phone == draft.phone))
    kind = "fusion" if row is not None else "ajout"
    if row is None:
        row = Subscriber(phone=draft.phone, communes="")
        session.add(row)
    row.name, row.category, row.consent_on = draft.name, draft.category, draft.consent_on
    row.email = draft.email or row.email or ""
    row.convention = draft.convention or row.convention or ""
    row.communes = ",".join(draft.communes)
    row.geom = from_shape(area, srid=SRID)
    return row, kind


def add_subscriber(db: Database, actor: Actor, draft: SubscriberDraft) -> int:
    require(actor, "manage_subscribers")
    with db.session() as session:
        draft = _checked(session, draft)
        row, kind = store(session, draft, _area_or_error(session, draft))
        session.flush()
        audit.record(
            session, actor, "create" if kind == "ajout" else "update", entity="subscriber", entity_id=row.id,
            after={"name": row.name, "category": row.category, "communes": row.communes},
        )  # fmt: skip
        return row.id


def _checked(session: Session, draft: SubscriberDraft) -> SubscriberDraft:
    errors = {}
    try:
        phone = normalise_phone(draft.phone)
    except ValueError as exc:
        errors["phone"] = f"Numéro : {exc}."
        phone = draft.phone
    else:
        if is_stopped(session, phone):
            errors["phone"] = "Ce numéro a demandé STOP : il ne peut pas être inscrit à nouveau."
    if not clean_text(draft.name).strip():
        errors["name"] = "Le nom ou la raison sociale est obligatoire."
    if session.get(TradeCategory, draft.category) is None:
        errors["category"] = f"Métier inconnu : « {draft.category} »."
    if draft.email and "@" not in draft.email:
        errors["email"] = f"Adresse électronique invalide : « {draft.email} »."
    if errors:
        raise ValidationError(errors)
    return dataclasses.replace(draft, phone=phone, name=clean_text(draft.name).strip())


def _area_or_error(session: Session, draft: SubscriberDraft) -> MultiPolygon:
    try:
        return area_of(session, draft.communes, draft.zone)
    except ValueError as exc:
        raise ValidationError({"communes": f"Zone d'alerte : {exc}."}) from None


def list_subscribers(db: Database, actor: Actor, *, today: dt.date | None = None) -> list[SubscriberInfo]:
    require(actor, "manage_subscribers")
    today = today or dt.date.today()
    with db.session() as session:
        rows = session.scalars(select(Subscriber).order_by(Subscriber.name)).all()
        return [
            SubscriberInfo(
                row.id,
                row.name,
                masked(row.phone),
                row.category,
                row.convention,
                row.communes,
                row.consent_on,
                row.opted_out_at,
                to_reconfirm(row, today),
            )  # fmt: skip
            for row in rows
        ]


def to_reconfirm(row: Subscriber, today: dt.date) -> bool:
    """Flagged once a year after the consent (or the last reconfirmation)."""
    last = max(row.consent_on, row.reconfirmed_on or row.consent_on)
    return row.opted_out_at is None and today - last >= RECONFIRM_AFTER


def reconfirm(db: Database, actor: Actor, subscriber_id: int, on: dt.date | None = None) -> None:
    require(actor, "manage_subscribers")
    with db.session() as session:
        row = session.get(Subscriber, subscriber_id)
        if row is None or row.opted_out_at is not None:
            raise NotFound("Abonné inconnu ou désinscrit.")
        row.reconfirmed_on = on or dt.date.today()
        audit.record(session, actor, "update", entity="subscriber", entity_id=row.id, after={"reconfirmed": True})


# --- STOP ---------------------------------------------------------------------------------------


def stop_number(session: Session, e164: str, by: str) -> bool:
    """End the subscription of a number, for good. True when a subscriber was active."""
    if session.get(SubscriberStop, phone_hash(e164)) is None:
        session.add(SubscriberStop(phone_sha256=phone_hash(e164)))
    row = session.scalar(select(Subscriber).where(Subscriber.phone == e164))
    if row is None or row.opted_out_at is not None:
        return False
    row.opted_out_at, row.opted_out_by = utcnow(), by
    # Deliveries of that number not yet claimed are dropped: STOP counts from now.
    session.execute(
        delete(AlertDelivery).where(AlertDelivery.subscriber_id == row.id, AlertDelivery.status == "pending")
    )
    audit.record(session, by, "update", entity="subscriber", entity_id=row.id, after={"stop": True}, detail="STOP")
    return True


def stop_by_admin(db: Database, actor: Actor, phone: str) -> bool:
    require(actor, "manage_subscribers")
    try:
        e164 = normalise_phone(phone)
    except ValueError as exc:
        raise ValidationError({"phone": f"Numéro : {exc}."}) from None
    with db.session() as session:
        return stop_number(session, e164, actor.login)


def stop_subscriber(db: Database, actor: Actor, subscriber_id: int) -> bool:
    """An administrator ends a subscription from the list (STOP for good). False if already ended."""
    require(actor, "manage_subscribers")
    with db.session() as session:
        row = session.get(Subscriber, subscriber_id)
        if row is None:
            raise NotFound("Abonné inconnu.")
        return stop_number(session, row.phone, actor.login)


def purge_opted_out(session: Session, cutoff: dt.datetime, *, dry_run: bool) -> list[int]:
    """The subscribers who opted out before `cutoff`; deleted unless `dry_run` (their STOP hash stays)."""
    ids = list(session.scalars(select(Subscriber.id).where(Subscriber.opted_out_at < cutoff)))
    if ids and not dry_run:
        session.execute(delete(Subscriber).where(Subscriber.id.in_(ids)))
    return ids
