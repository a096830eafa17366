"""Alerts: a commander composes and targets, a second person approves; the recipients are counted.

Target: communes, a drawn zone, or a radius around a point (or a linked observation) × trades.
The area decides the départements an alert touches: a commander writes and approves only alerts
whose area lies in their départements (a commander of Jura cannot target Haute-Saône). The author
never approves their own alert (a check in the service and a constraint in the table); approval
freezes the text and records it with the recipient count in the audit log.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import geopandas as gpd
import pyproj
from geoalchemy2.shape import from_shape, to_shape
from shapely import MultiPolygon, Point, Polygon, unary_union
from shapely.geometry.base import BaseGeometry
from shapely.ops import transform
from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.orm import Session

from diagnostics import alert_text, localtime, sms_text
from diagnostics.alert_models import Alert, AlertDelivery, Subscriber, TradeCategory
from diagnostics.auth import ADMIN, COMMANDANT, Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import SRID, Commune, Observation, utcnow
from diagnostics.services import audit

STATUS_LABELS = {"draft": "À valider", "approved": "Validée", "sent": "Envoyée"}
MAX_RADIUS_M = 30_000
OVERLAP_MIN = 1e-9  # square degrees (~10 m²): less is a shared boundary, not an overlap
_TO_L93 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True).transform
_TO_WGS84 = pyproj.Transformer.from_crs("EPSG:2154", "EPSG:4326", always_xy=True).transform


@dataclass(frozen=True)
class AlertDraft:
    text: str
    categories: tuple[str, ...]
    target_kind: str  # communes | zone | radius
    communes: tuple[str, ...] = ()
    zone: BaseGeometry | None = None
    center: tuple[float, float] | None = None  # (lat, lon)
    radius_m: int | None = None
    observation_id: int | None = None
    email: bool = False
    template: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    """What the compose form shows before anything is saved."""

    area: MultiPolygon
    departments: tuple[str, ...]
    recipients: int
    warnings: tuple[str, ...]
    length: sms_text.SmsLength


@dataclass(frozen=True)
class AlertInfo:
    id: int
    status: str
    text: str
    author: str
    created_at: dt.datetime
    approved_by: str | None
    sent_at: dt.datetime | None
    recipient_count: int | None
    categories: tuple[str, ...]
    departments: tuple[str, ...]
    area: MultiPolygon
    counts: dict[str, int]


# --- Target -------------------------------------------------------------------------------------


def area_of(session: Session, draft: AlertDraft) -> MultiPolygon:
    if draft.target_kind == "communes":
        shapes = [to_shape(g) for g in session.scalars(select(Commune.geom).where(Commune.insee.in_(draft.communes)))]
        if not shapes:
            raise ValidationError({"target": "Choisissez au moins une commune."})
        shape = unary_union(shapes)
    elif draft.target_kind == "zone":
        shape = draft.zone
        if shape is None or shape.is_empty or not shape.geom_type.endswith("Polygon"):
            raise ValidationError({"target": "Dessinez la zone visée sur la carte (un polygone)."})
        if not shape.is_valid:
            raise ValidationError({"target": "La zone dessinée se recoupe : redessinez-la."})
    elif draft.target_kind == "radius":
        center = draft.center
        if draft.observation_id is not None and center is None:
            observation = session.get(Observation, draft.observation_id)
            if observation is None:
                raise ValidationError({"target": f"Observation inconnue : n° {draft.observation_id}."})
            center = (observation.lat, observation.lon)
        if center is None or not draft.radius_m or not 0 < draft.radius_m <= MAX_RADIUS_M:
            raise ValidationError(
                {"target": f"Donnez un point (ou une observation) et un rayon entre 1 m et {MAX_RADIUS_M // 1000} km."}
            )
        point = transform(_TO_L93, Point(center[1], center[0]))
        shape = transform(_TO_WGS84, point.buffer(draft.radius_m, 32))
    else:
        raise ValidationError({"target": "Ciblage inconnu."})
    return MultiPolygon([shape]) if isinstance(shape, Polygon) else shape


def departments_of(session: Session, area: MultiPolygon) -> tuple[str, ...]:
    wkt = func.ST_GeomFromText(area.wkt, SRID)
    meets = func.ST_Intersects(Commune.geom, wkt)
    found = session.scalars(
        select(Commune.department).where(meets == 1 if _sqlite(session) else meets).distinct()
    ).all()
    if not found:
        raise ValidationError({"target": "La zone visée est hors des départements couverts."})
    return tuple(sorted(found))


def require_area(actor: Actor, departments: tuple[str, ...]) -> None:
    """Commanders only in their départements; administrators everywhere."""
    require(actor, "alerts")
    if actor.role == COMMANDANT:
        outside = [d for d in departments if d not in actor.departments]
        if outside:
            raise PermissionDenied(
                f"La zone visée touche le département {', '.join(outside)}, hors de votre périmètre : "
                "l'alerte revient à ses commandants."
            )


def recipients_condition(session: Session, area: MultiPolygon, categories: tuple[str, ...], *, indexed: bool = True):
    """Active subscribers of `categories` whose area meets `area`. The spatial index finds the
    candidates by bounding box; the exact test keeps those whose shape meets the area."""
    active = and_(Subscriber.opted_out_at.is_(None), Subscriber.category.in_(categories))
    west, south, east, north = area.bounds
    if _sqlite(session):
        exact = func.ST_Intersects(Subscriber.geom, func.ST_GeomFromText(area.wkt, SRID)) == 1
        if not indexed:
            return and_(active, exact)
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = 'subscribers' AND f_geometry_column = 'geom' "
            "AND search_frame = BuildMbr(:w, :s, :e, :n, :srid)"
        ).bindparams(w=west, s=south, e=east, n=north, srid=SRID)
        rowid = literal_column("subscribers.rowid")
        return and_(active, rowid.in_(candidates.columns(rowid=rowid.type)), exact)
    shape = func.ST_GeomFromText(area.wkt, SRID)
    # _ST_Intersects is PostGIS's exact test without the index (the benchmark's baseline).
    return and_(
        active, func.ST_Intersects(Subscriber.geom, shape) if indexed else func._ST_Intersects(Subscriber.geom, shape)
    )


def count_recipients(session: Session, area: MultiPolygon, categories: tuple[str, ...], *, indexed: bool = True) -> int:
    condition = recipients_condition(session, area, categories, indexed=indexed)
    return session.scalar(select(func.count()).select_from(Subscriber).where(condition))


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _checked(session: Session, draft: AlertDraft) -> None:
    errors = {}
    if not draft.text.strip():
        errors["text"] = "Le texte de l'alerte est obligatoire."
    elif sms_text.measure(draft.text).segments > sms_text.MAX_PARTS:
        errors["text"] = f"Texte trop long : {sms_text.MAX_PARTS} SMS au plus."
    known = set(session.scalars(select(TradeCategory.code)))
    if not draft.categories:
        errors["categories"] = "Choisissez au moins un métier."
    elif set(draft.categories) - known:
        errors["categories"] = f"Métier inconnu : {', '.join(sorted(set(draft.categories) - known))}."
    if errors:
        raise ValidationError(errors)


def preview(db: Database, actor: Actor, draft: AlertDraft) -> Target:
    """The area, its départements, the recipient count and the warnings, before saving."""
    require(actor, "alerts")
    with db.session() as session:
        area = area_of(session, draft)
        departments = departments_of(session, area)
        require_area(actor, departments)
        recipients = count_recipients(session, area, draft.categories) if draft.categories else 0
        names = tuple(session.scalars(select(Subscriber.name).where(Subscriber.opted_out_at.is_(None))))
    warnings = tuple(alert_text.naming_warnings(draft.text, names))
    return Target(area, departments, recipients, warnings, sms_text.measure(draft.text))


# --- Use cases ------------------------------------------------------------------------------------


@audit.refusals_recorded
def create_alert(db: Database, actor: Actor, draft: AlertDraft) -> int:
    require(actor, "alerts")
    with db.session() as session:
        _checked(session, draft)
        area = area_of(session, draft)
        departments = departments_of(session, area)
        require_area(actor, departments)
        center = draft.center
        alert = Alert(
            text=draft.text.strip(), template=json.dumps(draft.template, ensure_ascii=False),
            target_kind=draft.target_kind, target_communes=",".join(draft.communes),
            center_lat=center[0] if center else None, center_lon=center[1] if center else None,
            radius_m=draft.radius_m, observation_id=draft.observation_id, categories=",".join(draft.categories),
            departments=",".join(departments), email=draft.email, author=actor.login, geom=from_shape(area, srid=SRID),
        )  # fmt: skip
        session.add(alert)
        session.flush()
        count = count_recipients(session, area, draft.categories)
        audit.record(
            session, actor, "create", entity="alert", entity_id=alert.id,
            after={"text": alert.text, "categories": alert.categories, "departments": alert.departments,
                   "target": alert.target_kind, "recipients": count},
        )  # fmt: skip
        return alert.id


@audit.refusals_recorded
def approve_alert(db: Database, actor: Actor, alert_id: int) -> int:
    """The second person's approval; returns the recipient count recorded with it."""
    require(actor, "alerts")
    if actor.role not in (COMMANDANT, ADMIN):
        raise PermissionDenied("Seul un commandant ou un administrateur valide une alerte.")
    with db.session() as session:
        alert = locked_alert(session, alert_id)
        require_area(actor, tuple(alert.departments.split(",")))
        if alert.author == actor.login:
            raise PermissionDenied("Une alerte est validée par une autre personne que son auteur.")
        if alert.status != "draft":
            raise ValidationError({"status": f"Cette alerte est déjà {STATUS_LABELS[alert.status].lower()}."})
        count = count_recipients(session, to_shape(alert.geom), tuple(alert.categories.split(",")))
        alert.status, alert.approved_by, alert.approved_at, alert.recipient_count = (
            "approved",
            actor.login,
            utcnow(),
            count,
        )
        audit.record(
            session, actor, "approve", entity="alert", entity_id=alert.id,
            after={"text": alert.text, "recipients": count, "author": alert.author, "approved_by": actor.login},
        )  # fmt: skip
        return count


