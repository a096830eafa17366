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
