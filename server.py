"""The ASGI server: the Streamlit pages of streamlit_app.py plus the app's own HTTP routes.

`streamlit run server.py` (what `make run` does) finds the `st.App` below and serves it with
uvicorn; `uvicorn server:app` works too. The routes (the JSON API under /api/, the offline
field page under /terrain/, map tiles under /tiles/) are listed in diagnostics/web/routes.py.
"""

from pathlib import Path

import streamlit as st

from diagnostics.web.routes import EXCEPTION_HANDLERS, MIDDLEWARE, ROUTES

app = st.App(
    str(Path(__file__).resolve().parent / "streamlit_app.py"),
    routes=ROUTES,
    middleware=MIDDLEWARE,
    exception_handlers=EXCEPTION_HANDLERS,
)
