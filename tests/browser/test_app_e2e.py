"""The real app in Chromium, offline, on a fresh demo database: the commanders' map draws, a
click on the field map places an observation that is then saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import (
    TIMEOUT_MS,
    choose,
    click_inside_commune,
    go_to,
    log_in,
    map_frame,
    starts_with,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_the_command_map_draws_every_layer_offline(demo_app, browser_page, network_log):
    browser_page.set_viewport_size({"width": 1366, "height": 768})
    log_in(browser_page, demo_app)
    go_to(browser_page, "Carte de commandement")
    iframe, frame = map_frame(browser_page)
    expect(frame.locator(".psq-site-kiosque")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(frame.locator(".psq-legend")).to_be_visible()
    # Observations on one canvas in their own pane, above the areas' pane (they take the clicks).
    expect(frame.locator(".leaflet-psqPoints-pane canvas")).to_have_count(1)
    expect(frame.locator(".leaflet-psqAreas-pane")).to_have_count(1)
    assert iframe.bounding_box()["height"] > 300
    expect(browser_page.get_by_text("16 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)
    browser_page.screenshot(path=str(Path("/tmp/e2e_carte.png")))
    assert network_log.problems() == []


def test_a_click_on_the_field_map_places_and_saves_an_observation(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, demo_app, "agent.gray")  # Saisie terrain is the agent's first page, served at /
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    click_inside_commune(page, frame, "Gray")
    latitude = page.get_by_label("Latitude (degrés décimaux)")
    expect(latitude).to_have_value(starts_with("47.4"), timeout=TIMEOUT_MS)
    choose(page, "Catégorie", "Éclairage")
    page.get_by_text("3 — Forte").click()
    wait_until_idle(page)
    page.get_by_label("Description").fill("Lampadaire éteint devant l'école")
    page.get_by_role("button", name="Enregistrer l'observation").click()
    expect(page.get_by_text("enregistrée.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("4 observation(s)")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    expect(page.get_by_label("Description")).to_have_value("")  # ready for the next observation
    page.screenshot(path="/tmp/e2e_saisie.png", full_page=True)
    assert network_log.problems() == []
