"""Cameras' fields of view on a map: the coverage layer of the commanders' map (off until the
commander ticks it in the layer control) and the camera being edited on the admin map.

Fields of view are areas: they sit in the areas' pane, below the observations, so that a point
inside a camera's view still takes the click. Forces only: the frame comes from
`services.cameras.cameras_frame` (partners never receive it, see diagnostics.redaction).
"""

from __future__ import annotations

import folium
import geopandas as gpd

from diagnostics.crs import WGS84
from diagnostics.maps import styles
from diagnostics.maps.base import add_pane
from diagnostics.maps.escaping import card, escape_text, safe_frame
from diagnostics.maps.layers import PreparedGeoJson


def coverage_geojson(cameras: gpd.GeoDataFrame) -> str:
    """The fields of view as GeoJSON text (escaped tooltip and popup); "" for no camera."""
    if cameras is None or cameras.empty:
        return ""
    views = gpd.GeoDataFrame(cameras.drop(columns="geometry"), geometry=list(cameras["field_of_view"]), crs=WGS84)
    views = views[views.geometry.notna()]
    if views.empty:
        return ""
    tooltip = [f"{escape_text(row['name'])} — {describe(row)}" for _, row in views.iterrows()]
    popup = [card(row["name"], _fields(row)) for _, row in views.iterrows()]
    return safe_frame(views, tooltip=tooltip, popup=popup).to_json()


def describe(row) -> str:
    """« orientation 90°, angle 60°, portée 80 m »."""
    return f"orientation {row['bearing']:.0f}°, angle {row['angle']:.0f}°, portée {row['range_m']:.0f} m"


def _fields(row) -> list[tuple[str, object]]:
    return [
        ("Orientation", f"{row['bearing']:.0f}° depuis le nord"),
        ("Angle de vue", f"{row['angle']:.0f}°"),
        ("Portée", f"{row['range_m']:.0f} m"),
        ("Propriétaire", row.get("owner_name")),
        ("Champ de vision", "dessiné à la main" if row.get("drawn") else "calculé"),
        ("Source", row.get("source")),
    ]


def add_camera_coverage(m: folium.Map, data: str, *, show: bool = False) -> None:
    """Prepared coverage GeoJSON as a layer of the layer control, hidden on opening unless `show`."""
    if not data:
        return
    pane = add_pane(m, styles.AREAS_PANE)
    layer = PreparedGeoJson(data, styles.LAYER_NAMES["cameras"], styles.CAMERA_VIEW_STYLE, popup=True, pane=pane)
    layer.show = show
    layer.add_to(m)


def add_edited_view(m: folium.Map, view) -> None:
    """The field of view of the camera being edited (dashed), always shown."""
    if view is None or view.is_empty:
        return
    folium.GeoJson(
        gpd.GeoSeries([view], crs=WGS84).to_json(),
        name="Champ de vision modifié",
        style_function=lambda _f: styles.CAMERA_EDIT_STYLE,
        interactive=False,
    ).add_to(m)


def build_camera_edit_map(
    communes: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    editing: str | None = None,
    tiles=(),
) -> folium.Map:
    """The administrators' camera map: sites (cameras as « C »), every field of view, the camera
    being edited with its view dashed, and the tools: a marker moves (or places) the camera, a
    polygon redraws its field of view by hand."""
    from diagnostics.maps import layers
    from diagnostics.maps.base import base_map, fit_to
    from diagnostics.maps.draw import add_draw_tools

    m = base_map(tiles)
    layers.add_communes(m, communes)
    add_camera_coverage(m, coverage_geojson(cameras), show=True)
    layers.add_sites(m, sites)
    chosen = cameras[cameras["name"] == editing] if editing else cameras.iloc[0:0]
    if not chosen.empty:
        add_edited_view(m, chosen["field_of_view"].iloc[0])
    add_draw_tools(
        m,
        {
            "polyline": False,
            "polygon": {"allowIntersection": False, "showArea": False},
            "rectangle": False,
            "circle": False,
            "marker": {},
            "circlemarker": False,
        },
        edit=True,
    )
    folium.LayerControl(collapsed=True).add_to(m)
    if not chosen.empty:
        focus = gpd.GeoDataFrame(geometry=[chosen["field_of_view"].iloc[0].buffer(0.002)], crs=WGS84)
    elif not cameras.empty:
        focus = gpd.GeoDataFrame(geometry=list(cameras["field_of_view"]), crs=WGS84)
    else:
        focus = communes if not communes.empty else None
    fit_to(m, focus)
    return m
