"""Cellules de veille in Chromium, at human pace (about a second between actions), on one demo
server: the commandant of the Jura prepares the Lons-le-Saunier cellule (its agenda, a point
added), records the partner present, downloads the forces' pack and the partner's pack through
the page's buttons, records two decisions for the Mairie de Lons-le-Saunier, reads the relevé;
then the partner (« partenaire.lons ») logs in and finds both decisions as assigned work, with
their due dates. At 1366x768 and at 390x844; screenshots in /tmp/psq-screenshots."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import func, select

from diagnostics import localtime
from diagnostics.db import open_database
from diagnostics.models import AuditEvent
from diagnostics.services.meeting_agenda import SECTIONS
from tests.browser.axe import check_page
from tests.browser.ui import TIMEOUT_MS, choose, forget_session, go_to, log_in, scroll_to, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
LONS = "Cellule de veille de Lons-le-Saunier"
MAIRIE = "Mairie de Lons-le-Saunier"
DECISIONS = ("Éclairer le passage des Cordeliers avant les fêtes", "Réunir les commerçants de la rue Lecourbe")


def _pause(page: Page) -> None:
    page.wait_for_timeout(PAUSE_MS)


def _tab(page: Page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_until_idle(page)
    _pause(page)


def _pdf_text(path: str) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)


def _decide(page: Page, text: str, days: int, double: bool = False) -> None:
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Enregistrer la décision"))
    scroll_to(page, form)
    form.get_by_label("Décision (ce qui est décidé)").fill(text)
    _pause(page)
    choose(page, "Qui agit", MAIRIE)
    _pause(page)
    # The date field's segments: typing the day moves on to the month, then the year
    day = localtime.now_paris().date() + dt.timedelta(days=days)
    form.get_by_role("spinbutton", name="day, Échéance").click()
    page.keyboard.type(f"{day:%d%m%Y}", delay=120)
    _pause(page)
    _click(page, form.get_by_role("button", name="Enregistrer la décision"), double)
    expect(page.get_by_text("Décision enregistrée", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Le formulaire contient des erreurs")).to_have_count(0)
    expect(page.get_by_text("Écrivez ce qui a été décidé")).to_have_count(0)
    _pause(page)


def _presence_records(database_url: str) -> int:
    """How many times the partners present were written (each write is audited)."""
    db = open_database(database_url)
    try:
        with db.session() as session:
            return session.scalar(select(func.count()).where(AuditEvent.entity == "meeting_partners"))
    finally:
        db.dispose()


def _click(page: Page, button, double: bool = False) -> None:
    """One click, or two 350 ms apart as an impatient person does (the second lands on the form
    that replaced the saved one)."""
    button.click()
    if double:
        page.wait_for_timeout(350)
        button.click()
    wait_until_idle(page)


def test_a_commander_prepares_lons_and_the_partner_sees_the_decisions(module_demo_app, browser_page, network_log):
    page = browser_page
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)
    log_in(page, module_demo_app.url, "commandant.39")
    _pause(page)
    go_to(page, "Cellules de veille")
    expect(page.get_by_role("heading", name="Cellules de veille", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    choose(page, "Cellule", "Lons-le-Saunier")
    _pause(page)
    expect(page.get_by_text("Prochaine réunion :", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("1. Suivi des décisions de la réunion précédente")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / "cellules-ordre-du-jour-desktop.png"))
    blocking = [v.line() for v in check_page(page, "Cellules de veille") if v.blocking]
    assert not blocking, blocking  # RGAA: no serious or critical axe-core violation

    # The agenda: a point added, then moved up once
    title = page.get_by_label("Intitulé du point à ajouter")
    scroll_to(page, title)
    title.fill("Fête de quartier de la Marjorie")
    _pause(page)
    page.get_by_role("button", name="Ajouter le point").click()
    wait_until_idle(page)
    expect(page.get_by_text("Point « Fête de quartier de la Marjorie » ajouté.")).to_be_visible(timeout=TIMEOUT_MS)
    last = len(SECTIONS) + 1  # after every generated section
    expect(page.get_by_text(f"{last}. Fête de quartier de la Marjorie")).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    # Two clicks 350 ms apart on « Monter »: moved once (the second lands on the point moved down)
    _click(page, page.get_by_role("button", name="Monter").last, double=True)
    _pause(page)
    expect(page.get_by_text(f"{last - 1}. Fête de quartier de la Marjorie")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("« Fête de quartier de la Marjorie » monté d'un rang.")).to_be_visible()
    # Two clicks 350 ms apart on « Ajouter le point »: added once, the confirmation stays, no error
    title.fill("Marché de Noël")
    _pause(page)
    _click(page, page.get_by_role("button", name="Ajouter le point"), double=True)
    _pause(page)
    expect(page.get_by_text("Point « Marché de Noël » ajouté.")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("Donnez un intitulé", exact=False)).to_have_count(0)
    expect(page.get_by_text("Marché de Noël", exact=False)).to_have_count(2)  # the point and the confirmation
    page.reload()  # stored with the meeting, not in the browser; the URL keeps the cellule
    wait_until_idle(page)
    expect(page.get_by_text(f"{last - 1}. Fête de quartier de la Marjorie")).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)

    # The map of the territory, drawn with the app's own files
    _tab(page, "Carte")
    expect(page.locator('iframe[title="streamlit_folium.st_folium"]').first).to_be_visible(timeout=TIMEOUT_MS)
    frame = page.locator('iframe[title="streamlit_folium.st_folium"]').first.content_frame
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    page.screenshot(path=str(SHOTS / "cellules-carte-desktop.png"))

    # Who is present, then the packs: the forces' and the Mairie's, downloaded from the page
    _tab(page, "Réunion et décisions")
    page.get_by_label("Partenaires présents").click()
    _pause(page)
    page.get_by_role("option", name=MAIRIE).click()
    page.keyboard.press("Escape")
    _pause(page)
    recorded = _presence_records(module_demo_app.database_url)
    _click(page, page.get_by_role("button", name="Enregistrer les présents"), double=True)  # 350 ms apart
    _pause(page)
    expect(page.get_by_text("1 partenaire(s) présent(s) enregistré(s).")).to_be_visible(timeout=TIMEOUT_MS)
    assert _presence_records(module_demo_app.database_url) == recorded + 1  # written once
    _tab(page, "Documents")
    packs = {}
    for label in ("Dossier des forces (PDF)", f"Dossier — {MAIRIE} (PDF)"):
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.get_by_role("button", name=label).click()
        packs[label] = _pdf_text(download.value.path())
        assert download.value.suggested_filename.endswith(".pdf")
        _pause(page)
    assert "Document confidentiel" in packs[f"Dossier — {MAIRIE} (PDF)"]
    assert f"Destinataire : {MAIRIE}" in packs[f"Dossier — {MAIRIE} (PDF)"]
    assert "Fête de quartier de la Marjorie" in packs["Dossier des forces (PDF)"]
    send = page.get_by_role("button", name="Envoyer les dossiers par courriel")
    for said in ("mis dans la file d'envoi", "Aucun nouvel envoi"):  # the second says to whom it went
        send.click()
        wait_until_idle(page)
        message = page.get_by_text(said, exact=False)
        expect(message).to_be_visible(timeout=TIMEOUT_MS)
        assert message.bounding_box()["y"] - send.bounding_box()["y"] < 120  # right under the button
        _pause(page)
    expect(page.get_by_text("aucune adresse de courriel connue", exact=False)).to_be_visible()
    page.screenshot(path=str(SHOTS / "cellules-documents-desktop.png"))

    # Two decisions for the Mairie, then the relevé
    _tab(page, "Réunion et décisions")
    _decide(page, DECISIONS[0], 14)
    _decide(page, DECISIONS[1], 30, double=True)
    for text in DECISIONS:
        expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / "cellules-decisions-desktop.png"), full_page=True)
    _tab(page, "Relevé")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_test_id("stDataFrame").hover()  # the table's toolbar: no unaudited CSV download
    expect(page.get_by_role("button", name="Search").first).to_be_visible(timeout=TIMEOUT_MS)
    assert not page.get_by_role("button", name="Download as CSV").first.is_visible()
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        page.get_by_role("button", name="Relevé de décisions (PDF)").click()
    releve = _pdf_text(download.value.path())
    assert all(" ".join(text.split()[:3]) in releve for text in DECISIONS)
    page.screenshot(path=str(SHOTS / "cellules-releve-desktop.png"))

    # On a phone, the same page
    page.set_viewport_size(PHONE)
    page.reload()
    wait_until_idle(page)
    _tab(page, "Ordre du jour")
    expect(page.get_by_text("1. Suivi des décisions de la réunion précédente")).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    page.screenshot(path=str(SHOTS / "cellules-ordre-du-jour-phone.png"))
    for name in ("Ordre du jour", "Relevé"):  # every tab in sight, none cut off
        box = page.get_by_role("tab", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], name
    up, down = (page.get_by_role("button", name=n).first.bounding_box() for n in ("Monter", "Descendre"))
    assert abs(up["y"] - down["y"]) < 5  # a point's buttons on one row
    scroll_to(page, page.get_by_role("button", name="Supprimer").last)
    _pause(page)
    page.screenshot(path=str(SHOTS / "cellules-point-ajoute-phone.png"))
    added = [page.get_by_role("button", name=n).last.bounding_box() for n in ("Monter", "Descendre", "Supprimer")]
    assert max(b["y"] for b in added) - min(b["y"] for b in added) < 5, added  # an added point's too
    assert added[-1]["x"] + added[-1]["width"] <= PHONE["width"]
    _tab(page, "Réunion et décisions")
    page.screenshot(path=str(SHOTS / "cellules-decisions-phone.png"), full_page=True)
    assert not [v.line() for v in check_page(page, "Cellules de veille (téléphone)") if v.blocking]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The partner concerned: both decisions are its work, with their due dates
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        log_in(page, module_demo_app.url, "partenaire.lons")
        expect(page.get_by_role("heading", name="Décisions des cellules de veille")).to_be_visible(timeout=TIMEOUT_MS)
        _pause(page)
        for text, days in zip(DECISIONS, (14, 30), strict=True):
            expect(page.get_by_text(text, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
            due = localtime.format_date(localtime.now_paris().date() + dt.timedelta(days=days))
            expect(page.get_by_text(f"échéance {due}", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
        page.screenshot(path=str(SHOTS / f"cellules-partenaire-{name}.png"), full_page=True)
    assert network_log.problems() == []


def _decision_for_the_mairie(database_url: str, text: str) -> int:
    """A decision of the Lons cellule's next meeting for the Mairie, as commandant.39 records it."""
    from diagnostics.auth import COMMANDANT, Actor
    from diagnostics.partner_models import Partner
    from diagnostics.services import cellules, decisions

    db = open_database(database_url)
    try:
        with db.session() as session:
            mairie = session.scalar(select(Partner.id).where(Partner.name == MAIRIE))
        day = cellules.next_meeting_of(db, LONS, localtime.now_paris().date())
        commander = Actor(login="commandant.39", role=COMMANDANT, departments=("39",))
        values = decisions.DecisionInput(text, day + dt.timedelta(days=21), partner_id=mairie)
        return decisions.record_decision(db, commander, LONS, day, values)
    finally:
        db.dispose()


