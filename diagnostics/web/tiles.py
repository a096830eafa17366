"""Map tiles served by the app itself, and the listing of the tiles to keep offline.

Routes (registered in diagnostics/web/routes.py):

- `GET /tiles/{z}/{x}/{y}.{png|jpg|webp}`: one tile of the PSQ_TILES file (PMTiles or MBTiles),
  decoded on the server, for Leaflet. 200 with the image; 204 when the file has no tile there
  (Leaflet leaves the square empty); 404 outside its zoom levels, for another image type, or when
  PSQ_TILES names no file. Cached by browsers for a day, with an ETag that changes with the file.
- `GET|HEAD /tiles/territoire.pmtiles` (or `.mbtiles`): the file itself, with HTTP range requests
  (206 Partial Content, Content-Range, Accept-Ranges; 416 for a range past the end), for clients
  that read PMTiles directly.
- `GET /api/tiles/offline?communes=INSEE,INSEE`: what the field page's service worker caches for
  those communes, within PSQ_OFFLINE_TILES_MB; signed-in users only (session cookie, 401 otherwise). The JSON
  contract is in diagnostics/tiles/offline.py; in short
  {"urls": [...], "octets": total, "limite": budget, "attribution": "...", "modele": "/tiles/{z}/{x}/{y}.png", ...}.
  400 for a malformed list, 404 for an unknown commune (French "erreur").

Tiles themselves need no sign-in: they are the basemap, not the forces' data, and the mayor's
snapshot and the field page's service worker fetch them like any image.
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from diagnostics import config
from diagnostics.errors import DatabaseUnavailable
from diagnostics.services import territory
from diagnostics.tiles import offline
from diagnostics.tiles.sources import IMAGE_TYPES, TileSource, open_archive
from diagnostics.web import auth
from diagnostics.web.deps import database, error, unavailable

TILE_CACHE = "public, max-age=86400"
MAX_COMMUNES = 100
_INSEE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def local_source() -> TileSource | None:
    """The PSQ_TILES file the app serves, if any."""
    return next((s for s in config.tile_sources() if s.local), None)


def tile(request: Request) -> Response:
    params = request.path_params
    z, x, y, ext = params["z"], params["x"], params["y"], params["ext"].lower()
    source = local_source()
    if source is None:
        return error(404, "Aucun fichier de tuiles n'est servi par l'application (PSQ_TILES).")
    if ext != source.tile_type or not (source.min_zoom <= z <= source.max_native_zoom) or max(x, y) >= 1 << z:
        return error(404, f"Pas de tuile {z}/{x}/{y}.{ext} dans le fond de plan.")
    archive = open_archive(source.archive)
    stat = source.archive.stat()
    etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}-{z}-{x}-{y}"'
    headers = {"Cache-Control": TILE_CACHE, "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    data = archive.tile(z, x, y)
    if data is None:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=IMAGE_TYPES[ext], headers=headers)


def archive_file(request: Request) -> Response:
    source = local_source()
    kind = request.path_params["kind"].lower()
    if source is None or source.archive.suffix.lower() != f".{kind}":
        return error(404, f"Aucun fichier .{kind} n'est servi par l'application (PSQ_TILES).")
    # Starlette's FileResponse answers Range and If-Range itself (206, 416, multipart/byteranges).
    return FileResponse(
        source.archive,
        media_type="application/octet-stream",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def offline_tiles(request: Request) -> Response:
    auth.require_actor(request)  # any signed-in user; 401 in French otherwise (expired, revoked…)
    codes = parse_communes(request.query_params.get("communes", ""))
    if isinstance(codes, str):
        return error(400, codes)
    try:
        bounds = territory.commune_bounds(database(), codes)
    except DatabaseUnavailable as exc:
        return unavailable(exc)
    unknown = [code for code in codes if code not in bounds]
    if unknown:
        return error(404, f"Commune inconnue : {', '.join(unknown)}")
    listing = offline.offline_listing(
        config.tile_sources(),
        [bounds[code] for code in codes],
        max_zoom=config.offline_max_zoom(),
        budget=config.offline_tiles_bytes(),
    )
    return JSONResponse(listing, headers={"Cache-Control": "no-store"})


def parse_communes(value: str) -> list[str] | str:
    """INSEE codes of `communes=70279,70550`, or the French reason they are refused."""
    codes = list(dict.fromkeys(code.strip().upper() for code in value.split(",") if code.strip()))
    if not codes:
        return "Indiquez au moins une commune : communes=INSEE,INSEE"
    wrong = [code for code in codes if not _INSEE.match(code)]
    if wrong:
        return f"Code INSEE invalide : {', '.join(wrong[:5])}"
    if len(codes) > MAX_COMMUNES:
        return f"Au plus {MAX_COMMUNES} communes par demande ({len(codes)} demandées)."
    return codes


ROUTES: list[BaseRoute] = [
    Route("/tiles/{z:int}/{x:int}/{y:int}.{ext}", tile, methods=["GET"]),
    Route("/tiles/territoire.{kind}", archive_file, methods=["GET", "HEAD"]),
    Route("/api/tiles/offline", offline_tiles, methods=["GET"]),
]
