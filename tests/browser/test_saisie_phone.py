"""Saisie terrain on a phone (390×844) in Chromium: the page fits, the map does not trap
scrolling, « Ma position » fills the position (and a refusal is explained), a point is saved."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, log_in, map_frame, starts_with, wait_until_idle

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
GRAY_CENTRE = {"latitude": 47.4452, "longitude": 5.5925, "accuracy": 12}


def test_phone_flow_with_my_position(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(GRAY_CENTRE)
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    expect(frame.locator(".leaflet-draw-draw-polyline")).to_be_visible()
    expect(frame.locator(".leaflet-draw-draw-polygon")).to_be_visible()
    page.screenshot(path="/tmp/phone_saisie_top.png")

    # The wheel over the map scrolls the page (touch devices: one finger scrolls, two move the map).
    leaflet = iframe.element_handle().content_frame()
    find_map = "Object.values(window).find(v => v instanceof L.Map)"
    assert leaflet.evaluate(f"{find_map}.scrollWheelZoom.enabled()") is False

    frame.get_by_role("button", name="Ma position").click()
    expect(frame.get_by_text("précision ± 12 m")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47.445"), timeout=TIMEOUT_MS)

    page.get_by_label("Latitude (degrés décimaux)").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/phone_saisie_position.png")
    choose(page, "Catégorie", "Éclairage")
    page.get_by_text("2 — Modérée").click()
    wait_until_idle(page)
    page.get_by_label("Description").fill("Candélabre éteint près du pont")
    save = page.get_by_role("button", name="Enregistrer l'observation")
    assert save.bounding_box()["height"] >= 44  # thumb-sized
    save.click()
    expect(page.get_by_text("enregistrée")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.screenshot(path="/tmp/phone_saisie_full.png", full_page=True)
    assert network_log.problems() == []


def test_a_refused_position_is_explained_in_french(demo_app, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    page.context.clear_permissions()
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    _, frame = map_frame(page)
    frame.get_by_role("button", name="Ma position").click()
    expect(frame.get_by_text("Accès à la position refusé")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path="/tmp/phone_refused.png")