def locked_alert(session: Session, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id, with_for_update=not _sqlite(session))
    if alert is None:
        raise NotFound(f"Alerte inconnue : n° {alert_id}.")
    return alert


def list_alerts(db: Database, actor: Actor, *, status: str | None = None) -> list[AlertInfo]:
    """The alerts of the actor's départements (all for administrators), newest first, with the
    counts of their outbox by status."""
    require(actor, "alerts")
    with db.session() as session:
        statement = select(Alert).order_by(Alert.created_at.desc(), Alert.id.desc())
        if status:
            statement = statement.where(Alert.status == status)
        alerts = [a for a in session.scalars(statement) if _visible(actor, a)]
        return _with_counts(session, alerts)


def alerts_for_territory(
    db: Database, actor: Actor, communes: tuple[str, ...] | list[str], since: dt.datetime
) -> list[AlertInfo]:
    """The alerts sent since `since` (UTC) whose area overlaps the communes given (INSEE codes), oldest
    first: what a cellule de veille reviews. Commanders see those of their départements only; an
    area that merely touches the territory along a boundary does not count."""
    require(actor, "alerts")
    with db.session() as session:
        return territory_alerts(session, actor, communes, since)


def territory_alerts(
    session: Session, actor: Actor, communes: tuple[str, ...] | list[str], since: dt.datetime
) -> list[AlertInfo]:
    """`alerts_for_territory` inside an open session (a cellule's agenda reads in one transaction)."""
    require(actor, "alerts")
    shapes = [to_shape(g) for g in session.scalars(select(Commune.geom).where(Commune.insee.in_(tuple(communes))))]
    if not shapes:
        return []
    territory = unary_union(shapes)
    statement = select(Alert).where(Alert.status == "sent", Alert.sent_at >= since).order_by(Alert.sent_at, Alert.id)
    alerts = [
        a
        for a in session.scalars(statement)
        if _visible(actor, a) and to_shape(a.geom).intersection(territory).area > OVERLAP_MIN
    ]
    return _with_counts(session, alerts)


