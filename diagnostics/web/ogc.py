"""The read-only feed for QGIS and the partners' GIS: OGC API – Features Part 1 (Core, GeoJSON).

Routes (registered in diagnostics/web/routes.py), all GET, all signed in (HTTP Basic or the
session cookie, see feed_auth; 401 with `WWW-Authenticate: Basic realm="PSQ"` otherwise):

- `/ogc` (landing page), `/ogc/conformance`, `/ogc/collections`, `/ogc/collections/{id}`;
- `/ogc/collections/{id}/items`: a GeoJSON FeatureCollection, paged with `limit` (default 100,
  at most 1000) and `offset` (followed through the `next` link), `bbox=west,south,east,north` in
  WGS84 (CRS84), and for observations `datetime=2026-09-01/2026-09-30` (`..` for an open end);
- `/ogc/collections/{id}/items/{featureId}`: one feature.

What each account reads is decided in `services.feed` (scope and redaction); this module parses,
calls it and writes the JSON. Refusals are French JSON ({"erreur": ...}).
"""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from diagnostics.errors import DiagnosticsError, NotFound, PermissionDenied
from diagnostics.services import feed
from diagnostics.web import auth, ogc_json
from diagnostics.web.deps import ApiError, database
from diagnostics.web.feed_auth import feed_reader

PREFIX = "/ogc"
BAD_LIMIT = f"Paramètre limit invalide : un entier de 1 à {feed.MAX_LIMIT} est attendu."
BAD_OFFSET = "Paramètre offset invalide : un entier positif ou nul est attendu."
BAD_BBOX = "Paramètre bbox invalide : attendu ouest,sud,est,nord en degrés WGS84 (longitude, latitude)."
BAD_BBOX_CRS = f"Paramètre bbox-crs non pris en charge : seul {ogc_json.CRS84} l'est."
BAD_DATETIME = (
    "Paramètre datetime invalide : attendu une date (2026-09-15) ou une période "
    "(2026-09-01/2026-09-30, .. pour ouvert)."
)


def landing(request: Request) -> JSONResponse:
    feed_reader(request)
    return _json(ogc_json.landing(_base(request)))


def conformance(request: Request) -> JSONResponse:
    feed_reader(request)
    return _json(ogc_json.conformance())


def collections(request: Request) -> JSONResponse:
    reader = feed_reader(request)
    found = _service(feed.collections, reader.actor)
    return _json(ogc_json.collections(_base(request), found, _service(feed.extent, database(), reader.actor)))


def collection(request: Request) -> JSONResponse:
    reader = feed_reader(request)
    found = _service(feed.collection, reader.actor, request.path_params["collection_id"])
    return _json(ogc_json.collection(_base(request), found, _service(feed.extent, database(), reader.actor)))


def items(request: Request) -> JSONResponse:
    reader = feed_reader(request)
    collection_id = request.path_params["collection_id"]
    query = parse_query(request.query_params)
    page = _service(feed.read_items, database(), reader.actor, collection_id, query, reader=reader.key)
    here = f"{_base(request)}/collections/{collection_id}"
    links = [
        ogc_json.link(_with_offset(request, query.offset), "self", ogc_json.GEOJSON, "Cette page"),
        ogc_json.link(here, "collection", ogc_json.JSON, "La collection"),
    ]
    returned = len(page.features)
    if query.offset + returned < page.matched and returned:
        following = _with_offset(request, query.offset + returned)
        links.append(ogc_json.link(following, "next", ogc_json.GEOJSON, "Page suivante"))
    if query.offset > 0:
        previous = max(0, query.offset - min(query.limit, feed.MAX_LIMIT))
        links.append(ogc_json.link(_with_offset(request, previous), "prev", ogc_json.GEOJSON, "Page précédente"))
    document = ogc_json.feature_collection(
        page.features, page.id_column, matched=page.matched, links=links, stamp=dt.datetime.now(dt.UTC)
    )
    return _json(document, ogc_json.GEOJSON)


def item(request: Request) -> JSONResponse:
    reader = feed_reader(request)
    collection_id, feature_id = request.path_params["collection_id"], request.path_params["feature_id"]
    page = _service(feed.read_item, database(), reader.actor, collection_id, feature_id, reader=reader.key)
    here = f"{_base(request)}/collections/{collection_id}"
    links = [
        ogc_json.link(f"{here}/items/{feature_id}", "self", ogc_json.GEOJSON, "Cet objet"),
        ogc_json.link(here, "collection", ogc_json.JSON, "La collection"),
    ]
    row = page.features.to_dict("records")[0]
    document = ogc_json.feature(row, page.id_column, page.features.geometry.name, links)
    return _json(document, ogc_json.GEOJSON)


