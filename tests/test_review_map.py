"""The review map at scale: canvas points, heatmap, out-of-zone highlight, choropleth; text inert."""

from __future__ import annotations

import pandas as pd
import pytest

from diagnostics import assets, review_map
from tests.test_maps import PAYLOAD, sample_layers


def points(n: int = 3, *, outside: bool = False) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "id": range(1, n + 1),
            "lon": [5.59 + i * 1e-4 for i in range(n)],
            "lat": [47.445] * n,
            "severity": [1 + i % 4 for i in range(n)],
            "category": ["eclairage"] * n,
            "status": ["nouvelle"] * n,
            "observed_on": ["2026-09-15"] * n,
            "commune_insee": ["70279"] * n,
        }
    )
    if outside:
        frame["outside"] = [i % 2 == 0 for i in range(n)]
    return frame


def base(name: str = "Gray"):
    layers = sample_layers(name=name)
    return review_map.prepare_base(layers.communes, layers.sectors, layers.patrol_zones, layers.sites)


def html_of(m) -> str:
    assets.localize(m, "/app/static/vendor")
    return m.get_root().render()


def test_the_payload_is_compact_arrays_with_escaped_labels():
    payload = review_map.unpack_payload(review_map.points_payload(points(4, outside=True)))
    assert payload["n"] == 4 and list(payload["id"]) == [1, 2, 3, 4] and list(payload["sev"]) == [1, 2, 3, 4]
    assert payload["lat"][0] == 4744500 and list(payload["out"]) == [1, 0, 1, 0] and list(payload["cat"]) == [0] * 4
    assert payload["day"][0] == (pd.Timestamp("2026-09-15") - pd.Timestamp("1970-01-01")).days
    assert payload["labels"]["cat"][0] == "Éclairage"
    assert "Nuisances et sentiment d&#x27;insécurité" in payload["labels"]["cat"]  # escaped like every label


def test_the_map_has_every_layer_and_a_max_zoom():
    m = review_map.build_review_map(base(), review_map.points_payload(points()))
    html = html_of(m)
    assert m.options["max_zoom"] == 18
    assert "L.PsqPoints" in html and html.count("L.geoJSON(") == 3
    for name in ("Communes", "Zones de patrouille", "Secteurs", "Observations"):
        assert f'"{name}"' in html or f"'{name}'" in html or name in html
    assert "leaflet-heat" not in html


def test_the_heatmap_is_added_on_request_from_the_local_asset():
    data = review_map.heat_data(points(5))
    assert data[0] == [47.445, 5.59, 0.25]
    html = html_of(review_map.build_review_map(base(), review_map.points_payload(points(5)), heat=data))
    assert "L.heatLayer(" in html and "/app/static/vendor/folium/templates/leaflet_heat.min.js" in html
    assert "cdn.jsdelivr" not in html


def test_out_of_zone_observations_are_highlighted_with_a_legend():
    payload = review_map.points_payload(points(4, outside=True))
    html = html_of(review_map.build_review_map(base(), payload, highlight_outside=True))
    assert "highlightOutside: true" in html and "Hors zone de patrouille" in html


def test_names_in_reference_layers_are_inert():
    html = html_of(review_map.build_review_map(base(name=PAYLOAD), review_map.points_payload(points())))
    assert "<script>alert" not in html and "${alert" not in html and "`${" not in html


@pytest.mark.parametrize("empty", [True, False])
def test_an_empty_selection_still_builds(empty):
    frame = points(0) if empty else points(1)
    m = review_map.build_review_map(base(), review_map.points_payload(frame), bounds=review_map.points_bounds(frame))
    assert "L.PsqPoints" in html_of(m)
