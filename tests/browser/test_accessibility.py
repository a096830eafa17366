"""RGAA in Chromium: axe-core on every page of every role, the login page, the declaration and the
offline field page (0 serious or critical violations); French document and a title per page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.axe import AXE_JS, Violation, check_page
from tests.browser.ui import TIMEOUT_MS, forget_session, log_in, open_sidebar, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
REPORT = SHOTS / "axe-violations.json"
PAUSE_MS = 1000
ROLES = ("agent.gray", "commandant.70", "maire.gray", "partenaire.habitat70", "admin.psq")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def settle(page: Page) -> None:
    """Idle, and the maps drawn: axe checks what a person would see."""
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    # Elements of the page left behind fade out (data-stale) until the new run replaces them.
    expect(page.locator('[data-stale="true"]')).to_have_count(0, timeout=TIMEOUT_MS)
    maps = page.locator('iframe[title="streamlit_folium.st_folium"]')
    for i in range(maps.count()):
        expect(maps.nth(i).content_frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)


def document_language_and_title(page: Page) -> tuple[str, str]:
    return page.evaluate("() => [document.documentElement.lang, document.title]")


def nav_titles(page: Page) -> list[str]:
    open_sidebar(page)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link")
    return [links.nth(i).inner_text().strip().splitlines()[-1] for i in range(links.count())]


def visit_by_menu(page: Page, title: str) -> None:
    open_sidebar(page)
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title, exact=True).click()
    settle(page)


def slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")


def test_axe_sweep_of_every_page(module_demo_app, browser_page):
    base = module_demo_app.url
    assert AXE_JS.is_file(), "run `make assets`: axe-core is pinned in assets.lock"
    page = browser_page
    page.set_viewport_size(DESKTOP)
    SHOTS.mkdir(exist_ok=True)
    found: list[Violation] = []
    titles: dict[str, str] = {}

    # Before login: the login page, and the declaration reached from it.
    forget_session(page)
    page.goto(base)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    titles["Connexion"] = document_language_and_title(page)
    found += check_page(page, "Connexion")
    page.get_by_role("link", name="Déclaration d'accessibilité").click()
    expect(page.get_by_role("heading", name="État de conformité")).to_be_visible(timeout=TIMEOUT_MS)
    settle(page)
    titles["Déclaration (sans connexion)"] = document_language_and_title(page)
    found += check_page(page, "Déclaration d'accessibilité")
    page.screenshot(path=str(SHOTS / "a11y-declaration-desktop.png"))

    for login in ROLES:
        log_in(page, base, login)
        settle(page)
        for title in nav_titles(page):
            visit_by_menu(page, title)
            expect(page).to_have_title(f"{title} — PSQ diagnostics", timeout=TIMEOUT_MS)
            titles[f"{title} ({login})"] = document_language_and_title(page)
            found += check_page(page, f"{title} ({login})")
            page.screenshot(path=str(SHOTS / f"a11y-{slug(title)}-{login}.png"))

    # On a phone: the same page, and the declaration, at 390 × 844.
    page.set_viewport_size(PHONE)
    settle(page)
    page.screenshot(path=str(SHOTS / "a11y-phone-derniere-page.png"), full_page=True)
    found += check_page(page, f"{title} ({login}, téléphone)")

    # The offline field page, signed in as the last role (an administrator may use it).
    page.goto(f"{base}/terrain/")
    page.wait_for_timeout(2 * PAUSE_MS)
    titles["Saisie hors ligne"] = document_language_and_title(page)
    found += check_page(page, "Saisie hors ligne (/terrain/)")

    REPORT.write_text(json.dumps([v.__dict__ for v in found], ensure_ascii=False, indent=1, default=list))
    print("\naxe-core violations (all impacts):\n" + "\n".join(v.line() for v in found))
    print("\nlang and titles:\n" + "\n".join(f"{k}: {v}" for k, v in titles.items()))

    assert all(lang == "fr" for lang, _ in titles.values()), titles
    assert all(title.endswith(" — PSQ diagnostics") or title.startswith("PSQ —") for _, title in titles.values()), (
        titles
    )
    assert len({title for _, title in titles.values()}) >= 8, titles  # a title of its own per page
    blocking = [v.line() for v in found if v.blocking]
    assert not blocking, "serious or critical violations:\n" + "\n".join(blocking)
