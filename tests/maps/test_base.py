"""The base map and the package's own scripts: metric scale, package resources, French drawing."""

from __future__ import annotations

import tomllib
from pathlib import Path

from diagnostics import maps
from diagnostics.maps import resources
from tests.maps.samples import html_of, review_map_of, sample_layers

REPO = Path(__file__).resolve().parents[2]


def test_scale_bars_are_in_metres_only_on_every_map():
    layers = sample_layers()
    built = [
        maps.base_map(),
        maps.build_field_map(layers.communes, layers.observations),
        maps.build_dispositifs_map(
            layers.communes, layers.communes.iloc[0:0].assign(kind=[], since=[], commune_name=[])
        ),
    ]
    for m in built:
        html = html_of(m)
        assert "L.control.scale({imperial: false" in html
        assert "L.control.scale()" not in html
        assert "preventScroll: true" in html  # a click does not scroll the page under the pointer


def test_scripts_are_package_resources_declared_for_packaging():
    assert {"canvas_points.js", "locate.js", "draw_fr.js", "legend.css"} <= set(resources.names())
    assert "L.PsqPoints" in resources.text("canvas_points.js")
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "assets/*.js" in package_data["diagnostics.maps"] and "assets/*.css" in package_data["diagnostics.maps"]


def test_draw_tools_speak_french_wherever_they_are_used():
    layers = sample_layers()
    for m in (
        maps.build_field_map(layers.communes, layers.observations, draw=True),
        maps.build_reference_edit_map(
            layers.communes, layers.sectors, layers.patrol_zones, layers.sites, layer="zones"
        ),
    ):
        html = html_of(m)
        assert "L.drawLocal" in html and "Tracer une ligne" in html and "Terminer" in html
        assert html.index("L.drawLocal") < html.index("new L.Control.Draw(")


def test_leaflet_controls_speak_french_on_every_map():
    layers = sample_layers()
    for m in (
        maps.base_map(),
        review_map_of(layers),
        maps.build_field_map(layers.communes, layers.observations, draw=True),
        maps.build_reference_edit_map(
            layers.communes, layers.sectors, layers.patrol_zones, layers.sites, layer="zones"
        ),
    ):
        html = html_of(m)
        french = html.index('"zoomIn":"Zoom avant"')
        assert '"layers":"Couches"' in html and "setPrefix" in html
        # Run right after the map is made: before any control (layers, draw, legend) is added.
        created = html.index("= L.map(")
        assert created < french
        for control in ("L.control.layers(", "new L.Control.Draw(", "new Legend()"):
            if control in html:
                assert french < html.index(control)
