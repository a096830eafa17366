"""Correcting what was recorded, in Chromium at human pace (a tap a second after the previous one):
on a phone (390×844, touch) an agent corrects an observation, adds a photo and sees it, meets a
concurrent save without losing the typed text, deletes an observation; on a desktop (1366×768)
the diagnostic is closed, reopened by the commandant with a reason, and corrected."""

from __future__ import annotations

import json
import re

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from diagnostics.db import open_database
from diagnostics.models import AuditEvent, Observation
from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, log_out, wait_until_idle

pytestmark = [pytest.mark.browser, pytest.mark.phone]  # a touch phone first, then a desktop size

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
PAUSE_MS = 1000  # between two taps, as a person
SHOTS = "/tmp/corrections-{name}.png"
TYPED = "Regroupements dans le hall B, texte tapé pendant un conflit"


def _pause(page) -> None:
    page.wait_for_timeout(PAUSE_MS)
    wait_until_idle(page)


def _card(page, text: str):
    """The observation's own card: the expander whose header names it (the list of contre-visites
    à faire above names observations too, inside its own expander)."""
    header = page.locator("summary").get_by_text(re.compile(rf"^N° \d+ — {text}"))
    return page.get_by_test_id("stExpander").filter(has=header)


def _open(page, text: str):
    card = _card(page, text)
    header = card.get_by_text(re.compile(rf"^N° \d+ — {text}")).first
    header.scroll_into_view_if_needed()
    header.tap()
    _pause(page)
    return card


def _photo(tmp_path) -> str:
    path = tmp_path / "hall.jpg"
    Image.new("RGB", (800, 600), (30, 90, 160)).save(path, format="JPEG")
    return str(path)


def _concurrent_edit(database_url: str, description: str) -> None:
    """Another agent saves the same observation meanwhile (another process, same database)."""
    from diagnostics.services.corrections import edit_observation
    from diagnostics.services.fieldwork import ObservationDraft

    db = open_database(database_url)
    try:
        with db.session() as session:
            row = session.scalars(select(Observation).where(Observation.category == "regroupements")).one()
            values = dict(
                category=row.category,
                severity=row.severity,
                description=description,
                recommendation=row.recommendation,
                partner=row.partner,
                latitude=row.lat,
                longitude=row.lon,
            )
            version, observation_id = row.version, row.id
        from diagnostics.auth import AGENT, Actor
        from diagnostics.services.reference import list_teams

        team = next(t.id for t in list_teams(db) if t.name == "Groupe de contact de Gray")
        other = Actor(login="agent.collegue", role=AGENT, team_id=team)
        edit_observation(db, other, observation_id, version, ObservationDraft(**values))
    finally:
        db.dispose()


def _regroupements_id(database_url: str) -> int:
    db = open_database(database_url)
    try:
        with db.session() as session:
            return session.scalar(select(Observation.id).where(Observation.category == "regroupements"))
    finally:
        db.dispose()


def _close_gray(database_url: str) -> None:
    from diagnostics.auth import system_actor
    from diagnostics.models import Diagnostic
    from diagnostics.services.closures import close_diagnostic

    db = open_database(database_url)
    try:
        with db.session() as session:
            diagnostic_id = session.scalar(select(Diagnostic.id).where(Diagnostic.reference == "DEMO-GRAY-01"))
        close_diagnostic(db, system_actor(), diagnostic_id)
    finally:
        db.dispose()


def _audit(database_url: str, action: str) -> list[AuditEvent]:
    db = open_database(database_url)
    try:
        with db.session() as session:
            events = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
            session.expunge_all()
            return list(events)
    finally:
        db.dispose()


