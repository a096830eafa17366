"""The offline-first field page (/terrain/) and its API: the bundle to take along and the sync.

The page, its scripts, its service worker and its manifest are package files
(diagnostics/web/terrain_assets/), served here under /terrain/ so that the service worker's scope
is the page. The routes are thin: they read the request, call the services and answer in French.
"""

from __future__ import annotations

import functools
import io
import json
from importlib import resources

from PIL import Image, ImageDraw, ImageFont
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from diagnostics.errors import PermissionDenied
from diagnostics.services import field_bundle, field_sync
from diagnostics.web import auth
from diagnostics.web.deps import database, error
from diagnostics.web.field_payload import PayloadError, items_of

ASSETS = "terrain_assets"  # beside this module
# name → content type; nothing else is served from the folder.
FILES = {
    "index.html": "text/html; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "store.js": "text/javascript; charset=utf-8",
    "geo.js": "text/javascript; charset=utf-8",
    "sync.js": "text/javascript; charset=utf-8",
    "session.js": "text/javascript; charset=utf-8",
    "form.js": "text/javascript; charset=utf-8",
    "pending.js": "text/javascript; charset=utf-8",
    "map.js": "text/javascript; charset=utf-8",
    "offline_tiles.js": "text/javascript; charset=utf-8",
    "photos.js": "text/javascript; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "sw.js": "text/javascript; charset=utf-8",
    "sortie.html": "text/html; charset=utf-8",
    "sortie.js": "text/javascript; charset=utf-8",
    "manifest.webmanifest": "application/manifest+json",
    "icon.svg": "image/svg+xml",
}
ICON_SIZES = (192, 512)
# The page runs only its own scripts and talks only to its server; tiles may come from an intranet
# tile server (img-src). Defence in depth: no user text is ever parsed as HTML anyway.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https: http:; "
    "connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
MAX_BODY_BYTES = 40 * 1024 * 1024  # a batch of observations with their resized photos
TOO_LARGE = "Envoi trop volumineux ({size} Mo, {limit} Mo au plus) : envoyez moins d'observations à la fois."


@functools.cache
def _asset(name: str) -> bytes:
    return resources.files(__package__).joinpath(ASSETS, name).read_bytes()


def page_file(request: Request) -> Response:
    name = request.path_params.get("name") or "index.html"
    if name not in FILES:
        return error(404, "Fichier introuvable.")
    # The service worker refreshes its copies itself; the browser must always ask (no stale shell).
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = "/terrain/"
    if name == "index.html":
        headers["Content-Security-Policy"] = PAGE_POLICY
    if name == "sortie.html":  # framed by the Streamlit pages' logout, and by them only
        headers["Content-Security-Policy"] = PAGE_POLICY.replace("frame-ancestors 'none'", "frame-ancestors 'self'")
    return Response(_asset(name), media_type=FILES[name], headers=headers)


def to_page(request: Request) -> Response:
    return RedirectResponse("/terrain/", status_code=308)


def icon(request: Request) -> Response:
    size = int(request.path_params["size"])
    if size not in ICON_SIZES:
        return error(404, "Icône introuvable.")
    return Response(_icon_png(size), media_type="image/png", headers={"Cache-Control": "max-age=86400"})


@functools.cache
def _icon_png(size: int) -> bytes:
    """The app's icon, drawn once per size (no binary file in the repository)."""
    image = Image.new("RGB", (size, size), "#1f3b73")
    draw = ImageDraw.Draw(image)
    margin = size // 8
    draw.rounded_rectangle(
        (margin, margin, size - margin, size - margin), radius=size // 10, outline="white", width=size // 40
    )
    font = ImageFont.load_default(size=size // 4)
    draw.text((size / 2, size / 2), "PSQ", fill="white", font=font, anchor="mm")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def bundle(request: Request) -> Response:
    actor = auth.require_actor(request)  # 401 in French otherwise (expired, revoked, not signed in)
    extra = [code.strip() for code in request.query_params.get("communes", "").split(",") if code.strip()]
    try:
        data = field_bundle.field_bundle(database(), actor, extra_communes=extra)
    except PermissionDenied as exc:
        return error(403, str(exc))
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


async def sync(request: Request) -> Response:
    auth.check_same_origin(request)
    actor = await run_in_threadpool(auth.require_actor, request)
    try:
        payload = json.loads(await _body(request))
        parsed = items_of(payload)
    except BodyTooLarge as exc:
        return error(413, str(exc))
    except PayloadError as exc:
        return error(400, str(exc))
    except ValueError:
        return error(400, "Requête illisible : JSON attendu.")
    try:
        results = await run_in_threadpool(_sync, actor, parsed)
    except PermissionDenied as exc:
        return error(403, str(exc))
    return JSONResponse({"resultats": [result.as_json() for result in results]})


def _sync(actor, parsed: list) -> list[field_sync.ItemResult]:
    items = [item for item in parsed if isinstance(item, field_sync.SyncItem)]
    stored = iter(field_sync.sync_items(database(), actor, items))
    return [item if isinstance(item, field_sync.ItemResult) else next(stored) for item in parsed]


class BodyTooLarge(ValueError):
    """The request is larger than a batch may be (French message)."""


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge(_too_large(int(declared)))
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge(_too_large(size))
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int) -> str:
    return TOO_LARGE.format(size=size // 2**20, limit=MAX_BODY_BYTES // 2**20)


ROUTES: list[BaseRoute] = [
    Route("/terrain", to_page, methods=["GET"]),
    Route("/terrain/", page_file, methods=["GET"]),
    Route("/terrain/icon-{size:int}.png", icon, methods=["GET"]),
    Route("/terrain/{name}", page_file, methods=["GET"]),
    Route("/api/terrain/bundle", bundle, methods=["GET"]),
    Route("/api/terrain/sync", sync, methods=["POST"]),
]
