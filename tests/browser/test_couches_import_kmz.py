"""Importing a Google My Maps KMZ through the Couches de référence page in Chromium, at a
person's pace: the placemarks' names and HTML balloons arrive as plain text (no `<br>`, no
entity, no script run), then the observations are imported for a team."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser
MY_MAPS = Path(__file__).parents[1] / "samples" / "my_maps_gray.kml"
GPX = Path(__file__).parents[1] / "samples" / "osmand_patrouille_gray.gpx"
SHOTS = Path("/tmp/psq-screenshots")


def test_a_my_maps_kmz_is_previewed_as_plain_text_and_imported(demo_app, browser_page, network_log, tmp_path):
    page = browser_page
    alerts: list[str] = []
    page.on("dialog", lambda dialog: (alerts.append(dialog.message), dialog.dismiss()))
    page.set_viewport_size({"width": 1366, "height": 768})
    source = tmp_path / "Diagnostic Gray les Îles.kmz"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", MY_MAPS.read_bytes())
        archive.writestr("images/icon-1.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    log_in(page, demo_app, "admin.psq")
    go_to(page, "Couches de référence")
    choose(page, "Couche", "Observations")
    page.wait_for_timeout(1000)
    page.locator("input[type=file]").first.set_input_files(str(source))
    wait_until_idle(page)
    expect(page.get_by_text("2 objet(s) lu(s) dans « Diagnostic Gray les Îles.kmz » (KMZ (KML zippé)")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(1000)
    grid = page.get_by_test_id("stDataFrame").last
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "couches_kmz_preview_1366.png"))
    # Glide's grid keeps an accessible copy of its visible cells: the balloon's text, as text.
    expect(grid.get_by_text("Lampadaire HS rue des Îles", exact=False).first).to_be_attached(timeout=TIMEOUT_MS)
    assert grid.get_by_text("<br>", exact=False).count() == 0
    assert grid.get_by_text("&#39;", exact=False).count() == 0

    choose(page, "Équipe à laquelle rattacher les observations", "Groupe de contact de Gray")
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Importer", exact=True).click()
    expect(page.get_by_text("Observations : 2 ajouté(s)")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "couches_kmz_imported_1366.png"))
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(1000)
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "couches_kmz_imported_390.png"))
    assert alerts == []  # « <script>alert(1)</script> » in a name stayed text

    # A phone's GPX: the track's times are left out until the box says the team keeps them.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.locator("input[type=file]").first.set_input_files(str(GPX))
    wait_until_idle(page)
    expect(page.get_by_text("Les heures des traces ne sont pas importées.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("4 objet(s) lu(s) dans « osmand_patrouille_gray.gpx » (GPX")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(1000)
    page.get_by_text("Garder le début et la fin de chaque trace GPX").click()
    wait_until_idle(page)
    expect(page.get_by_text("Début et fin de chaque trace gardés.")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "couches_gpx_times_1366.png"))
    assert network_log.problems() == []
