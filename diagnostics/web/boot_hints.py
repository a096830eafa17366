"""What Streamlit's index.html gets at the end of its head, so that a page starts sooner.

- **Where the server is.** Opened at `/carte` (a bookmark, a reload, an e-mail's link),
  Streamlit's script first asks `/carte/_stcore/health`, gets a 404, waits 100 ms and asks
  `/_stcore/health`: about 0.1-0.2 s before the WebSocket opens, on every page but `/`. The
  server knows which part of the address is the page (the path it was asked, less
  `server.baseUrlPath`), so a small script tells Streamlit the rest is its base
  (`window.__streamlit.BACKEND_BASE_URL`, read by Streamlit's script as it loads). Behind a
  proxy that adds a prefix the browser's address is longer than the server's path: what is
  left once the page is taken off the end is the prefix. An address that does not end with the
  page (or an unusual page path) gets no script, and Streamlit looks for itself as before.
- **The maps' files, fetched early.** While the sign-in form is shown, the browser prefetches the
  map component's script and Leaflet (low priority, into its cache), so that the Carte opened
  after signing in does not wait for them one after the other inside the map's frame.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from pathlib import Path

import streamlit as st

from diagnostics import assets

_PAGE = re.compile(r"^[A-Za-z0-9_\-/]*$")
# streamlit-folium's component, as Streamlit serves it (`/component/<module>.<name>/…`).
MAP_COMPONENT = "streamlit_folium.st_folium"
# The Leaflet files every map of the app links (diagnostics.assets.localize adds `?v=`).
MAP_VENDOR_FILES = ("leaflet/dist/leaflet.js", "leaflet/dist/leaflet.css")


def head(path: str) -> bytes:
    """The tags for Streamlit's document served at `path` (as the server saw it)."""
    return (_base_script(_page_part(path)) + _prefetches()).encode()


def without_base(path: str) -> str | None:
    """`path` less `server.baseUrlPath` (`/psq/carte` → `/carte`); None when outside it."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    if not base:
        return path
    if path == f"/{base}":
        return "/"
    return path[len(base) + 1 :] if path.startswith(f"/{base}/") else None


def _page_part(path: str) -> str | None:
    """The page's part of `path`: what follows `server.baseUrlPath` (None when unusual)."""
    inside = without_base(path)
    if inside is None:
        return None
    page = inside.removeprefix("/")
    return page if _PAGE.match(page) else None


def _base_script(page: str | None) -> str:
    if page is None:
        return ""
    quoted = json.dumps(page)  # letters, digits, - _ / only: nothing to escape in a script
    return (
        "<script>(function () { var page = " + quoted + ", path = window.location.pathname;"
        " if (path.slice(path.length - page.length) !== page) { return; }"
        " if (page && path.charAt(path.length - page.length - 1) !== '/') { return; }"
        " var base = path.slice(0, path.length - page.length);"
        " if (base.slice(-1) !== '/') { base += '/'; }"
        " window.__streamlit = Object.assign({}, window.__streamlit,"
        " {BACKEND_BASE_URL: window.location.origin + base}); })();</script>"
    )


@functools.cache
def _prefetches() -> str:
    """A script that, once the sign-in form is on the page, has the browser prefetch the maps'
    files, while the person types. Not at once: on a page whose map loads straight away (a
    bookmark opened signed in) the prefetch and the map's own request would fetch them twice.
    The addresses are relative to the document, as Streamlit's own links are (`./static/…`)."""
    version = assets.version()
    urls = [f"./app/static/vendor/{name}?v={version}" for name in MAP_VENDOR_FILES]
    urls += [f"./component/{MAP_COMPONENT}/{name}" for name in component_files()]
    return (
        "<script>(function () { var urls = " + json.dumps(urls) + ", tries = 0;"
        " var look = setInterval(function () {"
        " if (++tries > 120) { clearInterval(look); return; }"
        " if (!document.querySelector('input[type=\"password\"]')) { return; }"
        " clearInterval(look);"
        " urls.forEach(function (url) { var link = document.createElement('link');"
        " link.rel = 'prefetch'; link.href = url; document.head.appendChild(link); }); }, 250); })();</script>"
    )


def component_files() -> list[str]:
    """The script and stylesheets streamlit-folium's frame loads (`static/js/main.<hash>.js`…),
    read from its build's index.html (not imported here: a page's first run declares it); none
    when it cannot be read."""
    spec = importlib.util.find_spec("streamlit_folium")
    if spec is None or not spec.submodule_search_locations:
        return []
    try:
        index = (Path(spec.submodule_search_locations[0]) / "frontend" / "build" / "index.html").read_text()
    except OSError:
        return []
    return re.findall(r'(?:src|href)="\./(static/[^"]+\.(?:js|css))"', index)
