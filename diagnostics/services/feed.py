"""The read-only feed for partners' GIS (OGC API – Features): one page of a collection at a time.

The same permissions and redaction as the exports, decided here and not in the routes:

- observations: the actor's scope (an agent their team, a commandant their départements, a mayor
  their commune) and, for mayors, `redaction.redact_for_partners` (only the text an agent marked
  shareable; no team, author, participants);
- reference layers: the forces read them whole, as in the app and the layer export; a mayor reads
  only their commune, and the sectors, zones and sites that meet it, redacted as
  `redaction.redact_reference_for_partners` says (a zone's unit and schedule only when shared).

Every page is a query of its own: filtered by the scope and the bounding box (through the
spatial index) in the database, then LIMIT/OFFSET; nothing is cut in Python.

A partner's read is an export: audited once per reader (a browser session, or an account reading
with HTTP Basic) and collection per AUDIT_WINDOW in each process, not at every page QGIS asks for.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import geopandas as gpd
from geoalchemy2.shape import from_shape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics.auth import MAIRE, Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.models import SRID, Commune, PatrolZone, Sector, Site
from diagnostics.redaction import redact_reference_for_partners
from diagnostics.services import audit, cameras, reference
from diagnostics.services._frames import geometry_as_wkb, read_frame
from diagnostics.services.observations import ObservationFilter, count_observations, observations_frame
from diagnostics.services.spatial import BBox, intersects_box

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
AUDIT_WINDOW_S = 3600.0
Period = tuple[dt.date | None, dt.date | None]

UNKNOWN_COLLECTION = "Collection inconnue : {id}. Collections : {known}."
UNKNOWN_FEATURE = "Objet inconnu dans la collection {id} : {feature}."


@dataclass(frozen=True)
class Collection:
    """One collection of the feed: what it is called and what it reads."""

    id: str
    title: str
    description: str
    model: type | None  # None: observations, read through services.observations
    columns: tuple[str, ...] = ()
    temporal: bool = False


COLLECTIONS: dict[str, Collection] = {
    c.id: c
    for c in (
        Collection(
            "communes",
            "Communes",
            "Limites communales (IGN ADMIN EXPRESS, Licence Ouverte 2.0).",
            Commune,
            ("insee", "name", "department", "population"),
        ),
        Collection(
            "sectors", "Secteurs", "Quartiers et QPV suivis.", Sector, ("id", "name", "kind", "source", "approximate")
        ),
        Collection(
            "zones",
            "Zones de patrouille",
            "Zones de patrouille (unité et horaires seulement si partagés).",
            PatrolZone,
            ("id", "name", "unit", "kind", "schedule", "source", "approximate", "shareable"),
        ),
        Collection(
            "sites",
            "Sites",
            "Points d'accueil et sites d'intérêt.",
            Site,
            ("id", "name", "kind", "address", "source", "approximate", "shareable"),
        ),
        Collection(
            "observations",
            "Observations",
            "Observations des diagnostics de sûreté (texte libre seulement si partagé).",
            None,
            temporal=True,
        ),
    )
}


@dataclass(frozen=True)
class FeedQuery:
    """What a client asks of a collection: a page, a box in WGS84, a period (observations)."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: BBox | None = None
    period: Period | None = None


@dataclass(frozen=True)
class FeedPage:
    features: gpd.GeoDataFrame  # redacted for the actor; `id_column` holds the feature ids
    id_column: str
    matched: int


def collections(actor: Actor) -> list[Collection]:
    """The collections the actor may read (every role reads all five, each in its own scope)."""
    require(actor, "review_observations")
    return list(COLLECTIONS.values())


def collection(actor: Actor, collection_id: str) -> Collection:
    require(actor, "review_observations")
    found = COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(UNKNOWN_COLLECTION.format(id=collection_id, known=", ".join(COLLECTIONS)))
    return found


def extent(db: Database, actor: Actor) -> BBox | None:
    """The box of the communes the actor reads (a mayor: theirs; the forces: the territory), given
    as every collection's extent so that a GIS can zoom to a layer without reading it whole."""
    require(actor, "review_observations")
    names = (
        ("MbrMinX", "MbrMinY", "MbrMaxX", "MbrMaxY") if db.is_sqlite else ("ST_XMin", "ST_YMin", "ST_XMax", "ST_YMax")
    )
    low_x, low_y, high_x, high_y = (getattr(func, name)(Commune.geom) for name in names)
    statement = select(func.min(low_x), func.min(low_y), func.max(high_x), func.max(high_y))
    if actor.role == MAIRE:
        statement = statement.where(Commune.insee == (actor.commune_insee or "-"))
    with db.session() as session:
        box = session.execute(statement).one()
    return None if box[0] is None else tuple(float(value) for value in box)


