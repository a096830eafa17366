"""Importing a spreadsheet through the Couches de référence page in Chromium: a French CSV
(semicolons, Windows-1252) whose Lambert-93 columns have names the reader does not know; the
user points at them, sees the preview and imports."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser

# The kiosk area of Oasis III in Pusey, in Lambert-93 metres.
CSV = "nom;type;Est;Nord\nPoint de contact Oasis III (parking);kiosque;934899,1;6732012,9\n".encode("cp1252")


def test_a_csv_with_unusual_position_columns_is_mapped_previewed_and_imported(
    demo_app, browser_page, network_log, tmp_path
):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 1000})
    source = tmp_path / "sites-pusey.csv"
    source.write_bytes(CSV)
    log_in(page, demo_app, "admin.psq")
    go_to(page, "Couches de référence")
    choose(page, "Couche", "Sites")
    page.locator("input[type=file]").first.set_input_files(str(source))
    wait_until_idle(page)
    expect(page.get_by_text("Aucune colonne de position reconnue")).to_be_visible(timeout=TIMEOUT_MS)

    page.get_by_text("Colonnes de position (CSV)").click()
    choose(page, "Longitude ou X (Lambert-93)", "Est")
    choose(page, "Latitude ou Y (Lambert-93)", "Nord")
    expect(page.get_by_text("Aucune colonne de position reconnue")).to_have_count(0, timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("Sites : 1 ajouté(s)")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path="/tmp/e2e_couches_import.png", full_page=True)
    assert network_log.problems() == []
