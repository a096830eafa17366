"""Map layers: every layer present, user text inert in the HTML, shapes drawn as shapes."""

from __future__ import annotations

import json
import re

import folium
from shapely.geometry import LineString

from diagnostics import maps
from diagnostics.maps.layers import observation_style
from diagnostics.tiles.sources import parse_tiles
from tests.maps.samples import PAYLOAD, rendered, review_map_of, sample_layers


def test_the_command_map_has_every_layer_and_the_legend():
    html = rendered(review_map_of(sample_layers()))
    for name in ("Communes", "Secteurs", "Zones de patrouille", "Sites et points de contact", "Observations"):
        assert name in html
    assert "psq-legend" in html and "Critique" in html
    assert "psq-site-kiosque" in html and "psq-site-brigade" in html


def test_hostile_text_in_every_field_is_inert_in_the_map_html():
    html = rendered(review_map_of(sample_layers(description=PAYLOAD, name=PAYLOAD)))
    assert "<script>alert" not in html
    assert "${alert" not in html
    assert "`${" not in html
    assert "alert(document.cookie)" in html  # shown as text, not dropped
    # Every occurrence sits behind the escaped `$` (as an entity, itself JSON-encoded in GeoJSON data).
    shown = re.findall(r"(.{11})\{alert\(document\.cookie\)", html)
    assert shown and all(prefix.endswith(("&#36;", "\\u0026#36;")) for prefix in shown)


def test_hostile_site_names_are_inert_in_marker_popups_and_tooltips():
    layers = sample_layers()
    layers.sites.loc[0, "name"] = PAYLOAD
    html = rendered(review_map_of(layers))
    assert "<script>alert" not in html and "${alert" not in html


def test_no_tiles_by_default_and_online_tiles_on_request():
    assert "tile.openstreetmap.org" not in rendered(review_map_of(sample_layers()))
    html = rendered(review_map_of(sample_layers(), tiles=parse_tiles("osm,ign")))
    assert "tile.openstreetmap.org" in html and "PLANIGNV2" in html


def test_line_observations_are_drawn_as_lines_in_their_own_layer():
    layers = sample_layers()
    shapes = layers.observations.set_geometry([LineString([(5.5925, 47.4452), (5.5940, 47.4460)])])
    m = maps.base_map()
    maps.add_observations(m, shapes, name=maps.LAYER_NAMES["shapes"])
    folium.LayerControl().add_to(m)  # the layer's name shows in the control, as on the real map
    folium_html = rendered(m)
    assert "LineString" in folium_html and "des observations (lignes, zones)" in folium_html


def test_areas_share_one_popup_on_every_map():
    """The zone card is the same on the commanders', the mayor's and the administrators' maps."""
    layers = sample_layers()
    review = rendered(review_map_of(layers))
    mayor = rendered(
        maps.build_commune_snapshot_map(
            layers.communes,
            layers.communes.iloc[0:0],
            layers.observations,
            layers.sectors,
            layers.patrol_zones,
            layers.sites,
        )
    )
    admin = rendered(
        maps.build_reference_edit_map(layers.communes, layers.sectors, layers.patrol_zones, layers.sites, layer="zones")
    )
    card = maps.card("Groupe de contact de Gray", [("Unité", "BTA"), ("Horaires", "Lundi–samedi"), ("Source", "tracé")])
    encoded = json.dumps(card)[1:-1]  # as GeoJSON text carries it
    for html in (review, mayor, admin):
        assert encoded in html


def test_areas_are_drawn_below_the_observations():
    html = rendered(review_map_of(sample_layers()))
    assert '"psqAreas"' in html and html.count('pane: "psqAreas"') >= 3  # communes, zones, sectors
    assert 'pane: "psqPoints"' in html


def test_treated_observations_are_hollow_with_their_colour():
    point = {"type": "Point"}
    open_one = observation_style({"geometry": point, "properties": {"color": "#e31a1c", "radius": 10, "open": True}})
    treated = observation_style({"geometry": point, "properties": {"color": "#e31a1c", "radius": 10, "open": False}})
    assert open_one["fillColor"] == "#e31a1c" and treated["fillColor"] == "#ffffff"
    assert treated["color"] == "#e31a1c"


def test_sites_are_small_at_low_zoom_and_under_the_observations():
    from diagnostics.maps import styles

    html = rendered(review_map_of(sample_layers()))
    # Half size below zoom 12 (the département's view), full size from 12 on.
    assert ".psq-sites-small .psq-site > div { scale: 0.5; }" in html
    assert re.search(r"psq-sites-small.*\}\)\(map_\w+, 12\);", html, re.S)
    assert styles.SITES_FULL_SIZE_FROM_ZOOM == 12
    # Drawn in their pane, below the observations' canvas.
    assert '"pane": "psqSites"' in html
    assert styles.SITES_PANE[1] < styles.POINTS_PANE[1]
    assert re.search(r'pane: "psqPoints",\s*zIndex: 450', html)
