"""A day in the field on a touch phone (390×844, touch events), at human pace (about a second
between taps): zoom in, tap a point, draw a line vertex by vertex, save — the map keeps its view
and the half-drawn shape, the confirmation appears under the thumb."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, log_in, map_frame, starts_with, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.phone]

SHOTS = Path("/tmp/psq-screenshots")
HUMAN_PACE_MS = 1000
LEAFLET_MAP = "Object.values(window).find(v => v instanceof L.Map)"


def view(iframe) -> dict:
    """The Leaflet map's zoom and centre, read in its frame."""
    frame = iframe.element_handle().content_frame()
    return frame.evaluate(
        f"(() => {{ const m = {LEAFLET_MAP}; const c = m.getCenter();"
        " return {zoom: m.getZoom(), lat: c.lat, lng: c.lng}; })()"
    )


def tap_map(page, frame, dx: float, dy: float) -> None:
    """A finger on the map, (dx, dy) pixels from its centre; then a second, as a person does."""
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").tap(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
    page.wait_for_timeout(HUMAN_PACE_MS)


def test_zoom_tap_draw_and_save_at_human_pace(demo_app, browser_page, network_log):
    page = browser_page
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    page.wait_for_timeout(HUMAN_PACE_MS)
    for _ in range(2):  # zoom in on the street, with the map's own button
        frame.locator(".leaflet-control-zoom-in").tap()
        page.wait_for_timeout(HUMAN_PACE_MS)
    zoomed = view(iframe)

    # A tap places the point; the map stays where the agent put it.
    tap_map(page, frame, 0, 0)
    wait_until_idle(page)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47."), timeout=TIMEOUT_MS)
    page.wait_for_timeout(HUMAN_PACE_MS)
    assert view(iframe)["zoom"] == zoomed["zoom"]

    # A line, one vertex a second: every vertex stays, the page does not lose the drawing.
    frame.locator(".leaflet-draw-draw-polyline").tap()
    expect(frame.locator(".leaflet-draw-tooltip")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(HUMAN_PACE_MS)
    for dx, dy in ((-60, -40), (0, 10), (60, 40)):
        tap_map(page, frame, dx, dy)
    assert frame.locator(".leaflet-editing-icon").count() == 3  # three vertices, the line still open
    page.screenshot(path=str(SHOTS / "field-drawing-phone.png"))
    frame.get_by_text("Terminer", exact=True).tap()
    expect(page.get_by_text(starts_with("Ligne dessinée"))).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    assert view(iframe)["zoom"] == zoomed["zoom"]

    # Save: the confirmation is next to the button, and the map is still where it was.
    choose(page, "Catégorie", "Éclairage")
    page.get_by_text("2 — Modérée").tap()
    wait_until_idle(page)
    page.get_by_label("Description").fill("Rue sombre le long du quai")
    page.wait_for_timeout(HUMAN_PACE_MS)
    save = page.get_by_role("button", name="Enregistrer l'observation")
    save.tap()
    confirmation = page.get_by_text(starts_with("Observation n°"))
    expect(confirmation).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    gap = confirmation.bounding_box()["y"] - save.bounding_box()["y"]
    assert 0 < gap < 200, f"the confirmation is {gap:.0f} px from the button"
    page.screenshot(path=str(SHOTS / "field-saved-phone.png"))
    assert view(iframe)["zoom"] == zoomed["zoom"]
    assert network_log.problems() == []
