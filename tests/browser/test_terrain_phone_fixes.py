"""The field page as a tester used it by hand on a 390×844 touch phone (human pace): a phone shared
by two agents, a logout asked offline, the header above the map, notices that say what happened,
French everywhere, the outside-the-commune check, a session closed by an administrator, two tabs,
a slow login, the queued points on the map."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from diagnostics.auth import system_actor
from diagnostics.db import open_database
from diagnostics.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from diagnostics.models import Observation
from diagnostics.services import sessions
from tests.browser.test_terrain_offline import (  # one server per module, as there
    GRAY,
    GRAY_SOUTH,
    OUTSIDE_GRAY,
    TIMEOUT_MS,
    _describe,
    _only_the_login_refusal,
    _pause,
    _shot,
    _tap_map,
    demo,  # noqa: F401  (fixture)
    server,  # noqa: F401  (fixture)
)

pytestmark = [pytest.mark.browser, pytest.mark.phone]

NAMES = {account["login"]: account["display_name"] for account in DEMO_ACCOUNTS}
FAR_FROM_GRAY = (47.4300, 5.5800)  # about 700 m west of Gray's boundary: refused on the phone outright


def _sign_in(page: Page, url: str, login: str, *, go: bool = True) -> None:
    if go:
        page.goto(f"{url}/terrain/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Identifiant").fill(login)
    _pause(page)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").tap()
    expect(page.locator("#who")).to_contain_text(f"Connecté : {NAMES[login]}", timeout=TIMEOUT_MS)
    expect(page.locator("#work")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)


def _save(page: Page) -> None:
    page.get_by_role("button", name="Enregistrer l'observation").tap()
    expect(page.locator("#saved")).to_have_text("Observation enregistrée sur le téléphone.", timeout=TIMEOUT_MS)
    _pause(page)


def _authors(database_url: str) -> list[str]:
    db = open_database(database_url)
    try:
        with db.session() as session:
            return list(session.scalars(select(Observation.author).where(Observation.id > 3).order_by(Observation.id)))
    finally:
        db.dispose()


def _session_answer(url: str, cookie: str) -> int:
    request = urllib.request.Request(f"{url}/api/session", headers={"Cookie": f"psq_session={cookie}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_a_shared_phone_keeps_each_agents_observations_to_themselves(server, browser_page, network_log):  # noqa: F811
    running, database_url = server
    page = browser_page
    context = page.context
    before = _authors(database_url)
    _sign_in(page, running.url, "agent.gray")
    cookie = next(c["value"] for c in context.cookies() if c["name"] == "psq_session")

    # A second tab of the page sees what the first one stores (item 8).
    other_tab = context.new_page()
    other_tab.goto(f"{running.url}/terrain/")
    expect(other_tab.locator("#who")).to_contain_text("Connecté", timeout=TIMEOUT_MS)
    expect(other_tab.locator("#pending")).to_have_text("0")
    page.bring_to_front()

    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Hors ligne")
    _tap_map(page, *GRAY)
    _describe(page, "Éclairage", "2 — Modérée", "Candélabre éteint rue des Casernes")
    _save(page)
    expect(page.locator("#pending")).to_have_text("1")
    expect(other_tab.locator("#pending")).to_have_text("1", timeout=5_000)
    expect(other_tab.locator("#pending-list li")).to_have_count(1)
    other_tab.close()
    # The queued point is drawn on the map, hollow and orange (item 10).
    expect(page.locator("#map path.psq-pending")).to_have_count(1)
    # The green « enregistrée » leaves as soon as the next one is being filled (item 4).
    page.get_by_label("Description").fill("Suivante")
    expect(page.locator("#saved")).to_be_hidden()
    _pause(page)
    page.get_by_label("Description").fill("")

    # « Se déconnecter » offline: the team's data leave at once, the server's logout waits (item 2).
    page.get_by_role("button", name="Se déconnecter").tap()
    expect(page.locator("#notice")).to_contain_text("au retour du réseau", timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    _pause(page)
    with page.expect_request(lambda r: r.url.endswith("/api/session") and r.method == "DELETE", timeout=TIMEOUT_MS):
        context.set_offline(False)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.wait_for_timeout(1000)
    assert _session_answer(running.url, cookie) == 401  # the old cookie no longer opens anything

    # agent.vesoul on the same phone: only a count of gray's item, no content, nothing sent (item 1).
    _sign_in(page, running.url, "agent.vesoul", go=False)
    expect(page.locator("#pending")).to_have_text("0")
    expect(page.locator("#pending-others")).to_contain_text("1 observation(s) d'un autre compte")
    expect(page.locator("#pending-list li")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("Candélabre")
    expect(page.locator("#map path.psq-pending")).to_have_count(0)
    page.get_by_role("button", name="Envoyer").tap()
    expect(page.locator("#notice")).to_have_text("Rien à envoyer.", timeout=TIMEOUT_MS)
    _shot(page, "10_shared_phone_other_agent", full=True)
    assert _authors(database_url) == before
    # Even a page that skipped its own check could not send it: the phone says whose it is.
    stored = page.evaluate("async () => (await Store.items()).map((item) => item.login)")
    assert stored == ["agent.gray"]

    # Back to agent.gray: the item goes, under gray's name.
    page.get_by_role("button", name="Se déconnecter").tap()
    expect(page.locator("#notice")).to_contain_text("Vous êtes déconnecté.", timeout=TIMEOUT_MS)
    _pause(page)
    _sign_in(page, running.url, "agent.gray", go=False)
    expect(page.locator("#notice")).to_contain_text("Envoi terminé : 1 envoyée(s)", timeout=TIMEOUT_MS)
    assert _authors(database_url) == [*before, "agent.gray"]
    network_log.errors[:] = [e for e in network_log.errors if "/api/session" not in e]
    _only_the_login_refusal(page, network_log, running.url)


def test_header_notices_checks_and_french_on_a_phone(server, browser_page, network_log):  # noqa: F811
    running, database_url = server
    page = browser_page
    context = page.context

    # A slow login: the button waits, disabled, and a second tap sends nothing (item 9).
    posts: list[str] = []

    def slow_login(route) -> None:
        if route.request.method == "POST":
            posts.append(route.request.url)
            page.wait_for_timeout(1500)
        route.continue_()

    page.route("**/api/session", slow_login)
    page.goto(f"{running.url}/terrain/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Identifiant").fill("agent.gray")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.locator("#login-form button[type=submit]").tap()
    button = page.locator("#login-form button[type=submit]")
    expect(button).to_have_text("Connexion…")
    expect(button).to_be_disabled()
    button.dispatch_event("click")
    expect(page.locator("#who")).to_contain_text("Connecté", timeout=TIMEOUT_MS)
    assert len(posts) == 1
    page.unroute("**/api/session")
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)

    # Leaflet speaks French (item 5).
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "Zoomer")
    expect(page.locator(".leaflet-control-zoom-out")).to_have_attribute("title", "Dézoomer")
    assert "A JavaScript library" not in page.content()

    # A patrol zone's long name wraps inside the map instead of being cut at 390 px (item 10).
    widths = page.evaluate(
        """() => { let opened = null; window.psqFieldMap.eachLayer((layer) => {
          const tip = layer.getTooltip && layer.getTooltip();
          const zone = tip && String(tip.getContent().textContent).startsWith("Zone :");
          if (!opened && zone) { layer.openTooltip(); opened = tip; } });
        const node = document.querySelector('#map .leaflet-tooltip');
        const tip = node.getBoundingClientRect(); const map = document.getElementById('map').getBoundingClientRect();
        return [node.textContent, tip.width, map.width, tip.left >= map.left && tip.right <= map.right]; }"""
    )
    assert widths[0].startswith("Zone : ") and widths[1] <= widths[2] / 2 and widths[3], widths
    page.locator("#map").scroll_into_view_if_needed()
    _shot(page, "18_zone_label_wraps")

    # The header stays above the map's controls when the map scrolls under it (item 3).
    page.evaluate(
        "window.scrollTo(0, document.getElementById('map').getBoundingClientRect().top + window.scrollY - 20)"
    )
    _pause(page)
    box = page.locator("#send").bounding_box()
    hit = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('#send') !== null",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert hit
    _shot(page, "11_header_over_map")

    # Outside the commune: far is refused, near may be confirmed; French decimals, touch words (item 6).
    _tap_map(page, *FAR_FROM_GRAY)
    _describe(page, "Autre", "1 — Faible", "Point loin de la commune")
    page.get_by_role("button", name="Enregistrer l'observation").tap()
    error = page.locator("[data-error=position]")
    french = re.compile(r"Le point \(47,430\d\d, 5,580\d\d\) est en dehors de la commune de Gray, à ")
    expect(error).to_contain_text(french)
    expect(error).to_contain_text("Touchez la carte à l'intérieur de la commune ou corrigez la position")
    expect(page.locator("#confirm-outside")).to_be_hidden()
    _shot(page, "12_far_outside_refused")
    _tap_map(page, *OUTSIDE_GRAY)
    page.get_by_role("button", name="Enregistrer l'observation").tap()
    expect(page.locator("#confirm-outside")).to_be_visible()
    page.get_by_text("Je confirme cette position").tap()
    _pause(page)

    # Offline, three are recorded (one the server will refuse); online, one send with its summary.
    context.set_offline(True)
    _save(page)
    for lat_lon, text in ((GRAY, "Banc cassé"), (GRAY_SOUTH, "Abri sans lumière")):
        _tap_map(page, *lat_lon)
        _describe(page, "Éclairage", "2 — Modérée", text)
        _save(page)
    expect(page.locator("#pending")).to_have_text("3")

    # No network: a French reason, never the browser's « Failed to fetch » (item 5).
    page.route("**/api/terrain/sync", lambda route: route.abort("connectionreset"))
    context.set_offline(False)
    expect(page.locator("#notice")).to_contain_text(
        "Envoi interrompu (le réseau ou le serveur ne répond pas)", timeout=TIMEOUT_MS
    )
    assert "Failed" not in page.locator("#notice").inner_text()
    page.unroute("**/api/terrain/sync")
    _pause(page)

    # A slow network: « Envoi en cours… », the button disabled; a second tap joins the send (item 4).
    def slow_sync(route) -> None:
        page.wait_for_timeout(2500)
        route.continue_()

    page.route("**/api/terrain/sync", slow_sync)
    page.get_by_role("button", name="Envoyer").tap()
    expect(page.locator("#send-label")).to_have_text("Envoi en cours…")
    expect(page.locator("#send")).to_be_disabled()
    page.locator("#send").dispatch_event("click")
    _shot(page, "13_sending")
    expect(page.locator("#notice")).to_have_text(
        "Envoi terminé : 2 envoyée(s), 1 à corriger (voir « En attente d'envoi »).", timeout=TIMEOUT_MS
    )
    expect(page.locator("#pending")).to_have_text("1")
    expect(page.locator("#send")).to_be_enabled()
    page.unroute("**/api/terrain/sync")

    # « Modifier » goes to the map when the position was refused (item 6).
    page.locator("#pending-list li.refused").get_by_role("button", name="Modifier").tap()
    page.wait_for_timeout(1200)
    top = page.evaluate("document.getElementById('map').getBoundingClientRect().top")
    assert 0 <= top < 844
    # The server's refusal, in the phone's words (touch, French decimals).
    expect(page.locator("[data-error=position]")).to_contain_text("Touchez la carte à l'intérieur de la commune")
    expect(page.locator("#pending-list li.refused")).to_contain_text("Refusée : Le point (47,42")
    _shot(page, "14_edit_goes_to_map")

    # The summary leaves once the situation changes: another one recorded offline (item 4).
    page.get_by_role("button", name="Annuler la modification").tap()
    context.set_offline(True)
    _tap_map(page, *GRAY)
    _describe(page, "Éclairage", "1 — Faible", "Lampadaire clignotant")
    _save(page)
    expect(page.locator("#notice")).to_be_hidden()

    # An administrator closes the session: the page says the server's reason (item 7).
    db = open_database(database_url)
    try:
        for open_one in sessions.open_sessions(db, system_actor()):
            if open_one.login == "agent.gray":
                sessions.revoke_session(db, system_actor(), open_one.id)
    finally:
        db.dispose()
    context.set_offline(False)
    expect(page.locator("#notice")).to_contain_text(sessions.REVOKED, timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Connexion")).to_be_in_viewport()
    expect(page.locator("#work")).to_be_hidden()  # the team's data are gone with the session (item 11)
    _shot(page, "15_session_closed")
    page.set_viewport_size({"width": 1366, "height": 768})
    _pause(page)
    _shot(page, "16_desktop_login")
    network_log.errors[:] = [e for e in network_log.errors if not e.endswith("/api/terrain/sync")]
    _only_the_login_refusal(page, network_log, running.url)


def test_a_logout_on_the_streamlit_pages_drops_the_field_pages_team_data(server, browser_page, network_log):  # noqa: F811
    from tests.browser.ui import log_out

    running, database_url = server
    page = browser_page
    _sign_in(page, running.url, "agent.gray")
    page.route("**/api/terrain/sync", lambda route: route.abort("connectionreset"))  # it stays waiting
    _tap_map(page, *GRAY)
    _describe(page, "Éclairage", "2 — Modérée", "Candélabre à remplacer")
    _save(page)
    expect(page.locator("#notice")).to_contain_text("Envoi interrompu", timeout=TIMEOUT_MS)
    page.unroute("**/api/terrain/sync")

    # The same browser, on Saisie terrain (signed in by the cookie): « Se déconnecter » there.
    page.goto(f"{running.url}/saisie")
    expect(page.get_by_text("Connecté : Agent du groupe de contact de Gray").first).to_be_attached(timeout=TIMEOUT_MS)
    _pause(page)
    log_out(page)
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[src=\"/terrain/sortie.html\"]');"
        " const root = f && f.contentDocument && f.contentDocument.documentElement;"
        " return !!root && root.dataset.done === '1'; }",
        timeout=TIMEOUT_MS,
    )

    # Opened offline, the field page shows nobody's data; the observation still waits, locked.
    page.context.set_offline(True)
    page.goto(f"{running.url}/terrain/")
    expect(page.locator("#notice")).to_contain_text("ouvrez cette page une première fois avec le réseau")
    expect(page.locator("#work")).to_be_hidden()
    expect(page.locator("#who")).to_have_text("")
    expect(page.locator("#pending")).to_have_text("1")
    assert page.evaluate("caches.has('psq-terrain-data-v1')") is False
    assert page.evaluate("async () => (await Store.items()).map((item) => item.login)") == ["agent.gray"]
    _shot(page, "17_after_streamlit_logout_offline")
    page.context.set_offline(False)
    network_log.errors[:] = [e for e in network_log.errors if not e.endswith("/api/terrain/sync")]
    _only_the_login_refusal(page, network_log, running.url)


def test_a_logout_left_pending_offline_never_ends_a_later_streamlit_login(server, browser_page, network_log):  # noqa: F811
    from tests.browser.ui import log_in

    running, _ = server
    page = browser_page
    _sign_in(page, running.url, "agent.gray")
    page.context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Hors ligne")
    page.get_by_role("button", name="Se déconnecter").tap()
    expect(page.locator("#notice")).to_contain_text("au retour du réseau", timeout=TIMEOUT_MS)
    _pause(page)
    page.goto("about:blank")  # the page is left before the network returns
    page.context.set_offline(False)

    log_in(page, running.url, "agent.gray")  # Saisie terrain, a new session
    page.goto(f"{running.url}/terrain/")
    expect(page.locator("#who")).to_contain_text(f"Connecté : {NAMES['agent.gray']}", timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    expect(page.locator("#work")).to_be_visible()
    network_log.errors[:] = [e for e in network_log.errors if "/api/session" not in e]
    _only_the_login_refusal(page, network_log, running.url)
