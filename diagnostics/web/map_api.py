"""The commanders' map fetches each view here (issue 20): GET /api/map/observations, and its
reference layers once: GET /api/map/reference/{communes,zones,sectors}.

Parameters: `bbox=west,south,east,north` (WGS84), `zoom` (Leaflet's level), and the page's own
filter parameters (`grav=3,4&statut=nouvelle&periode=3m`…, read by
`filter_params.criteria_from_params` exactly as the page reads its address); `hors=1` keeps the
observations outside every patrol zone (the page's switch), tested in SQL. Signed in by the
session cookie; the forces only (a maire or a partner is refused, as on the page).

The answer (maps.viewport.view_json) is cells with counts, or the points of the box. Its ETag
is a digest of the database's data versions, the reader's scope (not who they are), the filters
and the view: a view asked again while nothing changed answers 304 before any query but the
session's and the counters'; the same view for another commander of the same scope is served
from this process's memory. `Cache-Control: private, no-cache`: only the browser keeps it, and
asks again each time (a change must show at the next move). Reference layers asked at their
version's address (`?v=N`, as the map's document names them) are kept by the browser for good:
a change of reference data names another address.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import threading
from collections import OrderedDict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from diagnostics import dataversion, filter_params, localtime
from diagnostics.auth import DENIED, can, observation_scope
from diagnostics.errors import PermissionDenied
from diagnostics.maps import layers, styles
from diagnostics.maps.viewport import view_json
from diagnostics.services import reference, viewport
from diagnostics.services.observations import ObservationFilter
from diagnostics.web import auth
from diagnostics.web.deps import ApiError, database
from diagnostics.web.ogc import parse_bbox

PATH = "/api/map/observations"
REFERENCE_PATH = "/api/map/reference"  # /communes, /zones, /sectors
REFERENCE_LAYERS = {  # kind: frame, card fields, with the names' places (layers.area_topology)
    "communes": (reference.communes_frame, None, True),
    "zones": (reference.patrol_zones_frame, styles.ZONE_FIELDS, False),
    "sectors": (reference.sectors_frame, styles.SECTOR_FIELDS, False),
}
UNKNOWN_LAYER = "Couche inconnue : communes, zones ou sectors sont attendues."
MAX_CELLS = 20_000  # cells a view may span at its zoom (a 4K screen spans about 4,000)
BAD_ZOOM = f"Paramètre zoom invalide : un entier de {viewport.MIN_ZOOM} à {viewport.MAX_ZOOM} est attendu."
MISSING_BBOX = "Paramètre bbox obligatoire : ouest,sud,est,nord en degrés WGS84."
TOO_WIDE = "Zone trop grande pour ce niveau de zoom : zoomez arrière ou réduisez la zone."
CACHE_CONTROL = "private, no-cache"
IMMUTABLE = "private, max-age=31536000, immutable"  # a reference layer at its version's address
_MEMORY_ENTRIES = 256

_memory: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()  # ETag → (body, gzip'd body)
_memory_lock = threading.Lock()


def observations_view(request: Request) -> Response:
    actor = _reader(request)
    view = parse_view(request.query_params)
    criteria = view_criteria(request.query_params, localtime.now_paris().date())
    db, scope = database(), observation_scope(actor)
    # The observations' counters of the scope's départements only: a save elsewhere keeps these views.
    versions = db.observation_versions(scope.departments), db.data_version(dataversion.REFERENCE)
    key = (db.cache_key, versions, scope, criteria, view)
    return _answer(request, key, lambda: view_json(viewport.view_data(db, actor, criteria, view)))


def view_criteria(params, today) -> ObservationFilter:
    """The filters of a view, read from the page's address as the map's script sends it (the page
    reads them the same way to prefetch its first view's grid)."""
    criteria = filter_params.criteria_from_params(params, today)
    if params.get(filter_params.PARAMS["outside"]) == "1":  # the page's « hors zones » switch
        criteria = dataclasses.replace(criteria, outside_zones=True)
    return criteria


def reference_layer(request: Request) -> Response:
    """Communes, patrol zones or sectors as the map draws them (escaped tooltips and cards), as a
    compact topology (maps.topology): the same for every reader of the map. Asked with the
    current reference version in its address (`?v=`, as the map asks), the browser keeps it
    until that version changes (the map's document then names another address)."""
    _reader(request)
    kind = request.path_params["kind"]
    if kind not in REFERENCE_LAYERS:
        raise ApiError(404, UNKNOWN_LAYER)
    db = database()
    version = db.data_version(dataversion.REFERENCE)
    kept = IMMUTABLE if request.query_params.get("v") == str(version) else CACHE_CONTROL
    return _answer(request, (db.cache_key, version, kind), lambda: _reference_json(db, kind), kept)


def warm_reference_layers(db) -> None:
    """Compute the reference layers into this process's memory, as their first reader would (the
    server does it as it starts: the communes' topology is a second of CPU)."""
    version = db.data_version(dataversion.REFERENCE)
    for kind in REFERENCE_LAYERS:
        _bodies(_etag((db.cache_key, version, kind)), lambda kind=kind: _reference_json(db, kind))


def _reference_json(db, kind: str) -> bytes:
    frame, fields, labelled = REFERENCE_LAYERS[kind]
    return layers.area_topology(frame(db), fields, labelled=labelled).encode("utf-8") or b"null"


def _reader(request: Request):
    actor = auth.require_actor(request)
    if not can(actor, "command_map"):
        raise ApiError(403, DENIED["command_map"])
    return actor


def _answer(request: Request, key: tuple, make, cache_control: str = CACHE_CONTROL) -> Response:
    """The JSON `make()` gives, under an ETag of `key`: 304 when the browser has it, from this
    process's memory (plain and gzip'd, compressed once) when another reader of the same key
    asked, gzip when accepted."""
    etag = _etag(key)
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding, Cookie"}
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    try:
        bodies = _bodies(etag, make)
    except PermissionDenied as refusal:
        raise ApiError(403, str(refusal)) from refusal
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(bodies[1], media_type="application/json", headers=headers)
    return Response(bodies[0], media_type="application/json", headers=headers)


def parse_view(params) -> viewport.View:
    """The view of `bbox` and `zoom` (ApiError 400 in French)."""
    if not params.get("bbox"):
        raise ApiError(400, MISSING_BBOX)
    bbox = parse_bbox(params["bbox"])
    try:
        zoom = int(params.get("zoom", ""))
    except ValueError:
        raise ApiError(400, BAD_ZOOM) from None
    if not viewport.MIN_ZOOM <= zoom <= viewport.MAX_ZOOM:
        raise ApiError(400, BAD_ZOOM)
    view = viewport.View(bbox=bbox, zoom=zoom)
    if viewport.cells_spanned(view) > MAX_CELLS:
        raise ApiError(400, TOO_WIDE)
    return view


def forget() -> None:
    """Empty this process's memory of views (tests)."""
    with _memory_lock:
        _memory.clear()


def _etag(key: tuple) -> str:
    return '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'


def _bodies(etag: str, make) -> tuple[bytes, bytes]:
    """The plain and gzip'd bodies of `etag`: remembered, or made and remembered."""
    bodies = _remembered(etag)
    if bodies is None:
        body = make()
        bodies = (body, gzip.compress(body, compresslevel=6))
        _remember(etag, bodies)
    return bodies


def _etags(header: str) -> set[str]:
    return {part.strip().removeprefix("W/") for part in header.split(",") if part.strip()}


def _remembered(etag: str) -> tuple[bytes, bytes] | None:
    with _memory_lock:
        body = _memory.get(etag)
        if body is not None:
            _memory.move_to_end(etag)
        return body


def _remember(etag: str, bodies: tuple[bytes, bytes]) -> None:
    with _memory_lock:
        _memory[etag] = bodies
        while len(_memory) > _MEMORY_ENTRIES:
            _memory.popitem(last=False)


ROUTES: list[BaseRoute] = [
    Route(PATH, observations_view, methods=["GET"]),
    Route(f"{REFERENCE_PATH}/{{kind}}", reference_layer, methods=["GET"]),
]
