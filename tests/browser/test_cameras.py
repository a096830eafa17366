"""Cameras of Dole's CSU in Chromium (issue 17), offline, at human pace: an administrator turns a
camera on the Couches page and sees its new field of view; a commander ticks the coverage layer on
the Carte de commandement (off until then). Screenshots at 1366x768 and 390x844."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, map_frame, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-cameras")
CAMERA = "CSU Dole — Place Grévy"
VIOLET = "#6a1b9a"  # the fields of view (maps.styles.CAMERA_VIEW_STYLE)
# Leaflet layers drawn in the fields of view's colour, in the map's frame (canvas: no SVG to count)
COUNT_VIEWS_JS = """(colour) => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let n = 0;
    map.eachLayer(l => { if (l.getLatLngs && l.options && l.options.color === colour && map.hasLayer(l)) n++; });
    return n;
}"""
EDITED_VIEW_JS = """() => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    let found = null;
    map.eachLayer(l => { if (l.getLatLngs && l.options && l.options.dashArray === '6 4') found = l; });
    if (!found) return null;
    const c = found.getBounds().getCenter();
    return [c.lat, c.lng];
}"""


def map_js(page):
    """The map's own document (to read Leaflet's layers: the map draws on a canvas)."""
    iframe, frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    return iframe.element_handle().content_frame()


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_an_administrator_turns_a_camera_and_sees_its_new_field_of_view(demo_app, browser_page, network_log, size):
    page = browser_page
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "admin.psq")
    go_to(page, "Couches de référence")
    page.get_by_role("tab", name="Dessiner et modifier").click()
    wait_until_idle(page)
    page.get_by_text("Caméras", exact=True).click()
    wait_until_idle(page)
    choose(page, "Caméra", "Place Grévy")
    expect(page.get_by_text("orientation 135°, angle 90°, portée 80 m (calculé)")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)  # the person looks at the map
    js = map_js(page)
    before = js.evaluate(EDITED_VIEW_JS)
    assert before is not None and js.evaluate(COUNT_VIEWS_JS, VIOLET) >= 12  # every camera's view
    # Facing south-east, the view's centre lies south-east of the camera; turned north-west, north-west.
    assert before[0] < 47.0921 and before[1] > 5.4905
    page.screenshot(path=str(SHOTS / f"couches-before-{width}.png"), full_page=True)

    bearing = page.get_by_role("spinbutton", name="Orientation (degrés depuis le nord)")
    bearing.scroll_into_view_if_needed()
    expect(bearing).to_have_value("135")  # whole degrees, not « 135.00 »
    bearing.click()
    bearing.press("Control+a")
    bearing.press_sequentially("400", delay=80)  # out of 0–359: said in French, nothing saved
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Enregistrer").click()
    expect(
        page.get_by_text("Orientation 400 : Indiquez l'orientation en degrés depuis le nord (0 à 359).")
    ).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("enregistrée")).to_have_count(0)
    page.screenshot(path=str(SHOTS / f"couches-orientation-400-{width}.png"), full_page=True)
    bearing.click()
    bearing.press("Control+a")
    bearing.press_sequentially("315", delay=80)
    page.wait_for_timeout(500)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text(f"« {CAMERA} » enregistrée : le champ de vision est à jour sur la carte.")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_text("orientation 315°, angle 90°, portée 80 m (calculé)")).to_be_visible(timeout=TIMEOUT_MS)
    _, frame = map_frame(page)
    expect(frame.locator(".leaflet-draw-draw-marker")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    after = map_js(page).evaluate(EDITED_VIEW_JS)
    assert after[0] > 47.0921 and after[1] < 5.4905
    page.screenshot(path=str(SHOTS / f"couches-after-{width}.png"), full_page=True)

    page.reload()  # what was saved is what the page shows again
    wait_until_idle(page)
    assert network_log.problems() == []


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_a_commander_ticks_the_camera_coverage_on_the_map(demo_app, browser_page, network_log, size):
    page = browser_page
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "commandant.39")
    page.goto(f"{demo_app}/carte?carte=15/47.09350/5.48950")  # a bookmark on Dole's centre
    wait_until_idle(page)
    _, frame = map_frame(page)
    page.wait_for_timeout(1500)
    js = map_js(page)
    assert js.evaluate(COUNT_VIEWS_JS, VIOLET) == 0  # off by default
    control = frame.locator(".leaflet-control-layers")
    control.hover()
    toggle = frame.get_by_label("Champs de vision des caméras")
    expect(toggle).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    toggle.check()
    page.wait_for_timeout(800)
    assert js.evaluate(COUNT_VIEWS_JS, VIOLET) == 12
    frame.locator(".leaflet-container").hover(position={"x": 10, "y": height - 300 if height < 800 else 500})
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / f"carte-coverage-{width}.png"), full_page=True)
    control.hover()
    toggle.uncheck()
    page.wait_for_timeout(500)
    assert js.evaluate(COUNT_VIEWS_JS, VIOLET) == 0
    assert network_log.problems() == []
