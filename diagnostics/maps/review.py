"""The commanders' review map at scale (100,000 observations): reference layers prepared once,
observations on one canvas above them, optional heatmap, lines and polygons with their shape.

The reference layers are prepared once (`prepare_base`) so that a change of filter only
rebuilds the observations.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium.plugins import HeatMap
from folium.template import Template

from diagnostics.maps import layers, legend, styles
from diagnostics.maps.alerts import add_sent_alerts
from diagnostics.maps.base import MAX_ZOOM, ResourceCall, ScriptAsText, add_stylesheet, base_map, fit_to
from diagnostics.maps.cameras import add_camera_coverage, coverage_geojson
from diagnostics.maps.canvas import CanvasPoints
from diagnostics.tiles.sources import TileSource

FOLLOW_UP_HINT = "Suivi affiché sous la carte."
OPENING_MAX_ZOOM = 15  # a fitted opening view never closer: a few close points keep their streets around
GESTURE_TEXTS = {  # assets/scroll_guard.js
    "touch": "Utilisez deux doigts pour déplacer la carte.",
    "wheel": "Cliquez sur la carte pour zoomer avec la molette.",
}


@dataclass(frozen=True)
class Base:
    """Reference layers as ready-made GeoJSON (prepared once, reused for every filter)."""

    communes: str  # GeoJSON text, properties: tooltip (escaped)
    sectors: str  # … tooltip, popup (escaped)
    zones: str
    sites: gpd.GeoDataFrame
    bounds: tuple[float, float, float, float]  # west, south, east, north of the communes
    labels: list = field(default_factory=list)  # commune names (layers.commune_label_points)
    cameras: str = ""  # fields of view, GeoJSON text (maps.cameras.coverage_geojson); forces only


def prepare_base(
    communes: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame | None = None,
) -> Base:
    """Escape and serialise the reference layers once."""
    west, south, east, north = (float(v) for v in communes.total_bounds) if not communes.empty else (5, 46, 7, 48)
    return Base(
        communes=layers.area_geojson(communes, None),
        sectors=layers.area_geojson(sectors, styles.SECTOR_FIELDS),
        zones=layers.area_geojson(zones, styles.ZONE_FIELDS),
        sites=sites,
        bounds=(west, south, east, north),
        labels=layers.commune_label_points(communes),
        cameras=coverage_geojson(cameras),
    )


HEAT_RADIUS, HEAT_BLUR = 14, 18  # pixels, for points (viewport.js widens them for cells)


def build_review_map(
    base: Base,
    payload: str | None,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    heat: list[list[float]] | None = None,
    highlight_outside: bool = False,
    shapes: gpd.GeoDataFrame | None = None,
    dispositifs: gpd.GeoDataFrame | None = None,
    tiles: Iterable[TileSource] = (),
    view: tuple[float, float, int] | None = None,
    alerts: gpd.GeoDataFrame | None = None,
    viewport: dict | None = None,
) -> folium.Map:
    """The commanders' map: areas in a lower pane, observations on a canvas above them (a click
    on one returns « N° <id> »), lines and polygons of `shapes` with their shape, optional
    heatmap and dispositifs, commune names, the legend. It opens at `view` (lat, lon, zoom)
    when given (a reload, a bookmark), framed on `bounds` otherwise.

    `viewport` (maps.viewport.view_options): the map fetches each view from the app's route
    (assets/viewport.js) and `payload` may be None; the points layer starts empty."""
    m = base_map(tiles)
    m.options["max_zoom"] = MAX_ZOOM
    # Never traps the page's scrolling: two fingers move it on a phone, the wheel zooms once clicked.
    m.add_child(ResourceCall("phone_gestures.js"), name="psq_phone_gestures")
    m.add_child(ResourceCall("scroll_guard.js", GESTURE_TEXTS), name="psq_scroll_guard")
    add_stylesheet(m, "viewport.css")
    if view is not None:
        m.location, m.options["zoom"] = [view[0], view[1]], view[2]
    # With the viewport, reference layers come from the app's route: the browser keeps them, and
    # the map's HTML (sent again at every run of the page) stays small.
    url, version = (viewport or {}).get("referenceUrl", ""), (viewport or {}).get("referenceVersion", 0)

    def reference(kind: str) -> str:  # the version in the address: a change rebuilds the map
        return f"{url}/{kind}?v={version}" if url else ""

    layers.add_area_geojson(m, base.communes, "communes", url=reference("communes"))
    if dispositifs is not None and not dispositifs.empty:
        layers.add_dispositifs(m, dispositifs)
    layers.add_area_geojson(m, base.zones, "zones", url=reference("zones"))
    layers.add_area_geojson(m, base.sectors, "sectors", url=reference("sectors"))
    add_camera_coverage(m, base.cameras)  # issue 17: off until ticked in the layer control
    add_sent_alerts(m, alerts)  # issue 16: area, date and text of the alerts sent
    layers.add_commune_labels(m, [] if url else base.labels, from_layer=bool(url))  # with the communes
    layers.add_sites(m, base.sites)
    if heat:
        add_heatmap(m, heat)
    if shapes is not None and not shapes.empty:
        layers.add_observations(m, shapes, name=styles.LAYER_NAMES["shapes"])
    points = CanvasPoints(payload or "null", highlight_outside=highlight_outside, follow_up_hint=FOLLOW_UP_HINT)
    points.add_to(m)
    if viewport is not None:
        # The heatmap too comes from the route (viewport.js fills it, weighted from the cells or
        # the points of each view): this layer, empty and off, only brings its script.
        route_heat = add_heatmap(m, [], show=False, control=False)
        raw = (points.get_name(), route_heat.get_name())
        m.add_child(ResourceCall("viewport.js", viewport, raw_args=raw), name="psq_viewport")
    # The route's map circles the points outside the zones whenever the page's switch asks it to.
    outside = highlight_outside or viewport is not None
    legend.add_observation_legend(
        m, zones=bool(base.zones), sectors=bool(base.sectors), sites=not base.sites.empty, outside=outside
    )
    folium.LayerControl(collapsed=True).add_to(m)
    if view is None:
        fit_to(m, bounds or base.bounds, max_zoom=OPENING_MAX_ZOOM)
    return m


def heat_data(points: pd.DataFrame) -> list[list[float]]:
    """[lat, lon, weight] per observation, weighted by gravité (4 counts four times 1)."""
    if points.empty:
        return []
    values = np.column_stack(
        (
            np.round(points["lat"].to_numpy(dtype=float), 5),
            np.round(points["lon"].to_numpy(dtype=float), 5),
            points["severity"].to_numpy(dtype=float) / 4.0,
        )
    )
    return values.tolist()


def points_bounds(points: pd.DataFrame) -> tuple[float, float, float, float] | None:
    if points.empty:
        return None
    lon, lat = points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


class FastHeatMap(HeatMap, ScriptAsText):
    """folium's HeatMap (same local asset), fed pre-validated data as one JSON string.

    HeatMap validates every point in Python, which costs about a second at 100,000 points.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.heatLayer(
                {{ this.data_json }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[float]], **kwargs):
        super().__init__([[0.0, 0.0]], **kwargs)
        self.data = data
        self.data_json = json.dumps(data, separators=(",", ":"))

    def _get_self_bounds(self):
        return [[None, None], [None, None]]


def add_heatmap(m: folium.Map, heat: list[list[float]], **layer) -> FastHeatMap:
    options = {"radius": HEAT_RADIUS, "blur": HEAT_BLUR, "min_opacity": 0.35, "max_zoom": 13, **layer}
    return FastHeatMap(heat, name=styles.LAYER_NAMES["heat"], **options).add_to(m)
