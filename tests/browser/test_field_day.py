"""A day in the field on a touch phone (390×844, touch events), at human pace (about a second
between taps): zoom in, tap a point, draw a line vertex by vertex, save — the map keeps its view
and the half-drawn shape, the confirmation appears under the thumb."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, log_in, map_frame, starts_with, wait_until_idle

pytestmark = pytest.mark.browser

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


@pytest.mark.phone
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


@pytest.mark.phone
def test_errors_swapped_coordinates_open_sections_and_closing(demo_app, browser_page, network_log):
    page = browser_page
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    map_frame(page)
    grid = page.get_by_text("Grille de diagnostic (prévention situationnelle)")
    grid.tap()  # the agent opens the grid and the position tools, and expects them to stay open
    page.wait_for_timeout(HUMAN_PACE_MS)
    page.get_by_text("Position : coordonnées ou recherche d'un lieu").tap()
    page.wait_for_timeout(HUMAN_PACE_MS)

    # Swapped coordinates are not taken silently; one tap exchanges them.
    coords = page.get_by_label("Coordonnées", exact=True)
    coords.fill("5.5905, 47.4439")
    coords.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_text("semblent inversées")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value("")
    page.screenshot(path=str(SHOTS / "field-swapped-phone.png"))
    page.wait_for_timeout(HUMAN_PACE_MS)
    page.get_by_role("button", name=starts_with("Échanger")).tap()
    wait_until_idle(page)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47.4439"), timeout=TIMEOUT_MS)
    expect(page.get_by_text("semblent inversées")).to_have_count(0)

    # A refused save names each field under the button; fixing a field removes its message.
    save = page.get_by_role("button", name="Enregistrer l'observation")
    save.tap()
    wait_until_idle(page)
    category_error = page.get_by_text("Catégorie : Choisissez une catégorie.")
    expect(category_error).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Description : Décrivez ce qui a été observé.")).to_be_visible()
    assert 0 < category_error.bounding_box()["y"] - save.bounding_box()["y"] < 300
    page.screenshot(path=str(SHOTS / "field-errors-phone.png"))
    page.wait_for_timeout(HUMAN_PACE_MS)
    choose(page, "Catégorie", "Éclairage")
    expect(category_error).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_text("Description : Décrivez ce qui a été observé.")).to_be_visible()
    page.get_by_text("3 — Forte").tap()
    page.get_by_label("Description").fill("Candélabre éteint")
    page.get_by_label("Description").press("Tab")
    wait_until_idle(page)
    expect(page.get_by_text("Description : Décrivez ce qui a été observé.")).to_have_count(0, timeout=TIMEOUT_MS)
    page.wait_for_timeout(HUMAN_PACE_MS)
    save.tap()
    expect(page.get_by_text(starts_with("Observation n°"))).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    # The sections stay as the agent left them.
    expect(page.get_by_text("Notez chaque critère de 1")).to_be_visible()
    expect(coords).to_be_visible()

    # Close, then prepare the fiche: the closed diagnostic stays on screen.
    page.get_by_text("Fiche PDF et clôture").tap()
    page.wait_for_timeout(HUMAN_PACE_MS)
    page.get_by_text("Je confirme que le diagnostic est complet").tap()
    wait_until_idle(page)
    page.wait_for_timeout(HUMAN_PACE_MS)
    page.get_by_role("button", name="Clôturer le diagnostic").tap()
    expect(page.get_by_text(starts_with("Diagnostic clôturé le"))).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(HUMAN_PACE_MS)
    page.get_by_role("button", name="Préparer la fiche diagnostic (PDF)").tap()
    wait_until_idle(page)
    expect(page.get_by_role("button", name="Télécharger la fiche PDF")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Nouveau diagnostic de sûreté")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "field-closed-phone.png"), full_page=True)
    assert network_log.problems() == []


@pytest.mark.phone
def test_a_shared_account_keeps_one_draft_per_phone(demo_app, browser_page):
    page = browser_page

    def type_on_this_phone(text: str) -> None:
        choose(page, "Diagnostic", "Quartier de l'île, Gray")
        description = page.get_by_label("Description")
        description.fill(text)
        description.press("Tab")  # the draft is saved when the field is left
        wait_until_idle(page)
        page.wait_for_timeout(HUMAN_PACE_MS)

    log_in(page, demo_app, "agent.gray")
    type_on_this_phone("Tags vus depuis le premier téléphone")
    [first_phone] = [c for c in page.context.cookies() if c["name"] == "psq_device"]

    page.context.clear_cookies()  # a second phone, logged in to the same account
    log_in(page, demo_app, "agent.gray")
    expect(page.get_by_text("Une saisie non terminée")).to_have_count(0)
    type_on_this_phone("Banc cassé vu depuis le second téléphone")

    page.context.clear_cookies()  # the first phone again, the next day
    page.context.add_cookies([first_phone])
    log_in(page, demo_app, "agent.gray")
    expect(page.get_by_text("Une saisie non terminée a été retrouvée sur cet appareil")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    wait_until_idle(page)
    page.screenshot(path=str(SHOTS / "field-draft-phone.png"))
    page.get_by_role("button", name="Reprendre la saisie").tap()
    wait_until_idle(page)
    expect(page.get_by_label("Description")).to_have_value("Tags vus depuis le premier téléphone", timeout=TIMEOUT_MS)


def test_on_a_laptop_the_map_keeps_its_view_across_clicks(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    page.wait_for_timeout(HUMAN_PACE_MS)
    frame.locator(".leaflet-control-zoom-in").click()
    page.wait_for_timeout(HUMAN_PACE_MS)
    zoomed = view(iframe)
    for dx in (-30, 30):
        box = frame.locator(".leaflet-container").bounding_box()
        frame.locator(".leaflet-container").click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2})
        page.wait_for_timeout(HUMAN_PACE_MS)
        wait_until_idle(page)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47."), timeout=TIMEOUT_MS)
    assert view(iframe) == zoomed
    expect(frame.locator(".psq-commune-label").first).to_be_attached()  # commune names on the field map
    page.screenshot(path=str(SHOTS / "field-desktop.png"))
    page.screenshot(path=str(SHOTS / "field-desktop-full.png"), full_page=True)
    assert network_log.problems() == []
