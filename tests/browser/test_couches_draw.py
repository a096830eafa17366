"""The Couches de référence page in Chromium, offline: the drawing map shows the reference layers
and the drawing tools; a polygon drawn on it becomes a patrol zone with its attributes."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser


def test_a_polygon_drawn_on_the_map_becomes_a_patrol_zone(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 1000})
    log_in(page, demo_app, "admin.psq")
    go_to(page, "Couches de référence")
    page.get_by_role("tab", name="Dessiner et modifier").click()
    wait_until_idle(page)
    iframe = page.locator("iframe[title='streamlit_folium.st_folium'] >> visible=true").first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    frame = iframe.content_frame
    expect(frame.locator(".leaflet-draw-draw-rectangle")).to_be_visible(timeout=TIMEOUT_MS)
    expect(frame.locator(".leaflet-draw-draw-polygon")).to_be_visible()
    container = frame.locator(".leaflet-container")
    box = container.bounding_box()
    x, y = box["width"] / 2, box["height"] / 2 + 100  # south of Vesoul, clear of the other zones
    wait_until_idle(page)
    frame.locator(".leaflet-draw-draw-polygon").click()
    # Leaflet.draw shows its tooltip once the tool listens for clicks: only then place vertices.
    expect(frame.locator(".leaflet-draw-tooltip")).to_be_visible(timeout=TIMEOUT_MS)
    for dx, dy in ((-40, -30), (40, -30), (40, 30), (-40, 30), (-40, -30)):
        container.click(position={"x": x + dx, "y": y + dy})
        page.wait_for_timeout(300)
    # Closing the ring ends the tool: its tooltip goes away, then the app answers.
    expect(frame.locator(".leaflet-draw-tooltip")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_text("Forme dessinée : polygone.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("textbox", name="Nom").fill("Zone dessinée au navigateur")
    page.get_by_role("textbox", name="Unité").fill("Groupe VTT de Vesoul")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("« Zone dessinée au navigateur » ajouté.")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(Path("/tmp/e2e_couches.png")), full_page=True)
    assert network_log.problems() == []
