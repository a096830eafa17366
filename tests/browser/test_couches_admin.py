"""An administrator's afternoon on Couches de référence, in Chromium at human pace: a valid
observations CSV uploaded through the page is previewed (no traceback), the wheel over the
preview scrolls the page instead of zooming the map, « Importer » confirms next to the button and
a second click says it was already imported; then the drawing and dispositifs maps are drawn at
their height, and the dispositifs count shows no made-up trend."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser

TODAY = dt.date.today()
CSV = (
    "Catégorie;Gravité;Date;Statut;Constat;Latitude;Longitude\n"
    f"Éclairage;3;{TODAY:%d/%m/%Y};nouvelle;Candélabre éteint rue des Casernes;47,4452;5,5925\n"
    f"Tags;2;{TODAY:%d/%m/%Y};transmise;Tags sur l'abribus;47,4450;5,5922\n"
).encode("cp1252")


# The Leaflet map's zoom, from folium's global `map_…` variable inside the component's iframe.
ZOOM = """(_element) => {
  for (const k of Object.keys(window)) { if (k.startsWith('map_') && window[k].getZoom) return window[k].getZoom(); }
  return null;
}"""


def pause(page) -> None:
    """A person reads before acting again."""
    page.wait_for_timeout(1000)
    wait_until_idle(page)


def visible_maps(page):
    return page.locator("iframe[title='streamlit_folium.st_folium'] >> visible=true")


def map_height(page) -> float:
    iframe = visible_maps(page).first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    expect(iframe.content_frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    return iframe.bounding_box()["height"]


def no_traceback(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Traceback")).to_have_count(0)


def test_import_then_draw_and_dispositifs_maps_as_an_administrator(demo_app, browser_page, network_log, tmp_path):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
    source = tmp_path / "constats-gray.csv"
    source.write_bytes(CSV)
    hostile = tmp_path / "points.kml"  # an OGR VRT dressed as KML, reading a file of the server
    hostile.write_text(
        "<!-- <kml> --><OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>/etc/hostname</SrcDataSource>"
        "</OGRVRTLayer></OGRVRTDataSource>",
        encoding="utf-8",
    )
    log_in(page, demo_app, "admin.psq")
    go_to(page, "Couches de référence")
    expect(page.get_by_label("Couche", exact=True).first).to_be_visible(timeout=TIMEOUT_MS)
    page.locator("input[type=file]").first.set_input_files(str(hostile))
    pause(page)
    expect(page.get_by_text("renvoie vers d'autres sources (jeu de données virtuel OGR VRT)")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    no_traceback(page)
    page.screenshot(path="/tmp/e2e_couches_hostile.png")
    page.locator("input[type=file]").first.set_input_files(str(source))  # default layer: Observations
    pause(page)
    expect(page.get_by_text("Observations : 2 objet(s) lu(s)")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path="/tmp/e2e_couches_preview.png", full_page=True)
    no_traceback(page)

    # The wheel over the preview map scrolls the page; the map keeps its zoom.
    iframe = visible_maps(page).first
    iframe.scroll_into_view_if_needed()
    frame = iframe.content_frame
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    leaflet = frame.locator(".leaflet-container")
    before = leaflet.evaluate(ZOOM)
    box = iframe.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(1000)
    after = leaflet.evaluate(ZOOM)
    assert before is not None and after == before

    choose(page, "Équipe à laquelle rattacher les observations", "Groupe de contact de Gray")
    pause(page)
    button = page.get_by_role("button", name="Importer", exact=True)
    button.click()
    pause(page)
    confirmation = page.get_by_text("Observations : 2 ajouté(s)")
    expect(confirmation).to_be_visible(timeout=TIMEOUT_MS)
    distance = abs(confirmation.bounding_box()["y"] - button.bounding_box()["y"])
    assert distance < 200, f"the confirmation is {distance:.0f} px from the button"
    page.screenshot(path="/tmp/e2e_couches_imported.png", full_page=True)
    button.click()
    pause(page)
    expect(page.get_by_text("Ce fichier a déjà été importé")).to_be_visible(timeout=TIMEOUT_MS)
    no_traceback(page)

    page.get_by_role("tab", name="Dessiner et modifier").click()
    pause(page)
    assert map_height(page) > 300
    page.screenshot(path="/tmp/e2e_couches_draw_after_import.png", full_page=True)
    page.get_by_role("tab", name="Dispositifs des communes").click()
    pause(page)
    assert map_height(page) > 300
    expect(page.get_by_text("-31")).to_have_count(0)
    page.screenshot(path="/tmp/e2e_couches_dispositifs.png", full_page=True)
    no_traceback(page)
    page.set_viewport_size({"width": 390, "height": 844})
    pause(page)
    page.screenshot(path="/tmp/e2e_couches_dispositifs_phone.png", full_page=True)
    assert not [m for m in console if "Invalid LatLng" in m or "already been declared" in m], console
    assert network_log.problems() == []
