"""Bookmarks and landing pages in Chromium, at human pace: a deep link opened before login shows the
login form (never Streamlit's English « Page not found »), then the page asked for; a page the
role may not open says so in French; each role lands on its own page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.ui import (
    TIMEOUT_MS,
    forget_session,
    map_settled,
    open_sidebar,
    wait_for_session_cookie,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000  # a person reads, then acts


def open_and_log_in(page: Page, url: str, login: str) -> None:
    from diagnostics.demo import DEMO_PASSWORD

    forget_session(page)  # each role is another person, in a browser of their own
    page.goto(url)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    assert_no_english_modal(page)
    page.get_by_label("Identifiant").fill(login)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_role("button", name="Se connecter").click()
    wait_until_idle(page)
    wait_for_session_cookie(page)


def assert_no_english_modal(page: Page) -> None:
    expect(page.get_by_text("Page not found")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name=text, level=1)).to_be_visible(timeout=TIMEOUT_MS)


def test_deep_links_and_landing_pages_for_every_role(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    SHOTS.mkdir(exist_ok=True)

    # A commander's bookmark to the map, opened before login.
    page.goto(f"{demo_app}/carte")
    expect(page.get_by_text("Connectez-vous pour ouvrir la page « Carte de commandement ».")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    assert_no_english_modal(page)
    page.screenshot(path=str(SHOTS / "lien-carte-avant-connexion-desktop.png"))
    open_and_log_in(page, f"{demo_app}/carte", "commandant.70")
    heading(page, "Carte de commandement")
    map_settled(page)
    assert_no_english_modal(page)

    # Every role, from every bookmark: the page asked for, or a French refusal.
    for login, path, title in (
        ("agent.gray", "carte", "Carte de commandement"),
        ("maire.gray", "export", "Export maire"),
        ("admin.psq", "couches", "Couches de référence"),
        ("commandant.39", "analyse", "Analyse"),
    ):
        open_and_log_in(page, f"{demo_app}/{path}", login)
        heading(page, title)
        if title == "Carte de commandement":
            map_settled(page)
        assert_no_english_modal(page)
    for login, path, title, role in (
        ("maire.gray", "couches", "Couches de référence", "Maire"),
        ("agent.gray", "export", "Export maire", "Agent de terrain"),
        ("commandant.70", "admin", "Administration", "Commandant"),
    ):
        open_and_log_in(page, f"{demo_app}/{path}", login)
        expect(page.get_by_text(f"La page « {title} » n'est pas ouverte au rôle {role}.")).to_be_visible(
            timeout=TIMEOUT_MS
        )
        assert_no_english_modal(page)
    page.screenshot(path=str(SHOTS / "page-refusee-desktop.png"))
    page.get_by_role("link", name="Aller à ma page d'accueil").click()
    wait_until_idle(page)
    heading(page, "Carte de commandement")
    map_settled(page)

    # Opened at the root, each role lands on its own page; the menu lists only what it may open.
    for login, first_page in (
        ("agent.gray", "Saisie terrain"),
        ("commandant.70", "Carte de commandement"),
        ("maire.gray", "Ma commune — Gray"),
        ("admin.psq", "Administration"),
    ):
        open_and_log_in(page, demo_app, login)
        heading(page, first_page)
        if first_page == "Carte de commandement":
            map_settled(page)
        assert_no_english_modal(page)
        if login == "maire.gray":
            open_sidebar(page)
            expect(page.get_by_role("link", name="Export maire")).to_be_visible()
            expect(page.get_by_role("link", name="Ma commune")).to_be_visible()
            for hidden in ("Carte de commandement", "Couches de référence", "Administration", "Connexion"):
                expect(page.get_by_role("link", name=hidden)).to_have_count(0)
    assert network_log.problems() == []


def test_a_phone_opens_a_bookmark_behind_the_login_form(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_app}/saisie")
    expect(page.get_by_text("Connectez-vous pour ouvrir la page « Saisie terrain ».")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    assert_no_english_modal(page)
    page.screenshot(path=str(SHOTS / "lien-saisie-avant-connexion-phone.png"))
    open_and_log_in(page, f"{demo_app}/saisie", "agent.gray")
    heading(page, "Saisie terrain")
    assert_no_english_modal(page)