@audit.refusals_recorded
def read_items(db: Database, actor: Actor, collection_id: str, query: FeedQuery, *, reader: str) -> FeedPage:
    """One page of `collection_id` as `actor` may read it; `reader` names who reads for the audit."""
    found = collection(actor, collection_id)
    limit, offset = max(1, min(query.limit, MAX_LIMIT)), max(0, query.offset)
    if found.model is None:
        start, end = query.period or (None, None)
        criteria = ObservationFilter(start=start, end=end, bbox=query.bbox)
        matched = count_observations(db, actor, criteria)
        frame = observations_frame(db, actor, criteria, limit=limit, offset=offset)
        page = FeedPage(frame, "id", matched)
    else:
        page = _reference_page(db, actor, found, query.bbox, limit, offset)
    _audit_once(db, actor, collection_id, reader, page.matched)
    return page


@audit.refusals_recorded
def read_item(db: Database, actor: Actor, collection_id: str, feature_id: str, *, reader: str) -> FeedPage:
    """One feature of `collection_id` (NotFound when it does not exist or is outside the scope)."""
    found = collection(actor, collection_id)
    missing = NotFound(UNKNOWN_FEATURE.format(id=collection_id, feature=feature_id))
    key: str | int = feature_id
    if found.model is not Commune:
        try:
            key = int(feature_id)
        except ValueError:
            raise missing from None
    if found.model is None:
        frame = observations_frame(db, actor, ObservationFilter(ids=(key,)))
        page = FeedPage(frame, "id", len(frame))
    else:
        page = _reference_page(db, actor, found, None, 1, 0, key=key)
    if page.features.empty:
        raise missing
    _audit_once(db, actor, collection_id, reader, 1)
    return page


def _reference_page(
    db: Database, actor: Actor, found: Collection, bbox: BBox | None, limit: int, offset: int, *, key=None
) -> FeedPage:
    model = found.model
    key_column = model.insee if model is Commune else model.id
    owner = (cameras.camera_owner_column(),) if model is Site else ()  # for the redaction of cameras
    statement = select(*(getattr(model, name) for name in found.columns), *owner, geometry_as_wkb(model.geom))
    with db.session() as session:
        statement = statement.where(*_partner_conditions(db, session, actor, model))
        if bbox is not None:
            statement = statement.where(intersects_box(db, model, bbox))
        if key is not None:
            statement = statement.where(key_column == key)
        matched = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        frame = read_frame(session, statement.order_by(key_column).limit(limit).offset(offset or None))
    if actor.role == MAIRE and model is not Commune:
        frame = redact_reference_for_partners(found.id, frame, recipients=_recipients(actor))
    elif model is Site:
        frame = frame.drop(columns="owner_partner_id")
    return FeedPage(frame, key_column.key, matched)


def _partner_conditions(db: Database, session: Session, actor: Actor, model) -> list:
    """A mayor reads their commune and what meets it; the forces read reference layers whole."""
    if actor.role != MAIRE:
        return []
    insee = actor.commune_insee or "-"
    if model is Commune:
        return [Commune.insee == insee]
    try:
        boundary = reference.commune_boundary(session, insee)
    except NotFound:
        return [model.id.is_(None)]  # no commune: nothing
    meets = model.geom.ST_Intersects(from_shape(boundary, srid=SRID))
    conditions = [intersects_box(db, model, boundary.bounds), meets == 1 if db.is_sqlite else meets]
    if model is Site:  # cameras: only the owner's, so that counts and pages hold no other
        conditions.append(cameras.sites_visible_to(_recipients(actor)))
    return conditions


def _recipients(actor: Actor) -> tuple[int, ...]:
    return (actor.partner_id,) if actor.partner_id is not None else ()


_audited: dict[tuple[str, str], float] = {}
_audit_lock = threading.Lock()


def _audit_once(db: Database, actor: Actor, collection_id: str, reader: str, matched: int) -> None:
    now = time.monotonic()
    with _audit_lock:
        for stale in [k for k, at in _audited.items() if now - at > AUDIT_WINDOW_S]:
            del _audited[stale]
        if (reader, collection_id) in _audited:
            return
        _audited[(reader, collection_id)] = now
    detail = f"flux OGC API – Features : {matched} objet(s)"
    audit.record_now(db, actor, "export", entity=collection_id, detail=detail)


def forget_audits() -> None:
    """For tests: every reader counts as new."""
    with _audit_lock:
        _audited.clear()