def parse_query(params) -> feed.FeedQuery:
    """The FeedQuery of `limit`, `offset`, `bbox`, `bbox-crs`, `datetime` (ApiError 400 in French)."""
    limit = _integer(params.get("limit"), feed.DEFAULT_LIMIT, BAD_LIMIT, minimum=1)
    offset = _integer(params.get("offset"), 0, BAD_OFFSET, minimum=0)
    crs = params.get("bbox-crs")
    if crs is not None and crs.strip() != ogc_json.CRS84:
        raise ApiError(400, BAD_BBOX_CRS)
    bbox = parse_bbox(params["bbox"]) if params.get("bbox") else None
    period = parse_datetime(params["datetime"]) if params.get("datetime") else None
    return feed.FeedQuery(limit=min(limit, feed.MAX_LIMIT), offset=offset, bbox=bbox, period=period)


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise ApiError(400, BAD_BBOX) from None
    if len(numbers) == 6:  # with heights: minx, miny, minz, maxx, maxy, maxz
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ApiError(400, BAD_BBOX)
    west, south, east, north = numbers
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ApiError(400, BAD_BBOX)
    return west, south, east, north


def parse_datetime(value: str) -> tuple[dt.date | None, dt.date | None]:
    """A date, a date-time or an interval (`start/end`, `..` or nothing for an open end), as days:
    observations are dated by day."""
    parts = value.split("/")
    if len(parts) > 2:
        raise ApiError(400, BAD_DATETIME)
    days = [_day(part) for part in parts]
    start, end = (days[0], days[0]) if len(days) == 1 else days
    if len(days) == 1 and start is None:
        raise ApiError(400, BAD_DATETIME)
    if start is not None and end is not None and start > end:
        raise ApiError(400, BAD_DATETIME)
    return start, end


def _day(part: str) -> dt.date | None:
    part = part.strip()
    if part in ("", ".."):
        return None
    try:
        return dt.date.fromisoformat(part[:10]) if len(part) <= 10 else dt.datetime.fromisoformat(part).date()
    except ValueError:
        raise ApiError(400, BAD_DATETIME) from None


def _integer(value: str | None, default: int, message: str, *, minimum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, message) from None
    if number < minimum:
        raise ApiError(400, message)
    return number


def _service(use_case, *args, **kwargs):
    """Call a feed use case; its refusals become French JSON answers."""
    try:
        return use_case(*args, **kwargs)
    except NotFound as missing:
        raise ApiError(404, str(missing)) from missing
    except PermissionDenied as refusal:
        raise ApiError(403, str(refusal)) from refusal
    except DiagnosticsError as wrong:
        raise ApiError(400, str(wrong)) from wrong


def _base(request: Request) -> str:
    """The feed's own address as the client reached it (https behind a trusted TLS proxy)."""
    scheme = "https" if auth.is_https(request) else request.url.scheme
    return f"{scheme}://{request.url.netloc}{PREFIX}"


def _with_offset(request: Request, offset: int) -> str:
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "offset"]
    params.append(("offset", str(offset)))
    path = f"{_base(request)}{request.url.path.removeprefix(PREFIX)}"
    return f"{path}?{urlencode(params)}"


def _json(document: dict, media_type: str = ogc_json.JSON) -> JSONResponse:
    # Each account reads its own view: no shared cache may keep it.
    return JSONResponse(document, media_type=media_type, headers={"Cache-Control": "private, no-store"})


ROUTES: list[BaseRoute] = [
    Route(PREFIX, landing, methods=["GET"]),
    Route(f"{PREFIX}/", landing, methods=["GET"]),
    Route(f"{PREFIX}/conformance", conformance, methods=["GET"]),
    Route(f"{PREFIX}/collections", collections, methods=["GET"]),
    Route(f"{PREFIX}/collections/{{collection_id}}", collection, methods=["GET"]),
    Route(f"{PREFIX}/collections/{{collection_id}}/items", items, methods=["GET"]),
    Route(f"{PREFIX}/collections/{{collection_id}}/items/{{feature_id}}", item, methods=["GET"]),
]
