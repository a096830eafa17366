"""The commanders' map at every zoom (issue 20), in Chromium at human pace: commandant.70 opens
the map on 3,000 observations (at most 300 drawn one by one, PSQ_MAP_POINTS), sees cells with
counts, zooms in with the wheel and the + button a second apart and sees cells turn into
points, clicks a point and reads its follow-up below, pans, reloads and keeps the view; and on
a 390x844 touch phone. No Streamlit rerun on pan or zoom: the map asks /api/map/observations.
Screenshots in /tmp/psq-screenshots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from diagnostics.auth import system_actor
from diagnostics.synthetic import load_synthetic
from tests.browser.conftest import demo_server
from tests.browser.ui import TIMEOUT_MS, go_to, log_in, map_frame, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
DRAWN = '.leaflet-container[data-psq-state="drawn"]'


@pytest.fixture(scope="module")
def crowded_app(tmp_path_factory):
    with demo_server(
        tmp_path_factory, {"PSQ_MAP_POINTS": "300"}, lambda db: load_synthetic(db, system_actor(), 3_000)
    ) as server:
        yield server.url


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"viewport-{name}.png"))


def state(frame) -> dict:
    box = frame.locator(".leaflet-container")
    return {name: box.get_attribute(f"data-psq-{name}") for name in ("mode", "total", "zoom", "requests", "state")}


FIND = "Object.values(window).find(v => v instanceof L.Map)"


def script(iframe):
    return iframe.element_handle().content_frame()


def overlapping_cells(iframe) -> list:
    """Pairs of cell discs that overlap on screen (each disc should stay inside its cell)."""
    return script(iframe).evaluate(
        """() => { const boxes = Array.from(document.querySelectorAll('.psq-cell')).map(e => e.getBoundingClientRect());
        const out = [];
        boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b, j) => {
          const dx = (a.x + a.width / 2) - (b.x + b.width / 2), dy = (a.y + a.height / 2) - (b.y + b.height / 2);
          if (Math.sqrt(dx * dx + dy * dy) < (a.width + b.width) / 2 - 1) { out.push([i, i + 1 + j]); }
        }));
        return out; }"""
    )


def drawn(frame, page: Page) -> dict:
    expect(frame.locator(DRAWN)).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    expect(frame.locator(DRAWN)).to_have_count(1, timeout=TIMEOUT_MS)
    return state(frame)


def test_cells_turn_into_points_a_click_opens_the_follow_up_and_a_reload_keeps_the_view(crowded_app, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    sent = _listen(page)
    log_in(page, crowded_app, "commandant.70")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    first = drawn(frame, page)
    assert first["mode"] == "cells" and int(first["total"]) > 300, first
    assert first["requests"] == "1", first  # opened at the fitted view, asked once
    cells = frame.locator(".psq-cell")
    assert cells.count() > 3
    total = sum(int(cells.nth(i).get_attribute("data-count")) for i in range(cells.count()))
    assert total == int(first["total"])
    assert overlapping_cells(iframe) == [], "cells hide each other's counts"
    expect(frame.locator(".psq-view-status")).to_contain_text("Couleur : part grave ou critique")
    cells.first.hover()
    expect(frame.locator(".psq-cell-tip")).to_contain_text("Gravité :", timeout=TIMEOUT_MS)
    expect(frame.locator(".psq-cell-tip")).to_contain_text("observation(s)")
    shoot(page, "cellules-desktop")
    page.wait_for_timeout(PAUSE_MS)
    # Towards Vesoul, the densest place: the wheel, then the + button, a second apart.
    container = frame.locator(".leaflet-container")
    vesoul = (
        iframe.element_handle()
        .content_frame()
        .evaluate(
            "() => { const map = Object.values(window).find(v => v instanceof L.Map);"
            " const p = map.latLngToContainerPoint([47.6231, 6.1558]); return {x: p.x, y: p.y}; }"
        )
    )
    box = container.bounding_box()
    page.mouse.move(box["x"] + vesoul["x"], box["y"] + vesoul["y"])
    wait_until_idle(page)
    # Merely passing over the map, the wheel scrolls the page (a hint says to click first).
    page.mouse.wheel(0, 240)
    expect(frame.locator(".psq-gesture-hint")).to_contain_text("Cliquez sur la carte", timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    assert container.bounding_box()["y"] < box["y"] - 100, "the wheel over the map did not scroll the page"
    assert state(frame)["zoom"] == first["zoom"]
    shoot(page, "molette-indice-desktop")
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    box = container.bounding_box()
    page.mouse.click(box["x"] + vesoul["x"], box["y"] + vesoul["y"])  # a click on the map lets the wheel zoom
    page.wait_for_timeout(PAUSE_MS)
    close = frame.locator(".leaflet-popup-close-button")
    if close.count():  # Vesoul's commissariat was under the click: its card, closed again
        close.first.click()
        page.wait_for_timeout(PAUSE_MS)
    page.mouse.move(box["x"] + vesoul["x"], box["y"] + vesoul["y"])
    page.wait_for_timeout(PAUSE_MS)
    seen_clicked = drawn(frame, page)
    wait_until_idle(page)
    sent_before = len(sent)
    seen = [first, seen_clicked]
    for _ in range(3):
        page.mouse.wheel(0, -240)
        page.wait_for_timeout(PAUSE_MS)
        seen.append(drawn(frame, page))
    while seen[-1]["mode"] != "points" and int(seen[-1]["zoom"]) < 17:
        frame.get_by_role("button", name="Zoom avant").click()
        page.wait_for_timeout(PAUSE_MS)
        seen.append(drawn(frame, page))
    assert seen[-1]["mode"] == "points", seen
    assert int(seen[-1]["total"]) <= 300
    assert len(sent) == sent_before, "a zoom made Streamlit rerun"
    shoot(page, "points-desktop")
    # Click a point: its popup, then its follow-up below the map.
    where = (
        iframe.element_handle()
        .content_frame()
        .evaluate(
            "() => { const map = Object.values(window).find(v => v instanceof L.Map);"
            " const pts = Object.values(map._layers).find(l => l instanceof L.PsqPoints);"
            " pts._redraw(); const size = map.getSize(); let best = -1, d = 1e9;"
            # Not under a site's marker (Vesoul's commissariat is in the middle): its popup would open.
            " const sites = Object.values(map._layers).filter(l => l instanceof L.Marker && l.getPopup())"
            "   .map(l => map.latLngToContainerPoint(l.getLatLng()));"
            " const clear = i => sites.every(s => Math.abs(s.x - pts._x[i]) + Math.abs(s.y - pts._y[i]) > 40);"
            " for (let i = 0; i < pts._n; i++) {"
            "   const dx = pts._x[i] - size.x / 2, dy = pts._y[i] - size.y / 2;"
            "   const e = dx * dx + dy * dy + (clear(i) ? 0 : 1e8);"
            "   if (e < d) { d = e; best = i; } }"
            " return {x: pts._x[best], y: pts._y[best], id: pts._d.id[best]}; }"
        )
    )
    box = container.bounding_box()
    page.mouse.click(box["x"] + where["x"], box["y"] + where["y"])
    expect(frame.locator(".leaflet-popup-content")).to_contain_text(f"N° {where['id']}", timeout=TIMEOUT_MS)
    wait_until_idle(page)
    expect(page.get_by_text(f"Observation n° {where['id']}")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text(f"Observation n° {where['id']}").scroll_into_view_if_needed()
    shoot(page, "suivi-desktop")
    # Pan with the mouse: new points, no rerun.
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    box = container.bounding_box()
    before = len(sent)
    requests = int(state(frame)["requests"])
    page.mouse.move(box["x"] + 700, box["y"] + 300)
    page.mouse.down()
    page.mouse.move(box["x"] + 400, box["y"] + 250, steps=12)
    page.mouse.up()
    page.wait_for_timeout(PAUSE_MS)
    panned = drawn(frame, page)
    assert int(panned["requests"]) > requests and len(sent) == before
    zoom = int(panned["zoom"])
    expect(page).to_have_url(re.compile(rf"carte={zoom}(/|%2F)47\.\d+(/|%2F)6\.\d+"), timeout=TIMEOUT_MS)
    page.reload()
    iframe, frame = map_frame(page)
    again = drawn(frame, page)
    assert again["zoom"] == str(zoom) and again["mode"] == panned["mode"], again
    shoot(page, "rechargee-desktop")


def _listen(page: Page) -> list:
    """What the page sends Streamlit over its WebSocket (rerun requests among them)."""
    sent: list = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(payload)))
    return sent


@pytest.mark.phone
def test_the_map_at_every_zoom_on_a_phone(crowded_app, browser_page):
    page = browser_page
    log_in(page, crowded_app, "commandant.70")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    first = drawn(frame, page)
    assert first["mode"] == "cells", first
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, "cellules-phone")
    assert overlapping_cells(iframe) == [], "cells hide each other's counts"
    # One finger on the map scrolls the page past it (two fingers move the map), with a hint.
    container = frame.locator(".leaflet-container")
    assert container.get_attribute("data-psq-gestures") == "touch"
    box = container.bounding_box()
    centre = script(iframe).evaluate(
        "() => { const c = map().getCenter(); return [c.lat, c.lng]; }".replace("map()", FIND)
    )
    # Leaflet's one-finger dragging is off and the map lets the browser pan the page vertically.
    leaflet = script(iframe)
    assert leaflet.evaluate("() => " + FIND + ".dragging.enabled()") is False
    assert "pan-y" in leaflet.evaluate(
        "() => getComputedStyle(document.querySelector('.leaflet-container')).touchAction"
    )
    cdp = page.context.new_cdp_session(page)
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 6):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - 40 * step}]})
        page.wait_for_timeout(50)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    expect(frame.locator(".psq-gesture-hint")).to_contain_text("deux doigts", timeout=TIMEOUT_MS)
    after = leaflet.evaluate("() => { const c = " + FIND + ".getCenter(); return [c.lat, c.lng]; }")
    assert after == centre, "one finger panned the map"
    shoot(page, "defilement-phone")
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    cell = frame.locator(".psq-cell").first
    for _ in range(6):  # a tap on a cell zooms in on it
        if state(frame)["mode"] == "points":
            break
        cell.tap()
        page.wait_for_timeout(PAUSE_MS)
        drawn(frame, page)
        if frame.locator(".psq-cell").count():
            cell = frame.locator(".psq-cell").first
    assert state(frame)["mode"] == "points", state(frame)
    shoot(page, "points-phone")
    # A point's card (320 px asked) on a map about 360 px wide: it fits, its « × » in view.
    fits = script(iframe).evaluate(
        "() => new Promise(done => { const m = " + FIND + "; const size = m.getSize();"
        " L.popup({maxWidth: 320}).setLatLng(m.containerPointToLatLng([size.x - 8, size.y / 2]))"
        " .setContent('N° 1 — Éclairage public défaillant ' + 'sur le parking de la gare, '.repeat(6)).openOn(m);"
        " setTimeout(() => { const c = m.getContainer().getBoundingClientRect();"
        " const p = document.querySelector('.leaflet-popup').getBoundingClientRect();"
        " const x = document.querySelector('.leaflet-popup-close-button').getBoundingClientRect();"
        " done([p.left >= c.left, p.right <= c.right, x.right <= c.right, x.left >= c.left]); }, 800); })"
    )
    assert fits == [True, True, True, True], fits
    shoot(page, "fiche-phone")
