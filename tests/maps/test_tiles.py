"""Every interactive map loads the app's own tiles when PSQ_TILES names a tile file, and no
outside host: the tile layer's URL is root-relative, the assets are the app's (localize)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from diagnostics import maps
from diagnostics.tiles.sources import parse_tiles
from tests.maps.samples import html_of, review_map_of, sample_layers
from tests.tilefiles import sample_tiles, write_mbtiles

URL = re.compile(r"""https?://[^\s"'`)<>]+""")


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    path = write_mbtiles(tmp_path_factory.mktemp("maps") / "territoire.mbtiles", sample_tiles(zooms=range(10, 12)))
    return parse_tiles(str(path), "© IGN <b>test</b>")


def outside_hosts(html: str) -> set[str]:
    """Hosts the page would contact (leaving out XML namespaces and Leaflet's own credits link)."""
    allowed = ("www.w3.org", "leafletjs.com")
    return {url.split("/")[2] for url in URL.findall(html) if url.split("/")[2] not in allowed}


def test_maps_use_the_apps_tile_url_and_no_outside_host(local):
    layers = sample_layers()
    values = pd.DataFrame(
        {"observations": [3], "pour 1 000 habitants": [2.5]}, index=pd.Index([layers.communes["insee"].iloc[0]])
    )
    built = {
        "commandement": review_map_of(layers, tiles=local),
        "saisie": maps.build_field_map(layers.communes, layers.observations, tiles=local, draw=True, locate=True),
        "couches": maps.build_reference_edit_map(
            layers.communes, layers.sectors, layers.patrol_zones, layers.sites, layer="zones", tiles=local
        ),
        "dispositifs": maps.build_dispositifs_map(
            layers.communes, layers.communes.iloc[0:0].assign(kind=[], since=[], commune_name=[]), tiles=local
        ),
        "analyse": maps.build_choropleth(
            layers.communes, values, column="pour 1 000 habitants", legend="x", tiles=local
        ),
    }
    for name, m in built.items():
        html = html_of(m)
        assert '"/tiles/{z}/{x}/{y}.png"' in html, name
        assert '"maxNativeZoom": 11' in html and '"minNativeZoom": 10' in html, name
        assert r"IGN \u0026lt;b\u0026gt;test" in html and "<b>test" not in html, name  # credit escaped
        assert outside_hosts(html) == set(), name


def test_online_sources_stay_as_they_were():
    html = html_of(review_map_of(sample_layers(), tiles=parse_tiles("osm")))
    assert outside_hosts(html) == {"tile.openstreetmap.org"}
