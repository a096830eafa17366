"""The review map at scale: canvas points, heatmap, out-of-zone highlight; text inert."""

from __future__ import annotations

import pandas as pd
import pytest

from diagnostics import maps
from tests.maps.samples import PAYLOAD, html_of, sample_layers


def points(n: int = 3, *, outside: bool = False, status: str = "nouvelle") -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": range(1, n + 1),
            "lon": [5.59 + i * 1e-4 for i in range(n)],
            "lat": [47.445] * n,
            "severity": [1 + i % 4 for i in range(n)],
            "category": ["eclairage"] * n,
            "status": [status] * n,
            "observed_on": ["2026-09-15"] * n,
            "commune_insee": ["70279"] * n,
        }
    )
    if outside:
        frame["outside"] = [i % 2 == 0 for i in range(n)]
    return frame


def base(name: str = "Gray"):
    layers = sample_layers(name=name)
    return maps.prepare_base(layers.communes, layers.sectors, layers.patrol_zones, layers.sites)


def test_the_map_has_every_layer_and_a_max_zoom():
    m = maps.build_review_map(base(), maps.points_payload(points()))
    html = html_of(m)
    assert m.options["max_zoom"] == 18
    assert "L.PsqPoints" in html and html.count("L.geoJSON(") == 3
    for name in ("Communes", "Zones de patrouille", "Secteurs", "Observations"):
        assert f'"{name}"' in html or f"'{name}'" in html or name in html
    assert "leaflet-heat" not in html


def test_the_heatmap_is_added_on_request_from_the_local_asset():
    data = maps.heat_data(points(5))
    assert data[0] == [47.445, 5.59, 0.25]
    html = html_of(maps.build_review_map(base(), maps.points_payload(points(5)), heat=data))
    assert "L.heatLayer(" in html and "/app/static/vendor/folium/templates/leaflet_heat.min.js" in html
    assert "cdn.jsdelivr" not in html


def test_out_of_zone_observations_are_highlighted_with_a_legend():
    payload = maps.points_payload(points(4, outside=True))
    html = html_of(maps.build_review_map(base(), payload, highlight_outside=True))
    assert "highlightOutside: true" in html and "Hors zone de patrouille" in html


def test_names_in_reference_layers_are_inert():
    html = html_of(maps.build_review_map(base(name=PAYLOAD), maps.points_payload(points())))
    assert "<script>alert" not in html and "${alert" not in html and "`${" not in html


@pytest.mark.parametrize("empty", [True, False])
def test_an_empty_selection_still_builds(empty):
    frame = points(0) if empty else points(1)
    m = maps.build_review_map(base(), maps.points_payload(frame), bounds=maps.points_bounds(frame))
    assert "L.PsqPoints" in html_of(m)


def test_the_legend_explains_status_areas_and_site_symbols():
    html = html_of(maps.build_review_map(base(), maps.points_payload(points())))
    for text in ("Gravité", "Ouverte", "Traitée ou classée", "Zones de patrouille", "Secteurs", "Kiosque", "Brigade"):
        assert text in html, text
    assert "Commissariat" in html


def test_commune_names_are_drawn_by_zoom():
    html = html_of(maps.build_review_map(base(), maps.points_payload(points())))
    assert "psq-commune-label" in html and '["Gray",' in html


def test_a_click_on_a_point_is_returned_as_its_number():
    assert maps.clicked_observation("N° 42") == 42
    assert maps.clicked_observation("Groupe de contact de Gray") is None
    assert maps.clicked_observation(None) is None
