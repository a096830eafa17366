"""What every route needs: the process's database and French JSON errors.

Route endpoints are plain (sync) functions: Starlette runs them in its thread pool, so they call
the services exactly as the pages do.
"""

from __future__ import annotations

import json
import threading

from starlette.responses import JSONResponse

from diagnostics import config
from diagnostics.db import Database, open_database
from diagnostics.errors import DatabaseUnavailable

_lock = threading.Lock()
_databases: dict[str, Database] = {}


def database() -> Database:
    """The database of DATABASE_URL, opened once per process (raises DatabaseUnavailable)."""
    url = config.database_url()
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = _databases[url] = open_database(url)
        return db


def error(status: int, message: str, **extra) -> JSONResponse:
    """A refusal as the API sends it: {"erreur": "<French message>", ...}."""
    return JSONResponse({"erreur": message, **extra}, status_code=status)


def unavailable(exc: DatabaseUnavailable) -> JSONResponse:
    return error(503, f"La base de données est inaccessible : {exc}")


def unavailable_response(request, exc: Exception) -> JSONResponse:
    """Exception handler: a database outage in any route answers 503 in French."""
    return unavailable(exc)


class ApiError(Exception):
    """Raised by a route (or what it calls) to answer with a French JSON refusal.

    server.py registers `api_error_response` for it (routes.EXCEPTION_HANDLERS), so a helper such
    as `auth.require_actor` can refuse from anywhere in a route.
    """

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.message, self.extra = status, message, extra
        self.headers: dict[str, str] = {}


def refusal_response(request, exc: Exception) -> JSONResponse:
    """Exception handler: a service's refusal that a route let through answers 403 with its
    French message (not Starlette's English « Internal Server Error »)."""
    return error(403, str(exc))


def api_error_response(request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    response = error(exc.status, exc.message, **exc.extra)
    response.headers.update(exc.headers)
    return response


BAD_JSON = "Le corps de la requête doit être un objet JSON."


async def json_body(request) -> dict:
    """The request's JSON object (ApiError 400 in French otherwise). Endpoints that need a body
    are async for this read, then call the services with `run_in_threadpool`."""
    try:
        body = json.loads(await request.body() or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, BAD_JSON) from exc
    if not isinstance(body, dict):
        raise ApiError(400, BAD_JSON)
    return body


def close_databases() -> None:
    """Dispose of every database opened by the routes (tests, between databases)."""
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()
