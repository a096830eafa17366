"""What every route needs: the process's database and French JSON errors.

Route endpoints are plain (sync) functions: Starlette runs them in its thread pool, so they call
the services exactly as the pages do.
"""

from __future__ import annotations

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
