"""The register of processing (Administration → Registre des traitements) in Chromium, on a desktop
and a phone: every role of the code is listed, tables readable without sideways scrolling of the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from diagnostics import auth
from tests.browser.ui import TIMEOUT_MS, log_in, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")


@pytest.mark.parametrize(("width", "height", "name"), [(1366, 768, "desktop"), (390, 844, "phone")])
def test_the_register_lists_every_role(demo_app, browser_page, network_log, width, height, name):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "admin.psq")
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    page.get_by_role("tab", name="Registre des traitements").click()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Destinataires par rôle")).to_be_visible(timeout=TIMEOUT_MS)
    tables = page.locator("table")
    for label in auth.ROLES.values():
        expect(tables.get_by_text(label, exact=True).first).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("heading", name="Destinataires par rôle").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / f"registre-{name}.png"))
    page.screenshot(path=str(SHOTS / f"registre-{name}-full.png"), full_page=True)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert network_log.problems() == []
