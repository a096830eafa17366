"""Maps of the alerts: the compose map (draw a zone, click a point, see the targeted area) and the
layer of alerts sent (area, date, text) for the commanders. Pure builders: data in, folium out."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd

from diagnostics.crs import WGS84
from diagnostics.maps import layers
from diagnostics.maps.base import base_map, fit_to
from diagnostics.maps.draw import add_draw_tools
from diagnostics.maps.escaping import card
from diagnostics.maps.popup import Popup
from diagnostics.tiles.sources import TileSource

TARGET_STYLE = {"color": "#c2410c", "weight": 2, "fillColor": "#f97316", "fillOpacity": 0.25}
SENT_STYLE = {"color": "#7c3aed", "weight": 2, "fillColor": "#a78bfa", "fillOpacity": 0.15, "dashArray": "4 4"}


def build_alert_map(
    communes: gpd.GeoDataFrame, *, area=None, draw: bool = False, tiles: Iterable[TileSource] = ()
) -> folium.Map:
    """The communes, the targeted area (orange) when known, and the polygon / rectangle tools."""
    m = base_map(tiles)
    layers.add_communes(m, communes)
    if area is not None and not area.is_empty:
        add_target(m, area)
        fit_to(m, area.bounds)
    else:
        fit_to(m, communes)
    if draw:
        add_draw_tools(
            m,
            {
                "polyline": False,
                "polygon": {"allowIntersection": False, "showArea": False},
                "rectangle": {"showArea": False},
                "circle": False,
                "marker": False,
                "circlemarker": False,
            },
        )
    return m


def add_target(m: folium.Map, area) -> None:
    folium.GeoJson(
        gpd.GeoSeries([area], crs=WGS84).to_json(), name="Zone visée", style_function=lambda _f: TARGET_STYLE
    ).add_to(m)


def add_sent_alerts(m: folium.Map, alerts: gpd.GeoDataFrame) -> None:
    """Alerts sent, for the forces: their area, with date and text in the popup (escaped)."""
    if alerts is None or alerts.empty:
        return
    group = folium.FeatureGroup(name="Alertes envoyées", show=True)
    for row in alerts.itertuples():
        shape = folium.GeoJson(gpd.GeoSeries([row.geometry], crs=WGS84).to_json(), style_function=lambda _f: SENT_STYLE)
        shape.add_child(Popup(card(f"Alerte n° {row.id}", [("Envoyée le", row.sent), ("Texte", row.text)])))
        shape.add_to(group)
    group.add_to(m)
