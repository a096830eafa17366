"""The app serves its own street tiles (PSQ_TILES = a PMTiles file made by the test) and the
maps show them in Chromium, with no request leaving 127.0.0.1: the Carte de commandement at
1366×768 and Saisie terrain on a phone at 390×844."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from diagnostics.services.exports import commune_snapshot
from tests.browser.conftest import demo_server
from tests.browser.ui import TIMEOUT_MS, choose, log_in, map_frame
from tests.conftest import GRAY, make_diagnostic, make_observation
from tests.tilefiles import sample_tiles, write_pmtiles

pytestmark = pytest.mark.browser
FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"
LOADED = "img.leaflet-tile-loaded"


@pytest.fixture(scope="module")
def tiles_app(tmp_path_factory):
    path = write_pmtiles(tmp_path_factory.mktemp("tiles") / "territoire.pmtiles", sample_tiles())
    with demo_server(tmp_path_factory, {"PSQ_TILES": str(path)}) as server:
        yield server


def tile_requests(network_log) -> list[str]:
    return [url for url in network_log.requests if urlsplit(url).path.startswith("/tiles/")]


def test_the_commanders_map_shows_the_apps_tiles(tiles_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, tiles_app.url, "commandant.70")
    iframe, frame = map_frame(page)
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    leaflet = iframe.element_handle().content_frame()
    leaflet.evaluate(f"{FIND_MAP}.setView([47.4465, 5.5935], 14) && true")  # the person zooms on Gray
    expect(frame.locator(f"{LOADED}[src*='/tiles/14/']").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert frame.locator(f"{LOADED}[src*='/tiles/14/']").count() >= 6
    assert frame.get_by_text("Tuiles de test PSQ").count() == 1  # the credit under the map
    requested = tile_requests(network_log)
    assert requested and all(urlsplit(url).hostname == "127.0.0.1" for url in requested)
    page.screenshot(path="/tmp/tiles_commandement_1366.png")
    assert network_log.problems() == []


@pytest.mark.phone
def test_saisie_terrain_on_a_phone_shows_the_apps_tiles(tiles_app, browser_page, network_log):
    page = browser_page
    log_in(page, tiles_app.url, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    iframe.scroll_into_view_if_needed()
    expect(frame.locator(LOADED).first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    sources = frame.locator(LOADED).evaluate_all("images => images.map(i => i.src)")
    assert sources and all(urlsplit(src).path.startswith("/tiles/") for src in sources)
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in tile_requests(network_log))
    page.screenshot(path="/tmp/tiles_saisie_390.png")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert network_log.problems() == []


def test_the_mayors_html_map_shows_its_embedded_tiles_offline(
    browser_page, network_log, db, admin, team_id, tmp_path, monkeypatch
):
    monkeypatch.setenv("PSQ_TILES", str(write_pmtiles(tmp_path / "territoire.pmtiles", sample_tiles())))
    make_observation(db, make_diagnostic(db, team_id), description="Candélabre éteint", shareable=True)
    path = tmp_path / "gray.html"
    path.write_bytes(commune_snapshot(db, admin, GRAY[0], "html"))
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.context.set_offline(True)  # opened from an e-mail, no network at all
    page.goto(path.as_uri())
    expect(page.locator(f"{LOADED}[src^='data:image/png;base64']").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    assert page.locator(f"{LOADED}[src^='data:image/png;base64']").count() >= 4
    assert all(url.startswith(("file:", "data:")) for url in network_log.requests)
    page.screenshot(path="/tmp/tiles_snapshot_offline_1366.png")
    page.set_viewport_size({"width": 390, "height": 844})  # read on a phone
    page.wait_for_timeout(1000)
    assert page.locator(f"{LOADED}[src^='data:image/png;base64']").count() >= 2
    page.screenshot(path="/tmp/tiles_snapshot_offline_390.png")
