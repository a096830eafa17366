"""The mayor's HTML snapshot opened from disk in Chromium with no network: it draws, with no request out."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from diagnostics.assets import assets_installed
from diagnostics.services.exports import commune_snapshot
from tests.browser.ui import english_in_controls
from tests.conftest import GRAY, make_diagnostic, make_observation

pytestmark = pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")
DRAW_TIMEOUT_MS = 15_000


def _open(browser_page, tmp_path, content: bytes) -> list[str]:
    path = tmp_path / "gray.html"
    path.write_bytes(content)
    page_errors: list[str] = []
    browser_page.on("pageerror", lambda error: page_errors.append(str(error)))
    browser_page.goto(path.as_uri())
    expect(browser_page.locator(".leaflet-overlay-pane canvas")).to_have_count(1, timeout=DRAW_TIMEOUT_MS)
    expect(browser_page.get_by_text("Diagnostic de sûreté — Gray (70279)")).to_be_visible()
    counted = "1 observation (dont 1 à traiter : nouvelle, transmise ou en cours)"
    expect(browser_page.get_by_text(counted)).to_be_visible()
    return page_errors


def test_the_html_snapshot_works_offline(browser_page, network_log, db, admin, team_id, tmp_path):
    make_observation(db, make_diagnostic(db, team_id), description="Candélabre éteint", shareable=True)
    page_errors = _open(browser_page, tmp_path, commune_snapshot(db, admin, GRAY[0], "html"))
    assert page_errors == []
    assert all(url.startswith(("file:", "data:")) for url in network_log.requests), network_log.requests
    assert browser_page.evaluate("typeof L") == "object"
    assert english_in_controls(browser_page) == []
    browser_page.screenshot(path=str(tmp_path / "snapshot.png"))


def test_configured_tiles_that_cannot_load_leave_the_map_drawn(
    browser_page, network_log, db, admin, team_id, tmp_path, monkeypatch
):
    monkeypatch.setenv("PSQ_TILES", "osm")
    make_observation(db, make_diagnostic(db, team_id))
    page_errors = _open(browser_page, tmp_path, commune_snapshot(db, admin, GRAY[0], "html"))
    assert page_errors == []
    browser_page.wait_for_timeout(300)
    assert network_log.offsite and all("tile.openstreetmap.org" in url for url in network_log.offsite)
    network_log.offsite.clear()  # the blocked tiles were the point of this test