def _log_in_from_link(page: Page, link: str, login: str, page_title: str) -> None:
    """A bookmark, or an e-mail's link, opened signed out: the login form, then that page."""
    from diagnostics.demo import DEMO_PASSWORD

    forget_session(page)
    page.goto(link)
    expect(page.get_by_text(f"Connectez-vous pour ouvrir la page « {page_title} »")).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    _pause(page)
    page.get_by_role("button", name="Se connecter").click()
    wait_until_idle(page)


def test_a_decisions_email_link_opens_it_after_login(module_demo_app, browser_page, network_log):
    page = browser_page
    text = "Nettoyer les tags du passage Lecourbe"
    decision_id = _decision_for_the_mairie(module_demo_app.database_url, text)
    opened = f"Décision n° {decision_id}, ouverte depuis le lien du courriel"
    for size, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        # The partner's link: « Mes préconisations », that decision first
        _log_in_from_link(page, f"{module_demo_app.url}/preconisations?decision={decision_id}", "partenaire.lons",
                          "Mes préconisations")  # fmt: skip
        expect(page.get_by_text(opened)).to_be_visible(timeout=TIMEOUT_MS)
        first = page.get_by_test_id("stVerticalBlock").filter(has=page.get_by_text(opened)).last
        expect(first.get_by_text(text, exact=True)).to_be_in_viewport()  # in sight, no scrolling
        _pause(page)
        page.screenshot(path=str(SHOTS / f"lien-decision-partenaire-{name}.png"))
        # The commander's link (the partner's answer): the cellule's meeting, on its decisions
        _log_in_from_link(page, f"{module_demo_app.url}/cellules?decision={decision_id}", "commandant.39",
                          "Cellules de veille")  # fmt: skip
        expect(page.get_by_text(opened)).to_be_visible(timeout=TIMEOUT_MS)
        expect(page.get_by_role("tab", name="Réunion et décisions")).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text(text, exact=True)).to_be_visible()
        page.mouse.wheel(0, 400)  # the tab is under the cellule and its date; the decision comes first in it
        _pause(page)
        expect(page.get_by_text(text, exact=True)).to_be_in_viewport()
        _pause(page)
        page.screenshot(path=str(SHOTS / f"lien-decision-commandant-{name}.png"))
    assert network_log.problems() == []
