"""The field map: the point being placed, and the reference layers under the commune outline."""

from __future__ import annotations

from diagnostics import maps
from tests.maps.samples import PAYLOAD, rendered, sample_layers


def test_the_field_map_shows_the_point_being_placed():
    layers = sample_layers()
    html = rendered(maps.build_field_map(layers.communes, layers.observations, pending=(47.4455, 5.5930)))
    assert "Point à enregistrer" in html and "47.4455" in html


def test_the_field_context_sits_below_and_lets_taps_through():
    layers = sample_layers(name=PAYLOAD)
    context = {
        "sectors": layers.sectors,
        "zones": layers.patrol_zones,
        "sites": layers.sites,
        "communes": layers.communes,
    }
    html = rendered(maps.build_field_map(layers.communes, layers.observations, context=context))
    assert html.count('pane: "psqAreas"') == 2 and html.count("interactive: false") >= 2  # zones, sectors
    assert "psq-site-kiosque" in html and '"interactive": false' in html  # sites do not take taps
    assert "psq-commune-label" in html and "<script>alert" not in html
    assert "Zones de patrouille" in html and "Kiosque" in html  # in the legend
    # The commune's outline is drawn above the context (in Leaflet's overlay pane).
    assert html.index('pane: "psqAreas"') < html.rindex("L.geoJSON(")
