"""Map builders: layers present, user text inert in the HTML."""

from __future__ import annotations

import datetime as dt
import re

import folium
import geopandas as gpd
from shapely.geometry import Point, box

from diagnostics import maps

PAYLOAD = "<script>alert('x')</script> `${alert(document.cookie)}` \\u0060 </div>"


def frame(rows, geometries):
    return gpd.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")


def sample_layers(description: str = "Candélabre éteint", name: str = "Gray") -> maps.CommandLayers:
    communes = frame(
        [{"insee": "70279", "name": name, "department": "70", "population": 5500}], [box(5.55, 47.42, 5.63, 47.47)]
    )
    sectors = frame(
        [{"name": "Quartier de l'île", "kind": "quartier", "source": "tracé", "approximate": True}],
        [box(5.590, 47.443, 5.595, 47.447)],
    )
    zones = frame(
        [{"name": "Groupe de contact de Gray", "unit": "BTA", "schedule": "Lundi–samedi"}],
        [box(5.58, 47.44, 5.60, 47.45)],
    )
    sites = frame(
        [
            {"name": "Brigade de Gray", "kind": "brigade", "address": None},
            {"name": "Kiosque Oasis III", "kind": "kiosque", "address": "Pusey"},
        ],
        [Point(5.59, 47.446), Point(5.595, 47.444)],
    )
    observations = frame(
        [
            {
                "id": 1,
                "category": "eclairage",
                "severity": 3,
                "status": "nouvelle",
                "observed_on": dt.date(2026, 9, 15),
                "description": description,
                "recommendation": description,
                "partner": description,
                "place": description,
                "commune_name": name,
                "team_name": description,
            }
        ],
        [Point(5.5925, 47.4452)],
    )
    return maps.CommandLayers(communes, sectors, zones, sites, observations)


def rendered(m) -> str:
    return m.get_root().render()


def test_escape_text_neutralises_html_and_template_literals():
    escaped = maps.escape_text(PAYLOAD)
    assert not set("<>`$\\") & set(escaped)
    assert escaped.startswith("&lt;script&gt;alert(&#x27;x&#x27;)")
    assert maps.escape_text(None) == ""


def test_the_command_map_has_every_layer_and_the_legend():
    html = rendered(maps.build_command_map(sample_layers()))
    for name in ("Communes", "Secteurs", "Zones de patrouille", "Sites et points de contact", "Observations"):
        assert name in html
    assert "psq-legend" in html and "Critique" in html
    assert "psq-site-kiosque" in html and "psq-site-brigade" in html


def test_hostile_text_in_every_field_is_inert_in_the_map_html():
    html = rendered(maps.build_command_map(sample_layers(description=PAYLOAD, name=PAYLOAD)))
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
    html = rendered(maps.build_command_map(layers))
    assert "<script>alert" not in html and "${alert" not in html


def test_the_field_map_shows_the_point_being_placed():
    layers = sample_layers()
    html = rendered(maps.build_field_map(layers.communes, layers.observations, pending=(47.4455, 5.5930)))
    assert "Point à enregistrer" in html and "47.4455" in html


def test_no_tiles_by_default_and_online_tiles_on_request():
    assert "tile.openstreetmap.org" not in rendered(maps.build_command_map(sample_layers()))
    html = rendered(maps.build_command_map(sample_layers(), tiles=("osm", "ign")))
    assert "tile.openstreetmap.org" in html and "PLANIGNV2" in html


def test_line_observations_are_drawn_as_lines_in_their_own_layer():
    from shapely.geometry import LineString

    layers = sample_layers()
    shapes = layers.observations.set_geometry([LineString([(5.5925, 47.4452), (5.5940, 47.4460)])])
    m = maps.base_map()
    maps.add_observations(m, shapes, name=maps.LAYER_NAMES["shapes"])
    folium.LayerControl().add_to(m)  # the layer's name shows in the control, as on the real map
    folium_html = rendered(m)
    assert "LineString" in folium_html and "des observations (lignes, zones)" in folium_html
