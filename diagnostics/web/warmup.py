"""What a freshly started server computes before its first reader asks (issue 20).

The first commander to open the Carte after a restart used to pay, on top of his own page, the
import of the map's modules, the communes' topology (a second of CPU) and his scope's grid
(1.3 s per département at 1,000,000 observations). The server's lifespan starts `warm` in a
background thread as it starts: the map's modules, the reference layers into the map route's
memory, then the grid of the unfiltered map (the page's opening filters) of every active
commander's scope, then the administrators' (at most `MAX_SCOPES`, within the grids' memory),
then the Carte page's own reads of the same scopes (`warm_pages`).
A reader who asks meanwhile joins the computation under way (viewport's single flight); a
failure is logged and leaves the caches to fill on demand, as before. `/api/ready` says when
it has ended (`ready`): a load balancer, or a benchmark, sends no one before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib
import logging
import threading
import time

from sqlalchemy import select

from diagnostics import localtime
from diagnostics.auth import ADMIN, COMMANDANT, Actor
from diagnostics.db import Database
from diagnostics.errors import DatabaseUnavailable
from diagnostics.models import User
from diagnostics.services import viewport
from diagnostics.services.accounts import actor_of
from diagnostics.services.observations import ObservationFilter
from diagnostics.web import map_api
from diagnostics.web.deps import database

LOG = logging.getLogger(__name__)
MAX_SCOPES = viewport.GRID_ENTRIES // 2  # half the grids kept: room for the filters people choose
# What the Carte's page imports on its first run (the page itself runs as a script). Not the
# pages' modules: a Streamlit component declared before the runtime exists is never served.
MODULES = ("folium", "branca", "jinja2", "diagnostics.maps", "diagnostics.maps.viewport")
_warming = threading.Event()  # set while a warm-up runs


@contextlib.asynccontextmanager
async def lifespan(_app):
    start()
    yield


def start() -> threading.Thread:
    _warming.set()
    thread = threading.Thread(target=_warm_quietly, name="psq-warmup", daemon=True)
    thread.start()
    return thread


def ready() -> bool:
    """True unless a warm-up is under way (ended, failed, or never started)."""
    return not _warming.is_set()


def _warm_quietly() -> None:
    try:
        db = database()
        warm(db)
        if _runtime_started():
            warm_pages(db)
    except DatabaseUnavailable:  # the pages say so in French; the caches fill once it is back
        LOG.warning("map caches not warmed: the database is unavailable")
    except Exception:  # the caches then fill on demand, as without a warm-up
        LOG.exception("warm-up of the map's caches failed")
    finally:
        _warming.clear()


def warm(db: Database) -> None:
    for name in MODULES:
        importlib.import_module(name)
    map_api.warm_reference_layers(db)
    for actor in map_readers(db):
        viewport.compute_grid(db, actor, ObservationFilter())


def warm_pages(db: Database, today: dt.date | None = None) -> None:
    """The Carte's own first-open reads (its count, « en retard », opening frame, reference
    layers, the map's document: diagnostics.ui.carte_data) for each scope of `map_readers`, once
    Streamlit's runtime runs."""
    carte_data = importlib.import_module("diagnostics.ui.carte_data")
    today = today or localtime.now_paris().date()
    document = _map_component_served()
    for actor in map_readers(db):
        carte_data.warm(db, actor, today, document=document)


def _map_component_served() -> bool:
    """Import streamlit-folium and have its component served, as a page's first run would: the
    map's documents can then be rendered here. False when Streamlit has no runtime (tests)."""
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return False
    quiet = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # its « missing ScriptRunContext » warning: expected here
    try:
        import streamlit_folium  # declared here, outside a page's run: registered below
    finally:
        quiet.setLevel(level)

    component, registry = streamlit_folium._component_func, Runtime.instance().component_registry
    if registry.get_component_path(component.name) is None:
        registry.register_component(component)
    return True


def _runtime_started(seconds: float = 60) -> bool:
    """Wait for Streamlit's runtime to have started (the lifespan may begin before it)."""
    from streamlit.runtime import Runtime, RuntimeState

    RUNNING = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if Runtime.exists() and Runtime.instance().state in RUNNING:
            return True
        time.sleep(0.1)
    LOG.warning("Streamlit's runtime did not start: the pages' caches are not warmed")
    return False


def map_readers(db: Database) -> list[Actor]:
    """One actor per distinct scope of the active commanders, then one for the administrators (the
    widest grid, the longest to compute, for the fewest readers), at most MAX_SCOPES."""
    with db.session() as session:
        users = session.scalars(select(User).where(User.active.is_(True), User.role.in_((COMMANDANT, ADMIN)))).all()
        actors = [actor_of(user) for user in users]
    departments = {tuple(sorted(actor.departments)) for actor in actors if actor.role == COMMANDANT}
    readers = [Actor("warmup", COMMANDANT, departments=codes) for codes in sorted(departments) if codes]
    readers += [Actor("warmup", ADMIN)] if any(actor.role == ADMIN for actor in actors) else []
    return readers[:MAX_SCOPES]
