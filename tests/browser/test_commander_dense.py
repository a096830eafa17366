"""A dense place at every zoom (issue 20), in Chromium at human pace: commandant.70 zooms into
Vesoul, where the synthetic observations crowd, a second between clicks. With at most 30 points
drawn one by one (PSQ_MAP_POINTS), zooms 13 to 15 still show cells, summed from the scope's
zoom-15 grid with counts that add up; a click on a cell zooms into it; then points. The
« hors zones » and heatmap switches keep the zoom and the centre and draw from the route: only
the observations outside the patrol zones, circled, and the bounded list under the map; at
1366x768 and 390x844. Screenshots in /tmp/psq-screenshots."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from diagnostics.auth import system_actor
from diagnostics.synthetic import load_synthetic
from tests.browser.conftest import demo_server
from tests.browser.test_commander_viewport import FIND, PAUSE_MS, drawn, script, shoot, state
from tests.browser.ui import TIMEOUT_MS, close_sidebar, go_to, log_in, map_frame, open_sidebar, wait_until_idle

pytestmark = pytest.mark.browser

CAP = 30
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def dense_app(tmp_path_factory):
    with demo_server(
        tmp_path_factory, {"PSQ_MAP_POINTS": str(CAP)}, lambda db: load_synthetic(db, system_actor(), 3_000)
    ) as server:
        yield server.url


def cell_sum(frame) -> int:
    cells = frame.locator(".psq-cell")
    return sum(int(cells.nth(i).get_attribute("data-count")) for i in range(cells.count()))


def busiest(iframe) -> int:
    """The index of the cell with the most observations (where a person would click)."""
    return script(iframe).evaluate(
        "() => { const counts = Array.from(document.querySelectorAll('.psq-cell')).map(e => Number(e.dataset.count));"
        " return counts.indexOf(Math.max(...counts)); }"
    )


def centre_on_vesoul(iframe, zoom: int) -> None:
    """Where the person has panned to: Vesoul's centre (as a drag would, in one step)."""
    script(iframe).evaluate(f"(z) => {{ const map = {FIND}; map.setView([47.6231, 6.1558], z); }}", zoom)


def view_of(iframe) -> tuple[int, float, float]:
    found = script(iframe).evaluate(
        f"() => {{ const m = {FIND}; const c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; }}"
    )
    return int(found[0]), round(found[1], 4), round(found[2], 4)


def switch(page: Page, label: str) -> None:
    open_sidebar(page)
    toggle = page.get_by_role("switch", name=label)
    toggle.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    toggle.click(force=True)
    wait_until_idle(page)
    close_sidebar(page)  # on a phone it covers the map
    page.get_by_title("streamlit_folium.st_folium").first.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)


@pytest.mark.parametrize("size", list(SIZES))
def test_zooming_into_a_dense_town_shows_cells_then_points_and_switches_keep_the_view(dense_app, browser_page, size):
    page = browser_page
    page.set_viewport_size(SIZES[size])
    log_in(page, dense_app, "commandant.70")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    drawn(frame, page)
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    centre_on_vesoul(iframe, 12)
    page.wait_for_timeout(PAUSE_MS)
    seen = [drawn(frame, page)]
    while seen[-1]["mode"] == "cells" and int(seen[-1]["zoom"]) < 15:
        assert cell_sum(frame) == int(seen[-1]["total"]) > CAP, seen  # the cells add up to the view
        frame.get_by_role("button", name="Zoom avant").click()
        page.wait_for_timeout(PAUSE_MS)
        seen.append(drawn(frame, page))
    dense = [s for s in seen if s["mode"] == "cells" and int(s["zoom"]) >= 13]
    assert dense, f"no cells past zoom 12 around Vesoul: {seen}"
    shoot(page, f"dense-cellules-z{dense[-1]['zoom']}-{size}")
    # A click on a cell zooms into it, until the points are few enough to be drawn one by one.
    for _ in range(4):
        if state(frame)["mode"] == "points":
            break
        before = int(state(frame)["zoom"])
        iframe.scroll_into_view_if_needed()
        frame.locator(".psq-cell").nth(busiest(iframe)).click()
        page.wait_for_timeout(PAUSE_MS)
        assert int(drawn(frame, page)["zoom"]) > before
    assert state(frame)["mode"] == "points" and int(state(frame)["total"]) <= CAP, state(frame)
    shoot(page, f"dense-points-{size}")
    # Back out to a dense view, then the « hors zones » switch: same view, only those outside.
    centre_on_vesoul(iframe, 13)
    page.wait_for_timeout(PAUSE_MS)
    everything = drawn(frame, page)
    wait_until_idle(page)
    view = view_of(iframe)
    switch(page, "Observations hors zones de patrouille")
    iframe, frame = map_frame(page)
    expect(frame.locator(".leaflet-container")).not_to_have_attribute(
        "data-psq-total", everything["total"], timeout=TIMEOUT_MS
    )
    outside = drawn(frame, page)
    assert view_of(iframe) == view and int(outside["total"]) < int(everything["total"]), (outside, everything)
    expect(page).to_have_url(re.compile(r"hors=1"))
    expect(page.get_by_text("hors de toute zone de patrouille")).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, f"dense-hors-zones-{size}")
    page.get_by_role("heading", name="Observations hors zones de patrouille").scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, f"dense-hors-zones-liste-{size}")  # the list under the map, the most grave first
    iframe.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    # Its points are circled as outside every zone.
    for _ in range(4):
        if state(frame)["mode"] == "points":
            break
        frame.get_by_role("button", name="Zoom avant").click()
        page.wait_for_timeout(PAUSE_MS)
        drawn(frame, page)
    assert script(iframe).evaluate(
        f"() => Object.values({FIND}._layers).find(l => l instanceof L.PsqPoints).options.highlightOutside"
    )
    view = view_of(iframe)
    switch(page, "Carte de chaleur")
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-heat="on"]')).to_have_count(1, timeout=TIMEOUT_MS)
    assert view_of(iframe) == view
    shoot(page, f"dense-chaleur-hors-zones-{size}")
    for _ in range(3):  # out again: the heatmap weighted from the cells, no disc drawn
        frame.get_by_role("button", name="Zoom arrière").click()
        page.wait_for_timeout(PAUSE_MS)
    assert drawn(frame, page)["mode"] == "cells" and frame.locator(".psq-cell").count() == 0
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    shoot(page, f"dense-chaleur-cellules-{size}")
    view = view_of(iframe)
    switch(page, "Observations hors zones de patrouille")  # off: every observation again
    iframe, frame = map_frame(page)
    expect(page).not_to_have_url(re.compile(r"hors=1"), timeout=TIMEOUT_MS)
    drawn(frame, page)
    assert view_of(iframe) == view
    switch(page, "Carte de chaleur")
    page.reload()
    iframe, frame = map_frame(page)
    drawn(frame, page)
    assert view_of(iframe)[0] == view[0]
