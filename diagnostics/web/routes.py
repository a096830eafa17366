"""Every route and middleware the ASGI app serves beside the Streamlit pages."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from diagnostics.errors import DatabaseUnavailable, PermissionDenied
from diagnostics.web import auth, map_api, ogc, terrain, tiles, warmup
from diagnostics.web.deps import ApiError, api_error_response, refusal_response, unavailable_response
from diagnostics.web.index_document import IndexDocumentMiddleware
from diagnostics.web.static_cache import StaticCacheMiddleware


async def health(request: Request) -> JSONResponse:
    """Liveness of the app's own routes (Streamlit's is /_stcore/health)."""
    return JSONResponse({"statut": "ok"})


async def ready(request: Request) -> JSONResponse:
    """Readiness: 503 while the server warms its map caches as it starts (web.warmup), then 200."""
    if warmup.ready():
        return JSONResponse({"statut": "prêt"})
    return JSONResponse({"statut": "préchauffage en cours"}, status_code=503, headers={"Retry-After": "1"})


ROUTES: list[BaseRoute] = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/ready", ready, methods=["GET"]),
    *auth.ROUTES,
    *terrain.ROUTES,
    *tiles.ROUTES,
    *ogc.ROUTES,
    *map_api.ROUTES,
]

MIDDLEWARE: list[Middleware] = [Middleware(IndexDocumentMiddleware), Middleware(StaticCacheMiddleware)]

# Refusals raised anywhere in a route become French JSON answers (a service's own refusal too).
EXCEPTION_HANDLERS = {
    ApiError: api_error_response,
    DatabaseUnavailable: unavailable_response,
    PermissionDenied: refusal_response,
}
