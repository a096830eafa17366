"""The mayor in Chromium, at human pace: logs in, lands on « Ma commune », sees only Gray and no
unit of the forces, downloads the PNG, the PDF, the HTML and the Excel table; the PDF read back names no unit and
numbers its points as its list; the HTML opened offline shows the zone without unit or schedule;
only the downloads are audited."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from diagnostics.services.reference import DEFAULT_TEAMS
from tests.browser.ui import TIMEOUT_MS, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
ZONES = json.loads((Path(__file__).resolve().parents[2] / "geodata" / "patrol_zones.geojson").read_text("utf-8"))
UNIT_TEXTS = sorted(
    {team for team, _, _ in DEFAULT_TEAMS}
    | {f["properties"][key] for f in ZONES["features"] for key in ("name", "unit", "schedule")}
)
OTHER_COMMUNES = ("Vesoul", "Lons-le-Saunier", "Pusey", "Dole")


def _log_in(page: Page, base_url: str) -> None:
    from diagnostics.demo import DEMO_PASSWORD

    page.goto(base_url)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_label("Identifiant").fill("maire.gray")
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_role("button", name="Se connecter").click()
    wait_until_idle(page)


def _download(page: Page, label: str) -> bytes:
    page.wait_for_timeout(PAUSE_MS)
    with page.expect_download(timeout=TIMEOUT_MS * 2) as info:
        page.get_by_role("button", name=f"Télécharger : {label}").click()
    return Path(info.value.path()).read_bytes()


def _assert_no_unit(text: str) -> None:
    found = [unit for unit in UNIT_TEXTS if unit in text]
    assert not found, found


def test_the_mayor_reads_their_commune_and_downloads_what_partners_may_see(demo_app, browser_page, tmp_path):
    page = browser_page
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    _log_in(page, demo_app)
    expect(page.get_by_role("heading", name="Ma commune — Gray", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("img").first).to_be_visible(timeout=TIMEOUT_MS)  # the map preview
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    body = page.locator("body").inner_text()
    _assert_no_unit(body)
    assert not [name for name in OTHER_COMMUNES if name in body]
    assert "Équipes" not in body and "Carte de commandement" not in body
    page.screenshot(path=str(SHOTS / "maire-ma-commune-desktop.png"), full_page=True)
    for table in page.get_by_test_id("stDataFrame").all():  # no unaudited CSV from the tables' toolbar
        table.hover()
        expect(page.get_by_role("button", name="Search").first).to_be_visible(timeout=TIMEOUT_MS)
        assert not page.get_by_role("button", name="Download as CSV").first.is_visible()

    png = _download(page, "Carte (PNG)")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = _download(page, "Dossier (PDF)")
    reader = PdfReader(io.BytesIO(pdf))
    map_text, list_text = reader.pages[0].extract_text(), "\n".join(p.extract_text() for p in reader.pages[1:])
    _assert_no_unit(map_text + list_text)
    numbers = {line.split()[0] for line in list_text.splitlines() if line.split() and line.split()[0].isdigit()}
    assert numbers and numbers <= set(map_text.split())  # each line's N° is written on the map
    html = _download(page, "Carte interactive (HTML)")
    _assert_no_unit(html.decode("utf-8"))
    table = pd.read_excel(io.BytesIO(_download(page, "Tableau (Excel)")), dtype=str).fillna("")
    assert len(table) == len(numbers) and "Constat" in table.columns
    _assert_no_unit(table.to_csv())
    page.get_by_role("button", name="Télécharger : Tableau (Excel)").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "maire-downloads-desktop.png"))

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "maire-ma-commune-phone.png"), full_page=True)
    page.get_by_role("button", name="Télécharger : Tableau (Excel)").scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "maire-downloads-phone.png"))

    # The audit log holds the four downloads, and nothing for having opened the page.
    from diagnostics.db import open_database
    from diagnostics.services import audit
    from tests.conftest import ADMIN_ACTOR

    db = open_database(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    exported = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("export",)))
    db.dispose()
    assert sorted(exported["detail"].str.split(" :").str[0]) == ["carte HTML", "carte PDF", "carte PNG", "tableau XLSX"]
    assert set(exported["actor"]) == {"maire.gray"}

    # The HTML opened offline from disk: drawn, numbered, the zone without unit nor schedule.
    path = tmp_path / "gray.html"
    path.write_bytes(html)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(path.as_uri())
    expect(page.locator(".leaflet-overlay-pane canvas")).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.locator(".psq-number").first).to_be_visible(timeout=TIMEOUT_MS)
    assert {n.strip() for n in page.locator(".psq-number").all_inner_texts()} == numbers
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "maire-html-hors-ligne-desktop.png"))
    _assert_no_unit(page.locator("body").inner_text())
