"""Streamlit's index.html leaves the server in French (lang="fr") with the app's start-up hints;
nothing else is touched."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route

from diagnostics import assets
from diagnostics.web import boot_hints
from diagnostics.web.index_document import IndexDocumentMiddleware, _passes
from diagnostics.web.routes import MIDDLEWARE
from diagnostics.web.static_cache import StaticCacheMiddleware
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
        middleware=[Middleware(IndexDocumentMiddleware), Middleware(GZipMiddleware, minimum_size=10)],
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
    assert any(m.cls is IndexDocumentMiddleware for m in MIDDLEWARE)


def test_the_page_s_part_of_the_address_is_told_to_streamlit():
    """Streamlit is told its base (the address less the page), so it does not look for its server
    under /carte first; an unusual path gets no hint and Streamlit looks for itself as before."""
    app = _app()
    carte = request(app, "/carte").body.decode()
    assert 'var page = "carte"' in carte and "BACKEND_BASE_URL" in carte
    assert carte.index("BACKEND_BASE_URL") < carte.index("</head>") < carte.index("<body")
    assert 'var page = ""' in request(app, "/").body.decode()
    assert boot_hints._page_part("/carte") == "carte"
    assert boot_hints._page_part("/carte/") == "carte/"
    assert boot_hints._page_part('/ca"rte') is None
    hostile = boot_hints.head('/"><script>alert(1)</script>')
    assert b"alert" not in hostile and b"BACKEND_BASE_URL" not in hostile


def test_the_maps_files_are_prefetched_at_the_addresses_the_map_uses():
    head = boot_hints.head("/").decode()
    links = [url.removeprefix("./") for url in json.loads(re.search(r"var urls = (\[[^\]]*\])", head).group(1))]
    version = assets.version()
    assert f"app/static/vendor/leaflet/dist/leaflet.js?v={version}" in links
    component = [link for link in links if link.startswith(f"component/{boot_hints.MAP_COMPONENT}/static/js/main.")]
    assert component, links
    build = Path(importlib.util.find_spec("streamlit_folium").submodule_search_locations[0]) / "frontend" / "build"
    assert (build / component[0].split("/", 2)[2]).is_file()
    for link in links:
        if link.startswith("app/static/vendor/"):
            assert (assets.vendor_dir() / link.removeprefix("app/static/vendor/").split("?")[0]).is_file()


def _static_app() -> Starlette:
    async def file(request):
        return PlainTextResponse("x", headers={"cache-control": "public"})

    routes = [Route("/component/streamlit_folium.st_folium/static/js/main.1.js", file)]
    routes += [Route("/component/streamlit_folium.st_folium/index.html", file)]
    routes += [Route("/app/static/vendor/leaflet/dist/leaflet.js", file), Route("/carte", file)]
    return Starlette(routes=routes, middleware=[Middleware(StaticCacheMiddleware)])


def test_files_whose_address_changes_with_them_are_kept_a_year():
    app = _static_app()
    kept = (
        "/component/streamlit_folium.st_folium/static/js/main.1.js",
        f"/app/static/vendor/leaflet/dist/leaflet.js?v={assets.version()}",
    )
    for path in kept:
        assert request(app, path).headers["cache-control"] == "public, max-age=31536000, immutable", path
    for path in (
        "/component/streamlit_folium.st_folium/index.html",
        "/app/static/vendor/leaflet/dist/leaflet.js",
        "/app/static/vendor/leaflet/dist/leaflet.js?v=0123456789ab",  # another lock's version
        "/carte",
    ):
        assert request(app, path).headers["cache-control"] == "public", path
    assert any(m.cls is StaticCacheMiddleware for m in MIDDLEWARE)


def test_under_a_base_url_path(monkeypatch):
    """`server.baseUrlPath = "psq"`: the page is what follows /psq/, and the frames' own documents
    (/psq/component/…) are left alone as at the root."""
    real = boot_hints.st.get_option
    monkeypatch.setattr(boot_hints.st, "get_option", lambda name: "psq" if name == "server.baseUrlPath" else real(name))
    assert boot_hints.without_base("/psq/carte") == "/carte"
    assert boot_hints.without_base("/psq") == "/" and boot_hints.without_base("/elsewhere") is None
    assert boot_hints._page_part("/psq/carte") == "carte" and boot_hints._page_part("/psq/") == ""
    assert boot_hints._page_part("/carte") is None
    assert _passes("/psq/component/streamlit_folium.st_folium/index.html") and not _passes("/psq/carte")
