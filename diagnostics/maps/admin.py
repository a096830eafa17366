"""The administrators' maps (Couches de référence): an import's preview, drawing and editing
reference layers, and the communes' dispositifs."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd

from diagnostics.crs import WGS84
from diagnostics.maps import layers, styles
from diagnostics.maps.base import base_map, bounds_of, extent_of, fit_to
from diagnostics.maps.draw import add_draw_tools
from diagnostics.maps.escaping import escape_text, safe_frame
from diagnostics.tiles.sources import TileSource


def build_import_preview_map(
    communes: gpd.GeoDataFrame, rows: gpd.GeoDataFrame, *, tiles: Iterable[TileSource] = ()
) -> folium.Map:
    """What an import would write: valid rows in green, repaired in orange (rejected ones have no
    usable geometry and are listed in the report instead). The wheel scrolls the page past the
    preview, as on the field map: it does not zoom."""
    m = base_map(tiles)
    m.options["scrollWheelZoom"] = False
    layers.add_communes(m, communes)
    kept = rows[rows["statut"].isin(list(styles.IMPORT_STATUS_COLOURS)) & rows.geometry.notna()]
    if not kept.empty:
        labels = kept.get("name", kept.get("category", kept["ligne"]))
        tooltip = [
            f"{escape_text(n)} — {escape_text(s)} (ligne {int(r)})"
            for n, s, r in zip(labels, kept["statut"], kept["ligne"], strict=True)
        ]
        colours = [styles.IMPORT_STATUS_COLOURS[s] for s in kept["statut"]]
        folium.GeoJson(
            safe_frame(kept, tooltip=tooltip, colour=colours).to_json(),
            name="Aperçu de l'import",
            style_function=lambda f: {"color": f["properties"]["colour"], "weight": 3, "fillOpacity": 0.3},
            marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.8),
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(m)
    fit_to(m, _at_least(bounds_of(kept), PREVIEW_MIN_SPAN) if not kept.empty else None)
    return m


PREVIEW_MIN_SPAN = 0.02  # degrees (about 2 km): a few points close together stay in their streets


def _at_least(bounds, span: float):
    """`bounds` grown around their centre to `span` degrees each way, at least."""
    west, south, east, north = bounds
    x, y = (west + east) / 2, (south + north) / 2
    half_x, half_y = max((east - west) / 2, span / 2), max((north - south) / 2, span / 2)
    return (x - half_x, y - half_y, x + half_x, y + half_y)


def build_reference_edit_map(
    communes: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    layer: str,
    editing=None,
    tiles: Iterable[TileSource] = (),
) -> folium.Map:
    """The administrators' drawing map: the reference layers, the object being edited (dashed),
    and the drawing tools for `layer` (polygon and rectangle for zones and sectors, marker for sites)."""
    m = base_map(tiles)
    layers.add_communes(m, communes)
    layers.add_patrol_zones(m, zones)
    layers.add_sectors(m, sectors)
    layers.add_sites(m, sites)
    if editing is not None and not editing.is_empty:
        folium.GeoJson(
            gpd.GeoSeries([editing], crs=WGS84).to_json(),
            name="Objet modifié",
            style_function=lambda _f: styles.EDITING_STYLE,
        ).add_to(m)
    polygon = layer != "sites"
    add_draw_tools(
        m,
        {
            "polyline": False,
            # showArea off: leaflet-draw 1.0.4 throws "type is not defined" while measuring a rectangle.
            "polygon": {"allowIntersection": False, "showArea": False} if polygon else False,
            "rectangle": {"showArea": False} if polygon else False,
            "circle": False,
            "marker": {} if not polygon else False,
            "circlemarker": False,
        },
        edit=True,
    )
    folium.LayerControl(collapsed=True).add_to(m)
    focus = gpd.GeoDataFrame(geometry=[editing], crs=WGS84) if editing is not None else extent_of(zones, sectors)
    fit_to(m, focus)
    return m


def build_dispositifs_map(
    communes: gpd.GeoDataFrame, dispositifs: gpd.GeoDataFrame, *, tiles: Iterable[TileSource] = ()
) -> folium.Map:
    m = base_map(tiles)
    layers.add_communes(m, communes)
    layers.add_dispositifs(m, dispositifs)
    folium.LayerControl(collapsed=False).add_to(m)
    fit_to(m, communes if not communes.empty else None)
    return m
