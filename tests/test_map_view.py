"""The Carte de commandement's view in the URL (`?carte=zoom/lat/lon`): read, written, and the
map opened at it instead of framed on the selection; the legend folded on small maps."""

from __future__ import annotations

import pytest

from diagnostics.ui import map_view
from tests.maps.samples import html_of, points_of, review_map_of, sample_layers


def test_a_view_is_written_as_zoom_lat_lon_and_read_back():
    assert map_view.encode(47.445012345, 5.5922, 14) == "14/47.44501/5.59220"
    assert map_view.decode("14/47.44501/5.59220") == (47.44501, 5.5922, 14)


@pytest.mark.parametrize("raw", [None, "", "14/47.4", "z/47/5", "30/47/5", "14/95/5", "14/47/5/1", "14/nan/5"])
def test_a_view_that_makes_no_sense_is_ignored(raw):
    assert map_view.decode(raw) is None


def test_the_map_opens_at_the_view_of_the_url_and_is_not_framed():
    from diagnostics import maps

    layers = sample_layers()
    base = maps.prepare_base(layers.communes, layers.sectors, layers.patrol_zones, layers.sites)
    payload = maps.points_payload(points_of(layers.observations))
    framed = html_of(maps.build_review_map(base, payload))
    at_view = html_of(maps.build_review_map(base, payload, view=(47.445, 5.5922, 14)))
    assert "fitBounds" in framed and "fitBounds" not in at_view
    assert "[47.445, 5.5922]" in at_view and '"zoom": 14' in at_view


def test_the_legend_starts_folded_on_maps_lower_than_a_laptop_screen():
    from diagnostics.maps import styles

    html = html_of(review_map_of(sample_layers()))
    width, height = styles.LEGEND_FOLD_BELOW_PX
    assert height > 600  # the Carte de commandement's map is 600 px high
    assert f"[{width},{height}]" in html  # legend.js and fit_view.js both know it
    assert "psq-legend-open" in html  # a choice made in the tab is remembered


def test_a_toggle_of_the_heatmap_opens_the_next_map_where_the_person_left_the_last(monkeypatch):
    """At zoom 16 with the heatmap, out to 13, heatmap off: the map opens at 13, not back at 16."""
    from types import SimpleNamespace

    fake = SimpleNamespace(session_state={}, query_params={map_view.PARAM: "16/47.62310/6.15580"})
    monkeypatch.setattr(map_view, "st", fake)
    map_view.follow_mode((False, False, False))
    assert map_view.frozen_view() == (47.6231, 6.1558, 16)
    map_view.follow_mode((True, False, True))  # heatmap on: every point on the map
    assert map_view.opening_view(("filters", True, False)) == (47.6231, 6.1558, 16)
    map_view.remember({"center": {"lat": 47.6, "lng": 6.1}, "zoom": 13})  # zoomed out
    assert map_view.opening_view(("filters", True, False)) == (47.6231, 6.1558, 16)  # same map: same HTML
    map_view.follow_mode((False, False, False))  # heatmap off
    assert map_view.frozen_view() == (47.6, 6.1, 13)
    assert fake.query_params[map_view.PARAM] == "13/47.60000/6.10000"
    map_view.follow_mode((False, False, False))  # a rerun for another reason: the map's HTML stays
    fake.query_params[map_view.PARAM] = "15/47.60000/6.10000"  # the map wrote where it went
    assert map_view.frozen_view() == (47.6, 6.1, 13)


def test_a_few_close_observations_open_on_the_scope_territory():
    from diagnostics.ui.map_view import opening_bounds

    jura = (5.25, 46.26, 6.2, 47.31)
    lons = (5.5546, 46.6741, 5.5551, 46.6745)  # two overlapping points in Lons-le-Saunier
    assert opening_bounds(lons, jura) == jura
    assert opening_bounds(None, jura) == jura
    spread = (5.4, 46.5, 5.9, 47.0)
    assert opening_bounds(spread, jura) == spread


def test_a_fitted_opening_never_zooms_closer_than_15():

    html = html_of(review_map_of(sample_layers()))
    assert "maxZoom: maxZoom || map.getMaxZoom()" in html and ", 15);" in html
