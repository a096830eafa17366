"""folium builders: GeoDataFrames in, `folium.Map` out. No database, no Streamlit, no service.

One module per job:

- `escaping`    user text made inert (HTML, innerHTML, JS template literals), popup cards
- `resources`   the package's JavaScript and CSS files (assets/), read as package resources
- `styles`      colours, area styles, popup fields, site symbols, layer names, panes
- `base`        the base map (offline, canvas, metric scale), panes, framing, script elements
- `legend`      legends: gravité, open or treated, zones, sectors, sites; choropleth classes
- `layers`      communes and their names, sectors, zones, sites, observations, dispositifs
- `draw`        Leaflet.draw tools in French
- `canvas`      observations at scale: the packed payload and the canvas layer
- `review`      the commanders' map
- `field`       the field-entry map (Saisie terrain) and its reference context
- `admin`       the administrators' maps: import preview, drawing, dispositifs
- `cameras`     cameras' fields of view: the coverage layer, the camera editing map
- `mayor`       the mayor's map of one commune (offline HTML snapshot)
- `choropleth`  communes coloured by a rate

The names below are the package's public API; import them from here or from their module.
"""

from diagnostics.maps.admin import build_dispositifs_map, build_import_preview_map, build_reference_edit_map
from diagnostics.maps.base import add_embedded_tiles, base_map, bounds_of, fit_to, tile_layer
from diagnostics.maps.cameras import add_camera_coverage, build_camera_edit_map, coverage_geojson
from diagnostics.maps.canvas import clicked_observation, points_payload, unpack_payload
from diagnostics.maps.choropleth import FEW_OBSERVATIONS, build_choropleth
from diagnostics.maps.escaping import card, escape_text
from diagnostics.maps.field import add_field_context, build_field_map, field_overlay
from diagnostics.maps.layers import (
    add_communes,
    add_dispositifs,
    add_observations,
    add_patrol_zones,
    add_sectors,
    add_sites,
)
from diagnostics.maps.legend import add_severity_legend
from diagnostics.maps.mayor import build_commune_snapshot_map
from diagnostics.maps.review import Base, build_review_map, heat_data, points_bounds, prepare_base
from diagnostics.maps.styles import LAYER_NAMES, SITE_SYMBOLS

__all__ = [
    "LAYER_NAMES",
    "SITE_SYMBOLS",
    "FEW_OBSERVATIONS",
    "Base",
    "add_camera_coverage",
    "add_communes",
    "add_embedded_tiles",
    "add_dispositifs",
    "add_field_context",
    "add_observations",
    "add_patrol_zones",
    "add_sectors",
    "add_severity_legend",
    "add_sites",
    "base_map",
    "bounds_of",
    "build_camera_edit_map",
    "build_choropleth",
    "build_commune_snapshot_map",
    "build_dispositifs_map",
    "build_field_map",
    "field_overlay",
    "build_import_preview_map",
    "build_reference_edit_map",
    "build_review_map",
    "card",
    "clicked_observation",
    "coverage_geojson",
    "escape_text",
    "fit_to",
    "heat_data",
    "points_bounds",
    "points_payload",
    "prepare_base",
    "tile_layer",
    "unpack_payload",
]
