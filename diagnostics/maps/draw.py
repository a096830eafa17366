"""Leaflet.draw's tools with their texts in French (assets/draw_fr.js sets `L.drawLocal`)."""

from __future__ import annotations

import folium
from folium.plugins import Draw

from diagnostics.maps.base import ResourceCall


def add_draw_tools(m: folium.Map, draw_options: dict, *, edit: bool = False) -> Draw:
    """The draw toolbar (top left) with `draw_options` (Leaflet.draw's), editing and removal
    when `edit`; every text in French. Drawn shapes are what streamlit-folium returns."""
    m.add_child(ResourceCall("draw_fr.js"), name="psq_draw_fr")  # before the toolbar is made
    tools = Draw(
        position="topleft",
        show_geometry_on_click=False,
        draw_options=draw_options,
        edit_options={"edit": edit, "remove": edit},
    )
    tools.add_to(m)
    return tools
