"""Serve folium's JavaScript and CSS from the app itself instead of CDNs.

Police intranets have no internet, so a map may only load files that the app serves:
`make assets` installs the pinned files of assets.lock into static/vendor/, and Streamlit
serves them at /app/static/vendor/ (`[server] enableStaticServing`). `localize()` points a
map and every element in it at those files, and refuses anything it has no local copy of.

Call it last, on the finished map, right before `st_folium`:

    st_folium(localize(m), ...)

The URL is root-relative: the map runs inside streamlit-folium's component iframe, served
by the same Streamlit server, so "/app/static/..." resolves against the app's own origin.
Behind `server.baseUrlPath` use `localize(m, vendor_url())`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import branca.colormap
import folium
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from jinja2 import Template

BASE_URL = "/app/static/vendor"
REPO_ROOT = Path(__file__).resolve().parent.parent
LOCK_PATH = REPO_ROOT / "assets.lock"
STAMP_NAME = ".installed.json"  # written by scripts/fetch_assets.py

# Every CDN URL that folium 0.20 puts in default_js/default_css of the elements we use,
# mapped to its file under static/vendor, or to None when we deliberately leave it out.
# Keyed by URL, not by folium's asset name: names are not unique (BoatMarker calls its
# script "markerclusterjs"), and a folium upgrade that changes a URL must be reviewed here.
LOCAL_FILES: dict[str, str | None] = {
    # folium.Map
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": "leaflet/dist/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": "leaflet/dist/leaflet.css",
    # folium's Popup builds its content with $(`...`), so no jQuery means no map at all.
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    # folium.Icon is drawn by Leaflet.awesome-markers with Font Awesome glyphs.
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        "leaflet.awesome-markers/dist/leaflet.awesome-markers.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    # No folium element we use needs Bootstrap: without it popups and controls look the same
    # (Leaflet's own CSS styles them). Glyphicons and the rotation CSS only serve folium.Icon
    # with prefix="glyphicon" or an odd angle, which _check_element refuses.
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": None,
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": None,
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": None,
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": None,
    # plugins.MarkerCluster (folium asks for 1.1.0; 1.5.3 keeps the same API)
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js": (
        "leaflet.markercluster/dist/leaflet.markercluster.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css": (
        "leaflet.markercluster/dist/MarkerCluster.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css": (
        "leaflet.markercluster/dist/MarkerCluster.Default.css"
    ),
    # plugins.HeatMap: folium's own patched copy (npm's leaflet.heat 0.2.0 ignores weights)
    "https://cdn.jsdelivr.net/gh/python-visualization/folium@main/folium/templates/leaflet_heat.min.js": (
        "folium/templates/leaflet_heat.min.js"
    ),
    # plugins.Draw
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.js": "leaflet-draw/dist/leaflet.draw.js",
    "https://cdnjs.cloudflare.com/ajax/libs/leaflet.draw/1.0.2/leaflet.draw.css": "leaflet-draw/dist/leaflet.draw.css",
    # plugins.Fullscreen
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js": (
        "leaflet.fullscreen/Control.FullScreen.js"
    ),
    "https://cdn.jsdelivr.net/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css": (
        "leaflet.fullscreen/Control.FullScreen.css"
    ),
}

LEAFLET_IMAGES = "leaflet/dist/images/"

# Rotations that Font Awesome's own CSS provides (fa-rotate-N); others need folium's CSS.
_FA_ROTATIONS = {0, 90, 180, 270}


class AssetNotAvailable(Exception):
    """The map needs a script or stylesheet that the app does not serve itself."""


def localize(m: folium.Map, base_url: str = BASE_URL) -> folium.Map:
    """Point the map and all its elements at local copies of their JS/CSS; return the map.

    Only this map's elements change (instance attributes), never folium's classes. Files no
    element of this map uses are left out (`unused_files`), and each URL carries the version of
    assets.lock (`?v=`), so a browser may keep them as long as the lock does not change.
    Raises AssetNotAvailable naming the asset when something has no local copy, so no CDN
    URL can reach a page. Run it after the last element is added and before rendering.
    """
    base = base_url.rstrip("/")
    elements = list(_walk(m))
    unused = unused_files(elements)
    for element in elements:
        _check_element(element)
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if links:
                setattr(element, attr, _localized(links, base, type(element).__name__, unused))
    _check_rendered_header(m, base)
    _set_icon_image_path(m, f"{base}/{LEAFLET_IMAGES}")
    return m


def unused_files(elements: list[Element]) -> tuple[str, ...]:
    """The files of static/vendor (prefixes) that folium asks for but none of `elements` uses.

    Every folium.Map asks for jQuery, Leaflet.awesome-markers and Font Awesome: jQuery only
    serves folium.Popup (not maps.popup.Popup) and a map's objects kept in front; the other two only serve folium.Icon.
    On the Carte they were two scripts of four, loaded one after the other before the map drew
    (streamlit-folium waits for each), and 24 KB of stylesheets."""
    unused = []
    if not any(isinstance(element, folium.Icon) for element in elements):
        unused += ["@fortawesome/fontawesome-free/", "leaflet.awesome-markers/"]
    keeps_in_front = any(getattr(element, "objects_to_stay_in_front", None) for element in elements)
    with_jquery = [e for e in elements if isinstance(e, folium.Popup) and getattr(e, "uses_jquery", True)]
    if not keeps_in_front and not with_jquery:
        unused.append("jquery/")
    return tuple(unused)


@functools.cache
def version() -> str:
    """The version of the installed files: a digest of assets.lock, put in their URLs (`?v=`)."""
    return hashlib.sha256(LOCK_PATH.read_bytes()).hexdigest()[:12]


def vendor_url() -> str:
    """The URL of static/vendor as seen from the browser, honouring server.baseUrlPath."""
    import streamlit as st

    prefix = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{prefix}{BASE_URL}" if prefix else BASE_URL


def vendor_dir() -> Path:
    """Where `make assets` installs the files (served at /app/static/vendor)."""
    return REPO_ROOT / "static" / "vendor"


def assets_installed() -> bool:
    """True when static/vendor holds every file of the current assets.lock."""
    try:
        stamp = json.loads((vendor_dir() / STAMP_NAME).read_text())
        lock_hash = hashlib.sha256(LOCK_PATH.read_bytes()).hexdigest()
    except (OSError, ValueError):
        return False
    if stamp.get("lock_sha256") != lock_hash:
        return False
    return all((vendor_dir() / path).is_file() for path in stamp.get("files", {}))


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _localized(
    links: list[tuple[str, str]], base: str, owner: str, unused: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    result = []
    for name, url in links:
        if url.startswith(base + "/"):  # already localized
            result.append((name, url))
        elif url not in LOCAL_FILES:
            raise AssetNotAvailable(
                f"{owner} needs {name!r} from {url}, which the app does not serve: add it to "
                "assets.lock and LOCAL_FILES in diagnostics/assets.py, or do without it."
            )
        elif LOCAL_FILES[url] is not None and not LOCAL_FILES[url].startswith(unused):
            result.append((name, f"{base}/{LOCAL_FILES[url]}?v={version()}"))
    return result


def _check_element(element: Element) -> None:
    if isinstance(element, branca.colormap.ColorMap):
        raise AssetNotAvailable(
            "branca colormap legend: streamlit-folium loads d3 from a CDN for it; "
            "draw the legend with Streamlit instead."
        )
    if isinstance(element, folium.Icon):
        if element.options.get("prefix") == "glyphicon":
            raise AssetNotAvailable(
                f"folium.Icon(icon={element.options.get('icon')!r}) uses Bootstrap 3 "
                "glyphicons, which are not served: pass prefix='fa' and a Font Awesome icon."
            )
        angle = element.options.get("extra_classes", "fa-rotate-0").removeprefix("fa-rotate-")
        if not angle.lstrip("-").isdigit() or int(angle) not in _FA_ROTATIONS:
            raise AssetNotAvailable(
                f"folium.Icon angle {angle}: only 0, 90, 180 and 270 work without folium's "
                "rotation stylesheet (leaflet.awesome.rotate.css), which is not served."
            )


class _IconImagePath(MacroElement):
    """Tells Leaflet where its default marker images are, before any marker is made.

    Left alone, Leaflet guesses from leaflet.css; streamlit-folium creates the markers
    before that stylesheet has loaded, and the fallback guess drops "images/" (404s).
    """

    _template = Template(
        "{% macro script(this, kwargs) %}L.Icon.Default.imagePath = {{ this.path|tojson }};{% endmacro %}"
    )

    def __init__(self, path: str):
        super().__init__()
        self._name = "IconImagePath"
        self.path = path


def _set_icon_image_path(m: folium.Map, path: str) -> None:
    key = "psq_icon_image_path"
    m.add_child(_IconImagePath(path), name=key)
    m._children.move_to_end(key, last=False)  # children's scripts run in this order


def _check_rendered_header(m: folium.Map, base: str) -> None:
    """A map rendered before localize() keeps its CDN links in the page header."""
    for child in m.get_root().header._children.values():
        if isinstance(child, (JavascriptLink, CssLink)) and not child.url.startswith(base + "/"):
            raise AssetNotAvailable(
                f"the map was rendered before localize(): its page still links {child.url}; "
                "call localize() before rendering."
            )
