"""Staying signed in, in Chromium at human pace: after a password login a reload (F5) and a
bookmark opened in a new tab keep the user signed in on the page asked for; after « Se
déconnecter » a copy of the old cookie, put into a fresh browser, opens only the login form, and
the API refuses it. At 1366×768 and on a 390×844 phone."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import LOOPBACK_HOSTS, PHONE
from tests.browser.ui import (
    TIMEOUT_MS,
    choose,
    close_sidebar,
    log_in,
    log_out,
    open_sidebar,
    wait_for_session_cookie,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
COOKIE = "psq_session"
DESKTOP = {"viewport": {"width": 1366, "height": 768}}


class Contexts:
    """Fresh browser contexts (each a browser profile of its own) that never leave loopback."""

    def __init__(self, browser: Browser) -> None:
        self.browser, self.opened, self.problems = browser, [], []

    def new(self, options: dict) -> BrowserContext:
        context = self.browser.new_context(**options)
        context.route("**/*", self._route)
        context.on("response", self._response)
        self.opened.append(context)
        return context

    def _route(self, route, request) -> None:
        host = urlsplit(request.url).hostname or ""
        if request.url.startswith(("http", "ws")) and host not in LOOPBACK_HOSTS:
            self.problems.append(f"left loopback: {request.url}")
            route.abort("blockedbyclient")
        else:
            route.continue_()

    def _response(self, response) -> None:
        path = urlsplit(response.url).path
        probe = response.status == 404 and path.endswith(("/_stcore/health", "/_stcore/host-config"))
        if response.status >= 400 and not probe:
            self.problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def contexts(chromium):
    made = Contexts(chromium)
    yield made
    for context in made.opened:
        context.close()
    assert made.problems == []


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", name=text, level=1)).to_be_visible(timeout=TIMEOUT_MS)


def signed_in_as(page: Page, label: str) -> None:
    open_sidebar(page)
    expect(page.get_by_text(f"Connecté : {label}")).to_be_visible(timeout=TIMEOUT_MS)
    close_sidebar(page)


def api_who_am_i(base_url: str, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(f"{base_url}/api/session", headers={"Cookie": f"{COOKIE}={token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refusal:
        return refusal.code, json.loads(refusal.read())


@pytest.mark.parametrize(("size", "options"), [("desktop", DESKTOP), ("telephone", PHONE)])
def test_reload_and_bookmarks_keep_the_user_signed_in_and_logout_ends_the_cookie(
    module_demo_app, contexts, size, options
):
    base = module_demo_app.url
    SHOTS.mkdir(exist_ok=True)
    context = contexts.new(options)
    page = context.new_page()

    log_in(page, f"{base}/analyse", "commandant.70")  # a bookmark opened before login
    heading(page, "Analyse")
    cookie = wait_for_session_cookie(page)
    assert cookie and cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "commandant" not in cookie["value"]

    page.wait_for_timeout(PAUSE_MS)
    page.reload()  # F5
    wait_until_idle(page)
    heading(page, "Analyse")
    expect(page.get_by_role("button", name="Se connecter")).to_have_count(0)
    signed_in_as(page, "Commandant")
    page.screenshot(path=str(SHOTS / f"session-apres-rechargement-{size}.png"))

    bookmark = context.new_page()  # a bookmark opened in a new tab of the same browser
    bookmark.goto(f"{base}/carte")
    wait_until_idle(bookmark)
    heading(bookmark, "Carte de commandement")
    expect(bookmark.get_by_role("button", name="Se connecter")).to_have_count(0)
    bookmark.wait_for_timeout(PAUSE_MS)
    bookmark.screenshot(path=str(SHOTS / f"session-signet-nouvel-onglet-{size}.png"))
    # A link in an e-mail or another site: SameSite=Strict keeps the cookie off that first
    # cross-site request, but the page's own WebSocket is same-site and carries it.
    bookmark.set_content(f'<a href="{base}/export">Carte de la commune</a>')
    bookmark.get_by_role("link", name="Carte de la commune").click()
    wait_until_idle(bookmark)
    heading(bookmark, "Export maire")
    expect(bookmark.get_by_role("button", name="Se connecter")).to_have_count(0)
    bookmark.close()

    assert api_who_am_i(base, cookie["value"])[0] == 200
    page.wait_for_timeout(PAUSE_MS)
    log_out(page)
    for _ in range(40):  # the logout page clears the cookie with its script
        if not any(c["name"] == COOKIE for c in context.cookies()):
            break
        page.wait_for_timeout(250)
    assert not any(c["name"] == COOKIE for c in context.cookies())
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / f"session-apres-deconnexion-{size}.png"))

    # Someone copied the cookie before the logout and puts it into another browser.
    thief = contexts.new(options)
    thief.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
    stolen = thief.new_page()
    stolen.goto(f"{base}/analyse")
    expect(stolen.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    expect(stolen.get_by_text("Connectez-vous pour ouvrir la page « Analyse ».")).to_be_visible(timeout=TIMEOUT_MS)
    heading(stolen, "PSQ diagnostics — Connexion")
    stolen.wait_for_timeout(PAUSE_MS)
    stolen.screenshot(path=str(SHOTS / f"session-cookie-copie-refuse-{size}.png"))
    status, body = api_who_am_i(base, cookie["value"])
    assert status == 401 and "connect" in body["erreur"]


def test_an_administrator_closes_an_agents_session_and_the_agent_is_out_at_the_next_tap(module_demo_app, contexts):
    base = module_demo_app.url
    phone = contexts.new(PHONE).new_page()
    log_in(phone, f"{base}/saisie", "agent.gray")
    heading(phone, "Saisie terrain")

    admin = contexts.new(DESKTOP).new_page()
    log_in(admin, base, "admin.psq")
    heading(admin, "Administration")
    admin.get_by_role("tab", name="Sessions").click()
    wait_until_idle(admin)
    expect(admin.get_by_text("2 session(s) ouverte(s)")).to_be_visible(timeout=TIMEOUT_MS)  # the table is a canvas
    admin.wait_for_timeout(PAUSE_MS)
    admin.screenshot(path=str(SHOTS / "admin-sessions-desktop.png"))
    choose(admin, "Session à fermer", "agent.gray")
    admin.wait_for_timeout(PAUSE_MS)
    admin.get_by_role("button", name="Fermer la session").click()
    wait_until_idle(admin)
    expect(admin.get_by_text("Session de agent.gray fermée")).to_be_visible(timeout=TIMEOUT_MS)
    admin.screenshot(path=str(SHOTS / "admin-session-fermee-desktop.png"))

    phone.wait_for_timeout(PAUSE_MS)
    choose(phone, "Diagnostic", "Quartier de l'île, Gray")  # the agent's next tap
    expect(phone.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    expect(phone.get_by_text("Votre session a été fermée par un administrateur")).to_be_visible(timeout=TIMEOUT_MS)
    phone.wait_for_timeout(PAUSE_MS)
    phone.screenshot(path=str(SHOTS / "session-fermee-par-admin-telephone.png"))
    phone.reload()  # its cookie is refused too
    wait_until_idle(phone)
    expect(phone.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)


def test_an_idle_session_ends_with_the_french_notice_at_the_next_reload(module_demo_app, contexts):
    from sqlalchemy import update

    from diagnostics.db import open_database
    from diagnostics.models import utcnow
    from diagnostics.session_models import UserSession

    page = contexts.new(DESKTOP).new_page()
    log_in(page, f"{module_demo_app.url}/export", "maire.gray")
    heading(page, "Export maire")
    db = open_database(module_demo_app.database_url)
    try:  # two hours without activity, as PSQ_SESSION_IDLE_MINUTES allows
        with db.session() as session:
            session.execute(update(UserSession).where(UserSession.revoked_at.is_(None)).values(expires_at=utcnow()))
    finally:
        db.dispose()
    page.wait_for_timeout(PAUSE_MS)
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_text("Votre session a expiré après 120 minutes d'inactivité")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / "session-expiree-desktop.png"))
