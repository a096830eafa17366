"""The field-entry map (Saisie terrain): the diagnostic's commune, its observations, the point
or shape being placed, draw tools and « Ma position », and the reference layers for context."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd

from diagnostics.crs import WGS84
from diagnostics.maps import layers, legend, styles
from diagnostics.maps.base import ResourceCall, base_map, fit_to
from diagnostics.maps.draw import add_draw_tools
from diagnostics.tiles.sources import TileSource

FIELD_DRAW_OPTIONS = {
    "polyline": {"shapeOptions": {"color": "#000000", "weight": 5}},
    "polygon": {"allowIntersection": False, "shapeOptions": {"color": "#000000"}},
    "rectangle": False,
    "circle": False,
    "marker": False,
    "circlemarker": False,
}


def build_field_map(
    commune: gpd.GeoDataFrame,
    observations: gpd.GeoDataFrame | None = None,
    *,
    pending: tuple[float, float] | None = None,
    tiles: Iterable[TileSource] = (),
    pending_shape=None,
    draw: bool = False,
    locate: bool = False,
    context: dict[str, gpd.GeoDataFrame] | None = None,
) -> folium.Map:
    """The field-entry map: the diagnostic's commune, its observations, the point being placed.

    `pending_shape` (a shapely line or polygon) is the drawn shape about to be saved; `draw` adds
    the line and polygon tools (a tap while drawing places a vertex, not the point); `locate`
    adds the « Ma position » button; `context` (keys sectors, zones, sites, communes — any may
    be left out) adds the reference layers under the commune's outline (see `add_field_context`).
    The page passes the observations and what is being placed as `field_overlay` instead. On
    phones the map never traps the page's scrolling: no wheel zoom, and one finger scrolls the
    page while two fingers pan and zoom.
    """
    m = base_map(tiles)
    m.options["scrollWheelZoom"] = False
    m.add_child(ResourceCall("phone_gestures.js"), name="psq_phone_gestures")
    if context:
        add_field_context(m, **context)
    layers.add_communes(m, commune, highlight=True)
    add_work_in_progress(m, observations, pending=pending, pending_shape=pending_shape)
    if draw:
        add_draw_tools(m, FIELD_DRAW_OPTIONS)
        m.add_child(ResourceCall("draw_guard.js"), name="psq_draw_guard")
    if locate:
        m.add_child(ResourceCall("locate.js"), name="psq_locate")
    fit_to(m, commune)
    return m


def field_overlay(
    observations: gpd.GeoDataFrame | None, *, pending: tuple[float, float] | None = None, pending_shape=None
) -> folium.FeatureGroup:
    """What changes while the agent works: the diagnostic's observations and the point or shape
    being placed. Handed to st_folium as `feature_group_to_add`, it is redrawn without rebuilding
    the map, so the view (zoom, centre) and a shape half drawn survive every tap and save."""
    group = folium.FeatureGroup(name=styles.LAYER_NAMES["pending"], control=False)
    add_work_in_progress(group, observations, pending=pending, pending_shape=pending_shape)
    return group


def add_work_in_progress(
    parent: folium.Map | folium.FeatureGroup,
    observations: gpd.GeoDataFrame | None,
    *,
    pending: tuple[float, float] | None = None,
    pending_shape=None,
) -> None:
    """The observations already recorded, then the shape or point about to be saved."""
    if observations is not None:
        layers.add_observations(parent, observations)
    if pending_shape is not None and not pending_shape.is_empty:
        folium.GeoJson(
            gpd.GeoSeries([pending_shape], crs=WGS84).to_json(),
            name=styles.LAYER_NAMES["pending"],
            style_function=lambda _f: styles.PENDING_STYLE,
        ).add_to(parent)
    if pending is not None:
        lat, lon = pending
        folium.CircleMarker(
            location=[lat, lon],
            radius=8,
            color="#000000",
            weight=3,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.6,
            tooltip=styles.LAYER_NAMES["pending"],
        ).add_to(parent)


def add_field_context(
    m: folium.Map,
    *,
    sectors: gpd.GeoDataFrame | None = None,
    zones: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    communes: gpd.GeoDataFrame | None = None,
) -> None:
    """Sectors, patrol zones, sites and commune names for the field map, in the areas' pane
    (below the commune outline and the observations) and not clickable: a tap anywhere, even
    inside a zone or on a site, is a tap on the map (the position being placed). A small legend
    (folded on phones) says what they are. Call it before adding the commune's outline."""
    empty = gpd.GeoDataFrame(geometry=[], crs=WGS84)
    zones, sectors, sites = (frame if frame is not None else empty for frame in (zones, sectors, sites))
    layers.add_area_geojson(m, layers.area_geojson(zones, None), "zones", interactive=False)
    layers.add_area_geojson(m, layers.area_geojson(sectors, None), "sectors", interactive=False)
    layers.add_sites(m, sites, interactive=False)
    if communes is not None:
        layers.add_commune_labels(m, layers.commune_label_points(communes))
    sections = [
        legend.section("Couches", legend.area_rows(zones=not zones.empty, sectors=not sectors.empty)),
        legend.section("Sites", legend.site_rows() if not sites.empty else []),
    ]
    if any(sections):
        legend.add_legend(m, sections)
