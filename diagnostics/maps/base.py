"""The map every builder starts from: no default tiles (offline first), canvas rendering, a
metric scale bar, the panes, and the pieces that put scripts in the page."""

from __future__ import annotations

import json
from collections.abc import Iterable

import folium
import geopandas as gpd
from branca.element import Element, MacroElement
from folium.map import CustomPane
from jinja2 import Template

from diagnostics.crs import WGS84
from diagnostics.maps import resources, styles
from diagnostics.maps.escaping import escape_text
from diagnostics.tiles.sources import TileSource

MAX_ZOOM = 18  # tiles=None leaves no maxZoom, which the heatmap and fitting need
DEFAULT_VIEW = ([47.3, 5.9], 8)  # Haute-Saône and Jura
# The French titles of Leaflet's own controls (assets/french_controls.js).
CONTROL_TEXTS = {
    "zoomIn": "Zoom avant",
    "zoomOut": "Zoom arrière",
    "layers": "Couches",
    "leaflet": "Leaflet : bibliothèque JavaScript de cartes interactives",
}


class Text(Element):
    """Text put in the page as it is."""

    _template = Template("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self._name = "Text"
        self.text = text


class ScriptAsText(MacroElement):
    """Adds its rendered script to the page as text.

    branca's MacroElement wraps each rendered script in `Element(script)`, which compiles it as
    a Jinja template again: about 0.15 s for megabytes of observations, and a `{{` in the data
    would be read as Jinja. Only the script is concerned; these elements have no header nor html.
    """

    def render(self, **kwargs):
        script = self._template.module.__dict__.get("script")
        if script is not None:
            self.get_root().script.add_child(Text(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class ResourceCall(ScriptAsText):
    """Calls the function of a package script (`assets/<name>`, an expression `(function (map, …) {…})`)
    with the map and JSON arguments."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.call(this._parent.get_name()) }}{% endmacro %}")

    def __init__(self, resource: str, *args, raw_args: tuple[str, ...] = ()):
        super().__init__()
        self._name = "ResourceCall"
        self.resource = resource
        self.arguments = [json.dumps(a, ensure_ascii=False, separators=(",", ":")) for a in args] + list(raw_args)

    def call(self, map_name: str) -> str:
        body = resources.text(self.resource).strip().rstrip(";")
        return f"{body}({', '.join([map_name, *self.arguments])});"


class Stylesheet(MacroElement):
    """A package stylesheet, once per page."""

    _template = Template("{% macro header(this, kwargs) %}<style>{{ this.css }}</style>{% endmacro %}")

    def __init__(self, resource: str):
        super().__init__()
        self._name = f"Stylesheet_{resource.replace('.', '_')}"
        self.css = resources.text(resource)


def add_stylesheet(m: folium.Map, resource: str) -> None:
    key = f"psq_css_{resource}"
    if key not in m._children:
        m.add_child(Stylesheet(resource), name=key)


def base_map(tiles: Iterable[TileSource] = ()) -> folium.Map:
    """A map without default tiles (offline first), drawn on canvas, with a scale bar in metres.

    `tiles` are the basemaps of PSQ_TILES (`config.tile_sources()`); the app's own tile file is
    served at a root-relative URL, which the map's iframe resolves against the app's origin."""
    m = folium.Map(location=DEFAULT_VIEW[0], zoom_start=DEFAULT_VIEW[1], tiles=None, prefer_canvas=True)
    m.add_child(
        ResourceCall("french_controls.js", CONTROL_TEXTS), name="psq_french_controls"
    )  # first: before any control
    m.add_child(ResourceCall("metric_scale.js"), name="psq_metric_scale")
    m.add_child(ResourceCall("focus_without_scroll.js"), name="psq_focus_without_scroll")
    for source in tiles:
        tile_layer(source).add_to(m)
    return m


def tile_layer(source: TileSource) -> folium.TileLayer:
    """A Leaflet tile layer for `source`: enlarged past its last level, only where it has tiles."""
    options = {}
    if source.bounds is not None:
        west, south, east, north = source.bounds
        options["bounds"] = [[south, west], [north, east]]
    if source.local:
        options["min_native_zoom"] = source.min_zoom
    return folium.TileLayer(
        tiles=source.url,
        attr=escape_text(source.attribution),
        name=source.name,
        max_zoom=19,
        max_native_zoom=source.max_native_zoom,
        **options,
    )


def add_embedded_tiles(
    m: folium.Map, tiles: dict[str, str], *, attribution: str, zooms: tuple[int, ...], bounds: tuple
) -> None:
    """A basemap carried by the page itself: `tiles` maps "z/x/y" to a data: URI (see
    tiles.offline.embedded_tiles), at levels `zooms`, over `bounds` (west, south, east, north)."""
    if not tiles:
        return
    west, south, east, north = bounds
    options = {
        "attribution": escape_text(attribution),
        "minNativeZoom": min(zooms),
        "maxNativeZoom": max(zooms),
        "maxZoom": MAX_ZOOM + 1,
        "bounds": [[south, west], [north, east]],
    }
    m.add_child(ResourceCall("embedded_tiles.js", tiles, options), name="psq_embedded_tiles")


def add_pane(m: folium.Map, pane: tuple[str, int], *, clickable: bool = True) -> str:
    """Create the pane (once per map) and return its name, for a layer's `pane` option."""
    name, z_index = pane
    key = f"psq_pane_{name}"
    if key not in m._children:
        m.add_child(CustomPane(name, z_index=z_index, pointer_events=clickable), name=key)
    return name


def bounds_of(frame: gpd.GeoDataFrame | None) -> tuple[float, float, float, float] | None:
    """West, south, east, north in WGS84, or None for nothing."""
    if frame is None or frame.empty:
        return None
    west, south, east, north = (float(v) for v in frame.to_crs(WGS84).total_bounds)
    return west, south, east, north


def fit_to(
    m: folium.Map, where: gpd.GeoDataFrame | tuple[float, float, float, float] | None, max_zoom: int | None = None
) -> None:
    """Frame the map on a frame or (west, south, east, north), keeping clear of the legend, at
    most at `max_zoom` when given.

    Run it after the legend is added: it measures the legend in the browser."""
    bounds = where if isinstance(where, tuple) or where is None else bounds_of(where)
    if bounds is None:
        return
    west, south, east, north = bounds
    open_size, folded_size = styles.LEGEND_EXPECTED_PX
    expected = [open_size, folded_size, *styles.LEGEND_FOLD_BELOW_PX] if "psq_legend" in m._children else None
    m._children.pop("psq_fit_view", None)  # framed once, after everything else
    fit = ResourceCall("fit_view.js", [[south, west], [north, east]], 10, expected, max_zoom)
    m.add_child(fit, name="psq_fit_view")


def extent_of(*frames: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    """The first frame that is not empty."""
    for frame in frames:
        if frame is not None and not frame.empty:
            return frame
    return None
