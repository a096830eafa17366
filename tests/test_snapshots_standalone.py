"""One-file HTML maps: every script and stylesheet inlined, nothing fetched from elsewhere."""

from __future__ import annotations

import folium
import pytest

from diagnostics.assets import AssetNotAvailable, assets_installed
from diagnostics.maps import base_map
from diagnostics.snapshots.standalone import external_references, inline_assets

pytestmark = pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")


def test_a_map_becomes_one_file_without_external_references():
    m = base_map()
    folium.CircleMarker([47.44, 5.59], radius=5, popup=folium.Popup("Gray")).add_to(m)
    page = inline_assets(m)
    assert external_references(page) == []
    assert "L.map(" in page and "jQuery" in page  # Leaflet and jQuery are in the file
    assert "data:image/png;base64," in page  # Leaflet's control images, from its stylesheet
    assert "fa-solid-900" not in page  # Font Awesome is left out when no folium.Icon needs it


def test_an_icon_brings_its_font_inlined():
    m = base_map()
    folium.Marker([47.44, 5.59], icon=folium.Icon(icon="flag", prefix="fa")).add_to(m)
    page = inline_assets(m)
    assert external_references(page) == [] and "data:font/woff2;base64," in page


def test_an_asset_without_local_copy_is_refused():
    m = base_map()
    m.default_js = [*m.default_js, ("unknown", "https://cdn.example.org/unknown.js")]
    with pytest.raises(AssetNotAvailable, match="unknown.js"):
        inline_assets(m)


def test_external_references_sees_attributes_and_css_urls():
    page = (
        '<html><head><link rel="stylesheet" href="https://cdn.example.org/a.css">'
        "<style>.x{background:url('http://example.org/i.png')}</style></head>"
        '<body><img src="//example.org/b.png"><div style="background:url(data:image/png;base64,AA)"></div>'
        "<script>var s = '<img src=\"https://in.a.string\">';</script></body></html>"
    )
    assert sorted(external_references(page)) == [
        "//example.org/b.png",
        "http://example.org/i.png",
        "https://cdn.example.org/a.css",
    ]
