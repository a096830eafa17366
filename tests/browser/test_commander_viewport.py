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
from diagnostics.db import open_database
from diagnostics.synthetic import load_synthetic
from tests.browser.conftest import REPO, _servers, demo_database_file
from tests.browser.ui import TIMEOUT_MS, go_to, log_in, map_frame, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
DRAWN = '.leaflet-container[data-psq-state="drawn"]'


@pytest.fixture(scope="module")
def crowded_app(tmp_path_factory):
    database_url = demo_database_file(tmp_path_factory.mktemp("viewport") / "demo.sqlite")
    db = open_database(database_url)
    load_synthetic(db, system_actor(), 3_000)
    db.dispose()
    with _servers(_free(), tmp_path_factory) as start:
        yield start(REPO / "server.py", env={"DATABASE_URL": database_url, "PSQ_MAP_POINTS": "300"})


def _free() -> int:
    from tests.servers import free_port

    return free_port()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"viewport-{name}.png"))


def state(frame) -> dict:
    box = frame.locator(".leaflet-container")
    return {name: box.get_attribute(f"data-psq-{name}") for name in ("mode", "total", "zoom", "requests", "state")}


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
    sent_before = len(sent)
    seen = [first]
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
            " const size = map.getSize(); let best = -1, d = 1e9;"
            " for (let i = 0; i < pts._n; i++) { const dx = pts._x[i] - size.x / 2, dy = pts._y[i] - size.y / 2;"
            "   if (dx * dx + dy * dy < d) { d = dx * dx + dy * dy; best = i; } }"
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