def _with_counts(session: Session, alerts: list[Alert]) -> list[AlertInfo]:
    """The alerts with the counts of their SMS outbox by status."""
    counts: dict[int, dict[str, int]] = {}
    accepted = AlertDelivery.message_id.is_not(None)
    rows = session.execute(
        select(AlertDelivery.alert_id, AlertDelivery.status, accepted, func.count())
        .where(AlertDelivery.channel == "sms", AlertDelivery.alert_id.in_([a.id for a in alerts]))
        .group_by(AlertDelivery.alert_id, AlertDelivery.status, accepted)
    )
    for alert_id, delivery_status, was_accepted, number in rows:
        found = counts.setdefault(alert_id, {})
        found[delivery_status] = found.get(delivery_status, 0) + number
        if was_accepted:
            found["accepted"] = found.get("accepted", 0) + number
    return [_info(alert, counts.get(alert.id, {})) for alert in alerts]


def _visible(actor: Actor, alert: Alert) -> bool:
    return actor.role == ADMIN or bool(set(alert.departments.split(",")) & set(actor.departments))


def _info(alert: Alert, counts: dict[str, int]) -> AlertInfo:
    # « envoyés » counts every SMS the gateway accepted: delivered, not yet, or reported undelivered.
    shown = {
        "sent": counts.get("accepted", 0),
        "delivered": counts.get("delivered", 0),
        "failed": counts.get("failed", 0),
        "pending": counts.get("pending", 0) + counts.get("claimed", 0),
    }
    return AlertInfo(
        alert.id, alert.status, alert.text, alert.author, alert.created_at, alert.approved_by, alert.sent_at,
        alert.recipient_count, tuple(alert.categories.split(",")), tuple(alert.departments.split(",")),
        to_shape(alert.geom), shown,
    )  # fmt: skip


def sent_alerts_frame(db: Database, actor: Actor, *, days: int = 30) -> gpd.GeoDataFrame:
    """The alerts sent in the last `days` days in the actor's view, for the commanders' map layer:
    id, date (Paris), text, geometry. Forces only (permission `command_map`)."""
    require(actor, "command_map")
    since = utcnow() - dt.timedelta(days=days)
    with db.session() as session:
        rows = [a for a in session.scalars(select(Alert).where(Alert.status == "sent", Alert.sent_at >= since))]
        rows = [a for a in rows if actor.role != COMMANDANT or _visible(actor, a)]
        records = [{"id": a.id, "sent": localtime.format_datetime(a.sent_at), "text": a.text} for a in rows]
        shapes = [to_shape(a.geom) for a in rows]
    return gpd.GeoDataFrame(records, geometry=shapes, crs="EPSG:4326") if records else gpd.GeoDataFrame()
