"""A localized folium map renders inside st_folium and answers clicks with no network."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

APP = Path(__file__).with_name("offline_map_app.py")
SCREENSHOT = Path("/tmp/offline_map.png")
DRAW_TIMEOUT_MS = 30_000


def test_localized_map_renders_and_answers_clicks(streamlit_server, browser_page, network_log):
    t0 = time.monotonic()
    url = streamlit_server(APP)
    t_server = time.monotonic()

    browser_page.goto(url)
    iframe = browser_page.locator('iframe[title="streamlit_folium.st_folium"]')
    expect(iframe).to_be_visible(timeout=DRAW_TIMEOUT_MS)
    frame = iframe.content_frame
    leaflet = frame.locator(".leaflet-container")
    expect(leaflet).to_be_visible(timeout=DRAW_TIMEOUT_MS)
    # The GeoJson polygon and the CircleMarker are SVG paths; the three markers cluster.
    expect(frame.locator("path.leaflet-interactive")).to_have_count(2, timeout=DRAW_TIMEOUT_MS)
    expect(frame.locator(".marker-cluster")).to_have_count(1)
    expect(frame.locator(".awesome-marker .fa-house")).to_have_count(1)
    assert leaflet.bounding_box()["height"] > 100
    assert iframe.bounding_box()["height"] > 100
    t_drawn = time.monotonic()

    # An empty corner of the map: the click must reach Python as last_clicked.
    expect(browser_page.get_by_text("clicked none")).to_be_visible()
    leaflet.click(position={"x": 40, "y": 400})
    expect(browser_page.get_by_text("clicked 47.")).to_be_visible(timeout=DRAW_TIMEOUT_MS)
    t_clicked = time.monotonic()

    browser_page.screenshot(path=str(SCREENSHOT), full_page=True)
    print(
        f"\nserver ready {t_server - t0:.1f} s, map drawn {t_drawn - t_server:.1f} s, "
        f"click round trip {t_clicked - t_drawn:.1f} s, {len(network_log.requests)} requests"
    )
    assert network_log.problems() == []
    assert any("/app/static/vendor/leaflet/dist/leaflet.js" in u for u in network_log.requests)
