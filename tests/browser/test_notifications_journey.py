"""Issue 15 in Chromium, at human pace, with a real SMTP server on loopback and `notify run --once`
between the steps: a commander assigns an observation to « Habitat 70 »; the partner sees only
that one and answers « réalisé » with a photo; an agent of the team finds it « à revoir » and
records a visit « levée »; the observation is « traitée ». At each step the right e-mails arrived,
and the confidential description never reached the partner."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from diagnostics.auth import system_actor
from diagnostics.db import open_database
from diagnostics.models import Diagnostic, Observation
from diagnostics.partner_models import Partner
from diagnostics.services import assignments, fieldwork, outbox
from tests.browser.conftest import REPO, demo_server
from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, log_out, wait_until_idle
from tests.smtp_server import SmtpServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
SECRET = "Guetteurs dans le hall B, relevés entre 21 h et 23 h"
ADDRESSES = {
    "partenaire.habitat70": "gardien@habitat70.test",
    "commandant.70": "cdt70@gendarmerie.test",
    "agent.gray": "agent.gray@gendarmerie.test",
}
CONTACT = "proximite@habitat70.example"  # Habitat 70's contact address in the demo


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    smtp = SmtpServer().start()
    env = {"PSQ_SMTP_URL": smtp.url, "PSQ_PUBLIC_URL": "https://psq.intranet.test"}
    try:
        with demo_server(tmp_path_factory, env=env) as server:
            observation_id = _prepare(server.database_url)
            send_outbox(server.database_url, smtp, 0)  # what the demo's own assignments queued
            smtp.handler.received.clear()
            yield server, smtp, observation_id
    finally:
        smtp.stop()


def _prepare(database_url: str) -> int:
    """Addresses for the three accounts; Habitat 70's demo assignments taken back; a new
    observation in Gray whose description is not shared (its préconisation is)."""
    db = open_database(database_url)
    try:
        for login, address in ADDRESSES.items():
            outbox.set_preference_for(db, system_actor(), login, address, "immediate")
        with db.session() as session:
            habitat = session.scalar(select(Partner.id).where(Partner.name == "Habitat 70"))
            theirs = session.scalars(select(Observation.id).where(Observation.partner_id == habitat)).all()
            diagnostic = session.scalar(select(Diagnostic.id).where(Diagnostic.reference == "DEMO-GRAY-01"))
        for observation_id in theirs:
            assignments.assign(db, system_actor(), observation_id, None)
        draft = fieldwork.ObservationDraft(
            category="visibilite", severity=3, description=SECRET, recommendation="Élaguer la haie du hall B",
            latitude=47.4452, longitude=5.5925, shared_fields=("recommendation",),
        )  # fmt: skip
        return fieldwork.record_observation(db, system_actor(), diagnostic, draft)
    finally:
        db.dispose()


def send_outbox(database_url: str, smtp: SmtpServer, expected: int):
    """`notify run --once` as cron runs it; the messages the SMTP server received in this step."""
    before = len(smtp.received)
    env = {**os.environ, "DATABASE_URL": database_url, "PSQ_SMTP_URL": smtp.url}
    done = subprocess.run(
        [sys.executable, "-m", "diagnostics", "notify", "run", "--once"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return {m.recipients[0]: m for m in smtp.wait_for(before + expected)[before:]}


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"notifications-{name}.png"), full_page=True)


def photo(tmp_path: Path) -> Path:
    path = tmp_path / "haie-taillee.jpg"
    Image.new("RGB", (640, 480), (60, 140, 60)).save(buffer := io.BytesIO(), "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_assign_answer_revisit_with_the_emails_at_each_step(journey, browser_page, network_log, tmp_path):
    server, smtp, observation_id = journey
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})

    # 1. The commander of Haute-Saône assigns it to Habitat 70.
    log_in(page, server.url, "commandant.70")
    go_to(page, "Carte de commandement")
    number = page.get_by_label("N° de l'observation", exact=True)
    number.fill(str(observation_id))
    number.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_role("button", name="Enregistrer le suivi")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    choose(page, "Attribuée à", "Habitat 70")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Enregistrer le suivi").click()
    expect(page.get_by_text(f"Suivi de l'observation n° {observation_id} enregistré")).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "1-attribution")
    log_out(page)
    mails = send_outbox(server.database_url, smtp, 2)
    assert set(mails) == {ADDRESSES["partenaire.habitat70"], CONTACT}
    for mail in mails.values():
        assert mail.subject == f"[PSQ] Observation attribuée : observation n° {observation_id} — Gray"
        assert SECRET not in mail.text and "Groupe de contact" not in mail.text
        assert "Élaguer la haie du hall B" in mail.text
        assert f"https://psq.intranet.test/preconisations?observation={observation_id}" in mail.text

    # 2. The partner sees only that one and answers « réalisé » with a photo.
    log_in(page, server.url, "partenaire.habitat70")
    expect(page.get_by_role("heading", name="Mes préconisations")).to_be_visible(timeout=TIMEOUT_MS)
    table = page.locator('[data-testid="stDataFrame"]').first
    expect(table).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator('[data-testid="stMetric"]').filter(has_text="Attribuées")).to_contain_text("1")
    expect(page.get_by_text(SECRET)).to_have_count(0)
    page.locator('[data-testid="stRadio"]').get_by_text("Réalisé", exact=True).click()
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_label("Commentaire (ce qui a été fait", exact=False).fill("Haie taillée le 1er décembre.")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').first.set_input_files(str(photo(tmp_path)))
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Envoyer la réponse").click()
    wait_until_idle(page)
    expect(page.locator('[data-testid="stAlertContentSuccess"]').first).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "2-reponse-partenaire")
    log_out(page)
    mails = send_outbox(server.database_url, smtp, 2)
    assert set(mails) == {ADDRESSES["commandant.70"], ADDRESSES["agent.gray"]}
    answer = mails[ADDRESSES["commandant.70"]]
    assert answer.subject == f"[PSQ] Réponse d'un partenaire : observation n° {observation_id} — Gray"
    assert "Réponse : Réalisé" in answer.text and "Haie taillée" in answer.text
    due = mails[ADDRESSES["agent.gray"]]
    assert due.subject == f"[PSQ] Contre-visite à faire : observation n° {observation_id} — Gray"

    # 3. An agent of the team finds it « à revoir » and records a visit « levée ».
    log_in(page, server.url, "agent.gray")
    expect(page.get_by_text("Contre-visites à faire (1)")).to_be_visible(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Faire la contre-visite").click()
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    page.locator('[data-testid="stRadio"]').filter(has_text="Levée").get_by_text("Levée", exact=True).click()
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_placeholder("Ce qui a été constaté sur place").fill("Haie taillée, hall visible depuis la rue.")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Enregistrer la contre-visite").click()
    wait_until_idle(page)
    expect(page.get_by_text("Contre-visites à faire (0)")).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "3-contre-visite")
    log_out(page)
    mails = send_outbox(server.database_url, smtp, 3)
    assert set(mails) == {ADDRESSES["commandant.70"], ADDRESSES["partenaire.habitat70"], CONTACT}
    for mail in mails.values():
        assert mail.subject == f"[PSQ] Résultat de contre-visite : observation n° {observation_id} — Gray"
        assert "Constat de la contre-visite : Levée" in mail.text and "Statut : Traitée" in mail.text
    for address in (ADDRESSES["partenaire.habitat70"], CONTACT):
        assert SECRET not in mails[address].text and "hall visible depuis la rue" not in mails[address].text
    assert "hall visible depuis la rue" in mails[ADDRESSES["commandant.70"]].text

    # 4. The observation is « traitée », on the commander's screen too.
    db = open_database(server.database_url)
    try:
        with db.session() as session:
            assert session.get(Observation, observation_id).status == "traitee"
    finally:
        db.dispose()
    log_in(page, server.url, "commandant.70")
    go_to(page, "Carte de commandement")
    number = page.get_by_label("N° de l'observation", exact=True)
    number.fill(str(observation_id))
    number.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_role("combobox", name="Statut").last).to_have_value("Traitée", timeout=TIMEOUT_MS)
    shoot(page, "4-traitee")
    log_out(page)
    assert len(smtp.received) == 7

    # The administrator reads the outbox: everything sent, in Paris time.
    log_in(page, server.url, "admin.psq")
    page.get_by_role("tab", name="Courriels").click()
    wait_until_idle(page)
    page.get_by_label("Messages à afficher").click()
    page.get_by_role("option", name="Envoyé", exact=True).click()
    wait_until_idle(page)
    expect(page.get_by_text("Cartes envoyées aux maires")).to_be_visible(timeout=TIMEOUT_MS)
    page.keyboard.press("Escape")
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, "5-administration-courriels")
    # Each account chooses how often it hears from the app, on a phone too.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server.url}/compte")
    expect(page.get_by_label("Adresse de courriel")).to_have_value("", timeout=TIMEOUT_MS)
    shoot(page, "6-mon-compte-phone")
    assert network_log.problems() == []