def test_correcting_on_a_phone_then_reopening_on_a_desktop(demo_app, browser_page, network_log, tmp_path):
    page = browser_page
    database_url = f"sqlite:///{tmp_path / 'demo.sqlite'}"  # the demo_app's database (same tmp_path)
    page.set_viewport_size(PHONE)
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    expect(page.get_by_role("heading", name="Observations de ce diagnostic (3)")).to_be_visible(timeout=TIMEOUT_MS)

    # Correct the préconisation, choose to share it, add a photo shared with partners.
    card = _open(page, "Regroupements")
    card.get_by_role("button", name="Modifier").tap()
    _pause(page)
    card.get_by_label("Préconisation").fill("Contrôle d'accès du hall ; éclairage renforcé.")
    _pause(page)
    card.get_by_text("Les mesures préconisées", exact=True).tap()
    _pause(page)
    card.locator("input[type=file]").set_input_files(_photo(tmp_path))
    _pause(page)
    card.get_by_text("Photos ajoutées transmises aux partenaires").tap()
    _pause(page)
    page.screenshot(path=SHOTS.format(name="phone-form"), full_page=True)
    card.get_by_role("button", name="Enregistrer les corrections").tap()
    expect(page.get_by_text(re.compile(r"Observation n° \d+ corrigée\."))).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    card = _card(page, "Regroupements")
    expect(card.get_by_text("Contrôle d'accès du hall ; éclairage renforcé.")).to_be_visible()
    expect(card.get_by_test_id("stImage")).to_have_count(1)  # the thumbnail
    card.get_by_text("Voir les photos en grand (1)").tap()
    _pause(page)
    expect(card.get_by_test_id("stImage")).to_have_count(2)  # thumbnail + full size
    card.get_by_test_id("stImage").nth(1).scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format(name="phone-photo"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Someone else saves meanwhile: the refusal is French and the typed text stays.
    card.get_by_role("button", name="Modifier").tap()
    _pause(page)
    card.get_by_label("Description").fill(TYPED)
    _pause(page)
    _concurrent_edit(database_url, "Modifié par un collègue")
    card.get_by_role("button", name="Enregistrer les corrections").tap()
    expect(card.get_by_text("depuis que vous l'avez ouverte")).to_be_visible(timeout=TIMEOUT_MS)
    expect(card.get_by_label("Description")).to_have_value(TYPED)
    card.get_by_text("depuis que vous l'avez ouverte").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS.format(name="phone-conflict"))
    card.get_by_role("button", name="Enregistrer mes changements par-dessus la version enregistrée").tap()
    expect(page.get_by_text(re.compile(r"Observation n° \d+ corrigée\."))).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)

    # Delete one, after confirming.
    card = _open(page, "Visibilité")
    card.get_by_role("button", name="Supprimer").tap()
    _pause(page)
    card.get_by_role("button", name="Oui, supprimer").tap()
    expect(page.get_by_text(re.compile(r"Observation n° \d+ supprimée\."))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Observations de ce diagnostic (2)")).to_be_visible()
    page.screenshot(path=SHOTS.format(name="phone-deleted"), full_page=True)
    [deletion] = _audit(database_url, "delete")
    assert "Haie haute" in json.loads(deletion.before)["description"]
    [photo_edit] = [
        e for e in _audit(database_url, "update") if e.entity == "observation" and "photos" in (e.after or "")
    ][:1]
    assert json.loads(photo_edit.after)["photos"][0]["shareable"] is True

    # The team closes the diagnostic (its own page, tested elsewhere); on a desktop, the commandant
    # reopens it with a reason and corrects it.
    log_out(page)
    _close_gray(database_url)
    page.set_viewport_size(DESKTOP)
    log_in(page, demo_app, "commandant.70")
    go_to(page, "Saisie terrain")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    page.get_by_text("Rouvrir le diagnostic").first.click()
    _pause(page)
    page.get_by_role("button", name="Rouvrir le diagnostic").click()
    expect(page.get_by_text("Indiquez pourquoi le diagnostic est rouvert.")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Motif de la réouverture").fill("Lieu mal orthographié")
    _pause(page)
    page.get_by_role("button", name="Rouvrir le diagnostic").click()
    _pause(page)
    page.get_by_text("Corriger le diagnostic (lieu, date, participants)").click()
    _pause(page)
    expect(page.get_by_text("Diagnostic rouvert")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_label("Lieu visité").fill("Quartier de l'Île (Gray)")
    _pause(page)
    page.get_by_role("button", name="Enregistrer les corrections du diagnostic").click()
    expect(page.get_by_text("Diagnostic corrigé.")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=SHOTS.format(name="desktop-reopened"), full_page=True)
    [reopening] = _audit(database_url, "reopen")
    assert reopening.actor == "commandant.70" and reopening.detail == "Lieu mal orthographié"
    expect(page.get_by_test_id("stException")).to_have_count(0)

    # The commandant finds the photo on the observation's follow-up, beside the map.
    go_to(page, "Carte de commandement")
    number = page.get_by_label("N° de l'observation", exact=True)
    number.scroll_into_view_if_needed()
    number.fill(str(_regroupements_id(database_url)))
    number.press("Enter")
    _pause(page)
    toggle = page.get_by_text("Voir les photos en grand (1)")
    expect(toggle).to_be_visible(timeout=TIMEOUT_MS)
    toggle.scroll_into_view_if_needed()
    expect(page.get_by_test_id("stImage")).to_have_count(1)
    page.screenshot(path=SHOTS.format(name="desktop-follow-up"))
    expect(page.get_by_test_id("stException")).to_have_count(0)
    assert network_log.problems() == []
