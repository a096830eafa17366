"""localize() keeps every script and stylesheet of a map on the app's own server."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import tarfile
from pathlib import Path

import branca.colormap
import folium
import pytest
from folium import plugins

from diagnostics.assets import (
    BASE_URL,
    LOCAL_FILES,
    LOCK_PATH,
    AssetNotAvailable,
    assets_installed,
    localize,
    vendor_dir,
)

POLYGON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"nom": "Centre"},
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[6.14, 47.61], [6.17, 47.61], [6.17, 47.63], [6.14, 47.61]]],
            },
        }
    ],
}


def make_map(**map_kwargs) -> folium.Map:
    """A map with every kind of layer and plugin the app uses."""
    m = folium.Map(location=(47.62, 6.155), zoom_start=13, tiles=None, **map_kwargs)
    folium.GeoJson(POLYGON, popup=folium.GeoJsonPopup(["nom"]), tooltip=folium.GeoJsonTooltip(["nom"])).add_to(m)
    folium.CircleMarker((47.62, 6.15), popup=folium.Popup("Observation"), tooltip="t").add_to(m)
    cluster = plugins.MarkerCluster(name="Sites").add_to(m)
    folium.Marker((47.621, 6.151), icon=folium.Icon(icon="house", prefix="fa")).add_to(cluster)
    folium.Marker((47.622, 6.152), icon=folium.DivIcon(html="<b>K</b>")).add_to(m)
    plugins.HeatMap([(47.62, 6.15, 2.0), (47.63, 6.16, 1.0)]).add_to(m)
    plugins.Draw().add_to(m)
    plugins.Fullscreen().add_to(m)
    folium.LayerControl().add_to(m)
    return m


def linked_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)


def declared_urls(m: folium.Map) -> list[str]:
    """What streamlit-folium loads: default_js/default_css of every element in the tree."""
    urls, stack = [], [m]
    while stack:
        element = stack.pop()
        for attr in ("default_js", "default_css"):
            urls += [url for _, url in getattr(element, attr, [])]
        stack += element._children.values()
    return urls


def test_localized_page_only_links_base_url():
    html = localize(make_map()).get_root().render()

    links = linked_urls(html)
    assert len(links) == 14
    assert all(url.startswith(BASE_URL + "/") for url in links), links
    assert re.findall(r"https?://", html) == []


def test_localized_elements_declare_only_base_url():
    urls = declared_urls(localize(make_map()))

    assert urls and all(url.startswith(BASE_URL + "/") for url in urls), urls


def test_absolute_base_url():
    base = "http://127.0.0.1:8501/psq/app/static/vendor/"

    html = localize(make_map(), base).get_root().render()

    assert all(url.startswith(base) for url in linked_urls(html))
    assert f'L.Icon.Default.imagePath = "{base}leaflet/dist/images/"' in html


def test_dropped_assets_are_not_linked():
    html = localize(make_map()).get_root().render()

    assert "bootstrap" not in html
    assert "glyphicons" not in html
    assert "awesome.rotate" not in html


def test_folium_classes_are_left_alone():
    before = (list(folium.Map.default_js), list(plugins.MarkerCluster.default_css))

    localize(make_map())

    assert (folium.Map.default_js, plugins.MarkerCluster.default_css) == before
    assert "https://" in folium.Map().get_root().render()


def test_localize_twice_is_harmless():
    m = localize(make_map())
    first = declared_urls(m)

    assert declared_urls(localize(m)) == first


def test_unknown_asset_raises_naming_it():
    m = make_map()
    plugins.MiniMap().add_to(m)

    with pytest.raises(AssetNotAvailable, match=r"MiniMap needs 'Control_MiniMap_js' from https://"):
        localize(m)


def test_glyphicon_icon_raises():
    m = make_map()
    folium.Marker((47.62, 6.15), icon=folium.Icon(icon="info-sign")).add_to(m)

    with pytest.raises(AssetNotAvailable, match="prefix='fa'"):
        localize(m)


@pytest.mark.parametrize(("angle", "ok"), [(0, True), (90, True), (270, True), (45, False)])
def test_icon_angles(angle, ok):
    m = make_map()
    folium.Marker((47.62, 6.15), icon=folium.Icon(icon="car", prefix="fa", angle=angle)).add_to(m)

    if ok:
        localize(m)
    else:
        with pytest.raises(AssetNotAvailable, match="angle 45"):
            localize(m)


def test_colormap_raises():
    m = make_map()
    branca.colormap.LinearColormap(["green", "red"], vmin=0, vmax=1).add_to(m)

    with pytest.raises(AssetNotAvailable, match="d3"):
        localize(m)


def test_map_rendered_before_localize_raises():
    m = make_map()
    m.get_root().render()

    with pytest.raises(AssetNotAvailable, match="rendered before localize"):
        localize(m)


def test_every_local_file_is_pinned_in_the_lock():
    lock = json.loads(LOCK_PATH.read_text())
    pinned = {f"{pkg['name']}/{path}" for pkg in lock["packages"] for path in pkg["files"]}

    needed = {path for path in LOCAL_FILES.values() if path} | {
        "leaflet/dist/images/marker-icon.png",
        "leaflet/dist/images/marker-shadow.png",
    }
    assert needed <= pinned, needed - pinned


def test_local_files_are_installed():
    if not vendor_dir().is_dir() or not assets_installed():
        pytest.fail(f"{vendor_dir()} is missing or out of date: run `make assets`")
    missing = [p for p in LOCAL_FILES.values() if p and not (vendor_dir() / p).is_file()]
    assert missing == [], "run `make assets`"


# scripts/fetch_assets.py: extraction must never write outside static/vendor.


def load_fetch_assets():
    path = Path(__file__).resolve().parent.parent / "scripts" / "fetch_assets.py"
    spec = importlib.util.spec_from_file_location("fetch_assets", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", ["../evil.js", "/etc/passwd", "a/../../b", "a\\b", ""])
def test_lock_paths_must_stay_inside(path):
    fetch_assets = load_fetch_assets()

    with pytest.raises(fetch_assets.AssetError, match="unsafe path"):
        fetch_assets.safe_relpath(path)


def test_extract_refuses_links_and_reports_missing(tmp_path):
    fetch_assets = load_fetch_assets()
    tarball = tmp_path / "pkg.tgz"
    with tarfile.open(tarball, "w:gz") as tar:
        data = b"ok"
        member = tarfile.TarInfo("package/dist/a.js")
        member.size = len(data)
        tar.addfile(member, io.BytesIO(data))
        link = tarfile.TarInfo("package/dist/b.js")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)

    assert fetch_assets.extract_listed(tarball, ["dist/a.js"], "pkg") == {"dist/a.js": b"ok"}
    with pytest.raises(fetch_assets.AssetError, match="not a regular file"):
        fetch_assets.extract_listed(tarball, ["dist/b.js"], "pkg")
    with pytest.raises(fetch_assets.AssetError, match="not in the tarball: dist/c.js"):
        fetch_assets.extract_listed(tarball, ["dist/c.js"], "pkg")


def _scripts_and_styles(m: folium.Map) -> list[str]:
    return linked_urls(localize(m).get_root().render())


def test_a_map_links_only_the_files_its_elements_use():
    """jQuery serves folium.Popup (and objects kept in front), awesome-markers and Font Awesome
    serve folium.Icon: a map without them does not make the browser load them one by one."""
    plain = folium.Map(location=(47.62, 6.155), zoom_start=13, tiles=None)
    folium.CircleMarker((47.62, 6.15), tooltip="t").add_to(plain)
    folium.GeoJson(POLYGON, popup=folium.GeoJsonPopup(["nom"])).add_to(plain)  # no jQuery in it
    urls = _scripts_and_styles(plain)
    assert any("leaflet/dist/leaflet.js" in url for url in urls)
    assert not [url for url in urls if "jquery" in url or "awesome" in url or "fontawesome" in url]

    popup = folium.Map(location=(47.62, 6.155), zoom_start=13, tiles=None)
    folium.CircleMarker((47.62, 6.15), popup=folium.Popup("Observation")).add_to(popup)
    urls = _scripts_and_styles(popup)
    assert any("jquery" in url for url in urls) and not any("awesome" in url for url in urls)

    icon = folium.Map(location=(47.62, 6.155), zoom_start=13, tiles=None)
    folium.Marker((47.621, 6.151), icon=folium.Icon(icon="house", prefix="fa")).add_to(icon)
    urls = _scripts_and_styles(icon)
    assert any("leaflet.awesome-markers.js" in url for url in urls)
    assert any("fontawesome-free/css/all.min.css" in url for url in urls)
    assert not any("jquery" in url for url in urls)


def test_every_local_url_carries_the_lock_s_version():
    """A browser may keep the files as long as assets.lock is the same: a new lock, new URLs."""
    import hashlib

    version = hashlib.sha256(LOCK_PATH.read_bytes()).hexdigest()[:12]
    urls = [url for url in _scripts_and_styles(make_map()) if url.startswith(BASE_URL)]
    assert urls and all(url.endswith(f"?v={version}") for url in urls)


def test_the_app_s_popups_need_no_jquery():
    """maps.popup.Popup hands Leaflet its HTML as a string: no jQuery on the page."""
    from diagnostics.maps.escaping import card
    from diagnostics.maps.popup import Popup

    m = folium.Map(location=(47.62, 6.155), zoom_start=13, tiles=None)
    folium.Marker((47.62, 6.15), popup=Popup(card("Kiosque `Oasis III` ${x}", [("Type", "contact")]))).add_to(m)
    page = localize(m).get_root().render()
    assert not any("jquery" in url for url in linked_urls(page))
    assert "$(" not in page and ".setContent(`<div" in page
    assert "&#96;Oasis III&#96; &#36;{x}" in page  # the content stays inert in its template literal
    with pytest.raises(ValueError):
        Popup("x", lazy=True)
