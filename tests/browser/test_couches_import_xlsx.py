"""Importing an Excel workbook through the Couches de référence page in Chromium, at a person's
pace: its first sheet is a note without positions (refused in French), the user picks the sheet
with the sites, sees the preview and imports; on a desktop and on a phone-sized screen."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser
PACE_MS = 1000  # a person's pause between two taps


def workbook(path, site: str):
    book = Workbook()
    book.active.title = "Lisez-moi"
    book.active.append(["Note"])
    book.active.append(["Relevé de la compagnie de Vesoul, décembre 2026"])
    sites = book.create_sheet("Sites Pusey")
    sites.append(["Nom", "Type", "Latitude", "Longitude", "Adresse"])
    sites.append([site, "kiosque", "47,6465", "6,1240", "Zone Oasis III, Pusey"])
    book.save(path)
    return path


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["desktop", "phone"])
def test_an_xlsx_sheet_is_picked_previewed_and_imported(module_demo_app, browser_page, network_log, tmp_path, size):
    page = browser_page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    name = "desktop" if size[0] > 1000 else "phone"
    source = workbook(tmp_path / "sites-pusey.xlsx", f"Point de contact Oasis III ({name})")  # one site per test
    log_in(page, module_demo_app.url, "admin.psq")
    go_to(page, "Couches de référence")
    page.wait_for_timeout(PACE_MS)
    choose(page, "Couche", "Sites")
    page.wait_for_timeout(PACE_MS)
    page.locator("input[type=file]").first.set_input_files(str(source))
    wait_until_idle(page)
    expect(page.get_by_text("Aucune colonne de position reconnue")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label("Feuille du classeur", exact=True)).to_be_visible()
    page.wait_for_timeout(PACE_MS)

    choose(page, "Feuille du classeur", "Sites Pusey")
    expect(page.get_by_text("Aucune colonne de position reconnue")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_text("Excel (.xlsx)").first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Si vous importez").scroll_into_view_if_needed()
    page.wait_for_timeout(PACE_MS)
    page.screenshot(path=f"/tmp/e2e_import_xlsx_{name}_preview.png")
    page.get_by_role("button", name="Importer").click()
    expect(page.get_by_text("Sites : 1 ajouté(s)")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Sites : 1 ajouté(s)").scroll_into_view_if_needed()
    page.wait_for_timeout(PACE_MS)
    page.screenshot(path=f"/tmp/e2e_import_xlsx_{name}_done.png")
    assert network_log.problems() == []
