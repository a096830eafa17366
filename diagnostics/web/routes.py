"""Every route and middleware the ASGI app serves beside the Streamlit pages."""

from __future__ import annotations

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from diagnostics.web import terrain, tiles


async def health(request: Request) -> JSONResponse:
    """Liveness of the app's own routes (Streamlit's is /_stcore/health)."""
    return JSONResponse({"statut": "ok"})


ROUTES: list[BaseRoute] = [
    Route("/api/health", health, methods=["GET"]),
    *terrain.ROUTES,
    *tiles.ROUTES,
]

MIDDLEWARE: list[Middleware] = []
