"""The real app in Chromium, offline, on a fresh demo database: the commanders' map draws, a
click on the field map places an observation that is then saved."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from diagnostics.config import PROJECT_ROOT

pytestmark = pytest.mark.browser

APP = PROJECT_ROOT / "streamlit_app.py"
TIMEOUT_MS = 45_000


@pytest.fixture
def demo_app(streamlit_server, tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    subprocess.run(
        [sys.executable, "-m", "diagnostics", "init", "--demo"],
        cwd=PROJECT_ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        timeout=300,
    )
    return streamlit_server(APP, env={"DATABASE_URL": url})


def log_in(page, base_url: str, login: str = "admin.psq") -> None:
    """Through the real login form, with a demo account."""
    from diagnostics.demo import DEMO_PASSWORD

    page.goto(base_url)
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_text("Connecté :")).to_be_visible(timeout=TIMEOUT_MS)


def map_frame(page):
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    frame = iframe.content_frame
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    return iframe, frame


def test_the_command_map_draws_every_layer_offline(demo_app, browser_page, network_log):
    browser_page.set_viewport_size({"width": 1366, "height": 768})
    log_in(browser_page, demo_app)
    # In-app navigation: a full page load would start a new, logged-out Streamlit session.
    browser_page.get_by_role("link", name="Carte de commandement").click()
    iframe, frame = map_frame(browser_page)
    expect(frame.locator(".psq-site-kiosque")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(frame.locator(".psq-legend")).to_be_visible()
    expect(frame.locator(".leaflet-overlay-pane canvas")).to_have_count(1)  # communes, zones, observations
    assert iframe.bounding_box()["height"] > 300
    expect(browser_page.get_by_text("12 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)
    browser_page.screenshot(path=str(Path("/tmp/e2e_carte.png")))
    assert network_log.problems() == []


def test_a_click_on_the_field_map_places_and_saves_an_observation(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, demo_app, "agent.gray")  # Saisie terrain is the agent's first page, served at /
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    iframe, frame = map_frame(page)
    box = frame.locator(".leaflet-container").bounding_box()
    frame.locator(".leaflet-container").click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    latitude = page.get_by_label("Latitude (degrés décimaux)")
    expect(latitude).to_have_value(_starts_with("47.4"), timeout=TIMEOUT_MS)
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


def choose(page, label: str, option_text: str) -> None:
    """Pick an option of a Streamlit selectbox by its visible text, once the app is idle."""
    wait_until_idle(page)
    field = page.get_by_label(label, exact=True).first
    field.click()
    field.press_sequentially(option_text, delay=20)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_until_idle(page)


def wait_until_idle(page) -> None:
    """Streamlit shows its status widget while a script run is under way."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)


def _starts_with(prefix: str):
    return re.compile("^" + re.escape(prefix))
