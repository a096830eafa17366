"""« Alertes » in Chromium at human pace: commandant.70 composes an alert for the jewellers and
pharmacies of Gray, sees the recipient count and the area on the map, saves it; admin.psq (a second
person) approves and sends it; the file gateway received exactly the two numbers. 1366×768, then
the approval at 390×844; admin.psq adds a trade and ends a subscription after its confirmation
(« Abonnés et métiers »). Screenshots in /tmp/psq-screenshots/alertes-*.png."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from diagnostics.db import open_database
from diagnostics.services import subscribers
from diagnostics.services.subscribers import SubscriberDraft
from tests.browser.conftest import demo_server
from tests.browser.ui import TIMEOUT_MS, wait_until_idle
from tests.conftest import ADMIN_ACTOR, GRAY, VESOUL

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
TEXT = "Alerte PSQ : faux agents des eaux a Gray ce jour. Utilitaire blanc. Ne les faites pas entrer."


@pytest.fixture(scope="module")
def alert_app(tmp_path_factory):
    outbox = tmp_path_factory.mktemp("sms")
    with demo_server(tmp_path_factory, env={"PSQ_SMS_URL": f"file://{outbox}"}) as server:
        db = open_database(server.database_url)
        for name, phone, trade, commune in (
            ("Bijouterie A", "+33612345601", "bijouterie", GRAY[0]),
            ("Pharmacie B", "+33612345602", "pharmacie", GRAY[0]),
            ("Garage C", "+33612345603", "garage", GRAY[0]),
            ("Bijouterie D", "+33612345604", "bijouterie", VESOUL[0]),
        ):
            draft = SubscriberDraft(name, phone, trade, dt.date(2026, 6, 1), communes=(commune,))
            subscribers.add_subscriber(db, ADMIN_ACTOR, draft)
        db.dispose()
        yield server, outbox


def _log_in(page: Page, base_url: str, login: str) -> None:
    from diagnostics.demo import DEMO_PASSWORD

    page.goto(base_url)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Identifiant").fill(login)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_role("button", name="Se connecter").click()
    wait_until_idle(page)


def _open_alerts(page: Page) -> None:
    link = page.get_by_test_id("stSidebarNav").get_by_role("link", name="Alertes")
    expect(link).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    link.click()
    wait_until_idle(page)


def _start(page: Page, base_url: str, login: str) -> None:
    """At 1366×768, logged in, on « Alertes »."""
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 768})
    _log_in(page, base_url, login)
    _open_alerts(page)


def _pick(page: Page, label: str, option: str) -> None:
    page.get_by_label(label, exact=True).first.click()
    page.wait_for_timeout(PAUSE_MS // 2)
    page.keyboard.type(option.split(" ")[0], delay=80)  # long lists (communes) are filtered by typing
    page.wait_for_timeout(PAUSE_MS // 2)
    page.get_by_role("option", name=option).first.click()
    page.wait_for_timeout(PAUSE_MS)
    page.keyboard.press("Escape")
    wait_until_idle(page)


def test_compose_count_area_second_person_approves_and_sends(alert_app, browser_page):
    server, outbox = alert_app
    page = browser_page
    _start(page, server.url, "commandant.70")
    expect(page.get_by_role("heading", name="Alertes")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Texte de l'alerte").fill(TEXT)
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_label("Texte de l'alerte").press("Control+Enter")
    wait_until_idle(page)
    expect(page.get_by_text("GSM-7 — 1 SMS")).to_be_visible(timeout=TIMEOUT_MS)
    _pick(page, "Métiers visés", "Bijouterie")
    _pick(page, "Métiers visés", "Pharmacie")
    _pick(page, "Communes", "Gray (70279)")
    page.get_by_role("button", name="Calculer les destinataires").click()
    wait_until_idle(page)
    expect(page.get_by_test_id("stMetricValue")).to_have_text("2", timeout=TIMEOUT_MS)
    page.wait_for_timeout(2 * PAUSE_MS)  # the area's map draws
    page.screenshot(path=str(SHOTS / "alertes-compose-1366.png"), full_page=True)
    area_map = page.locator("iframe").last
    area_map.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "alertes-area-1366.png"))
    page.get_by_role("button", name="Enregistrer pour validation").click()
    wait_until_idle(page)
    expect(page.get_by_text("une autre personne doit la valider")).to_be_visible(timeout=TIMEOUT_MS)
    assert not list(outbox.iterdir())  # nothing sent before approval

    page.context.clear_cookies()
    _log_in(page, server.url, "admin.psq")
    _open_alerts(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("tab", name="À valider et envoyer").click()
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Valider l'alerte").click()
    wait_until_idle(page)
    expect(page.get_by_text("2 destinataire(s)").first).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Envoyer l'alerte").click()
    wait_until_idle(page)
    expect(page.get_by_text("2 envoyé(s)")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / "alertes-sent-390.png"), full_page=True)
    [path] = outbox.iterdir()
    assert {json.loads(line)["to"] for line in path.read_text().splitlines()} == {"+33612345601", "+33612345602"}


def test_admin_manages_trades_and_stops_a_subscriber(alert_app, browser_page):
    server, _outbox = alert_app
    page = browser_page
    _start(page, server.url, "admin.psq")
    page.get_by_role("tab", name="Abonnés et métiers").click()
    wait_until_idle(page)
    page.get_by_label("Nouveau métier").fill("Horlogerie")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Ajouter le métier").click()
    wait_until_idle(page)
    expect(page.get_by_text("Métier « Horlogerie » ajouté.")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "alertes-abonnes-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(PAUSE_MS)
    _pick(page, "Abonné", "Garage C (+336••••••03)")
    page.get_by_role("button", name="Mettre fin à l'abonnement (STOP)").click()
    wait_until_idle(page)
    expect(page.get_by_text("Cochez la confirmation")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_text("Je confirme").click()
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Mettre fin à l'abonnement (STOP)").click()
    wait_until_idle(page)
    expect(page.get_by_text("terminé (STOP)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("checkbox", name="Je confirme")).not_to_be_checked()  # good for one STOP only
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "alertes-stop-390.png"), full_page=True)
    page.screenshot(path=str(SHOTS / "alertes-stop-390-view.png"))
    db = open_database(server.database_url)
    try:
        stopped = [s.name for s in subscribers.list_subscribers(db, ADMIN_ACTOR) if s.opted_out_at]
    finally:
        db.dispose()
    assert stopped == ["Garage C"]
