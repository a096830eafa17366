"""The ASGI server: the Streamlit pages of streamlit_app.py plus the app's own HTTP routes.

`streamlit run server.py` (what `make run` does) finds the `st.App` below and serves it with
uvicorn; `uvicorn server:app` works too. The routes (the JSON API under /api/, the offline
field page under /terrain/, map tiles under /tiles/, the OGC API – Features feed under /ogc)
are listed in diagnostics/web/routes.py.
"""

import sys
from pathlib import Path

import streamlit as st

from diagnostics import config
from diagnostics.web.routes import EXCEPTION_HANDLERS, MIDDLEWARE, ROUTES
from diagnostics.web.warmup import lifespan

try:  # a wrong tile setting stops the server now, in French, not at the first map
    for read in (config.tile_sources, config.offline_tiles_bytes, config.offline_max_zoom, config.snapshot_tiles_bytes):
        read()
except ValueError as exc:
    print(f"Configuration invalide : {exc}", file=sys.stderr)
    raise SystemExit(1) from None

app = st.App(
    str(Path(__file__).resolve().parent / "streamlit_app.py"),
    routes=ROUTES,
    middleware=MIDDLEWARE,
    exception_handlers=EXCEPTION_HANDLERS,
    lifespan=lifespan,  # the map's caches computed as the server starts (diagnostics/web/warmup.py)
)
