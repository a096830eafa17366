"""Streamlit's index.html leaves the server in French (lang="fr"), nothing else is touched."""

from __future__ import annotations

from pathlib import Path

import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from diagnostics.web.html_lang import FrenchDocumentMiddleware
from diagnostics.web.routes import MIDDLEWARE
from tests.asgi import request

INDEX = (Path(streamlit.__file__).parent / "static" / "index.html").read_text()


def _app() -> Starlette:
    async def index(request):
        return HTMLResponse(INDEX)

    async def text(request):
        return PlainTextResponse('<html lang="en"> in a text file')

    # GZip inside, as Streamlit's own middleware sits inside the app's.
    return Starlette(
        routes=[Route("/", index), Route("/carte", index), Route("/notes.txt", text), Route("/_stcore/x.html", index)],
        middleware=[Middleware(FrenchDocumentMiddleware), Middleware(GZipMiddleware, minimum_size=10)],
    )


def test_streamlit_index_still_says_en():
    """The day Streamlit ships lang="fr" or changes its tag, this middleware must be reviewed."""
    assert '<html lang="en">' in INDEX


def test_every_page_path_is_french_even_when_the_browser_accepts_gzip():
    app = _app()
    for path in ("/", "/carte"):
        reply = request(app, path, headers={"accept-encoding": "gzip"})
        assert reply.status == 200
        assert "content-encoding" not in reply.headers
        assert b'<html lang="fr">' in reply.body and b'lang="en"' not in reply.body
        assert int(reply.headers["content-length"]) == len(reply.body)


def test_other_answers_pass_untouched():
    app = _app()
    assert request(app, "/notes.txt").body == b'<html lang="en"> in a text file'
    reply = request(app, "/_stcore/x.html", headers={"accept-encoding": "gzip"})
    assert reply.headers.get("content-encoding") == "gzip"  # not ours: left compressed


def test_the_app_uses_it():
    assert any(m.cls is FrenchDocumentMiddleware for m in MIDDLEWARE)
