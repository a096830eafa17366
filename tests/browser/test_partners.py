"""Partners in Chromium, at human pace (about a second between actions), on one demo server:
a commander assigns an observation to the partner the routing rules offer and sees its due date;
the partner (« Habitat 70 ») logs in, sees only its observations, answers « pris en compte » then
« réalisé » with a photo, and reads the French confirmation right under the button; on a phone too."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from diagnostics import localtime
from tests.browser.ui import TIMEOUT_MS, log_in, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
OFFERED = 3  # demo: « haie haute » in the quartier de l'île, visibilité → Habitat 70 (sector rule)


def _pause(page: Page) -> None:
    page.wait_for_timeout(PAUSE_MS)


def _photo(folder: Path) -> Path:
    path = folder / "lampe-changee.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 160, 60)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _answer(page: Page, observation_id: int, label: str, comment: str = "", photo: Path | None = None) -> None:
    form = page.get_by_test_id("stForm").last
    form.get_by_text(label, exact=True).click()
    _pause(page)
    if comment:
        form.get_by_label("Commentaire", exact=False).fill(comment)
        _pause(page)
    if photo is not None:
        form.locator("input[type=file]").set_input_files(str(photo))
        _pause(page)
    form.get_by_role("button", name="Envoyer la réponse").click()
    wait_until_idle(page)


def test_a_commander_assigns_to_the_offered_partner_and_the_partner_answers(module_demo_app, browser_page, tmp_path):
    page = browser_page
    SHOTS.mkdir(exist_ok=True)
    page.set_viewport_size(DESKTOP)

    # The commander opens the observation: Habitat 70 is offered, and saved with its due date.
    log_in(page, module_demo_app.url, "commandant.70")
    _pause(page)
    _open_observation(page, OFFERED)
    page.screenshot(path=str(SHOTS / "partenaires-offre-desktop.png"))
    expect(page.get_by_text("Partenaire proposé : Habitat 70", exact=False)).to_be_visible(timeout=TIMEOUT_MS)
    _pause(page)
    page.get_by_role("button", name="Enregistrer le suivi").click()
    wait_until_idle(page)
    due = localtime.format_date(localtime.now_paris().date() + dt.timedelta(days=90))  # modérée: 90 days
    saved = page.get_by_text(f"Suivi de l'observation n° {OFFERED} enregistré. Échéance : {due}.")
    expect(saved).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("En retard (échéance passée", exact=False)).to_be_visible()
    saved.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "partenaires-attribution-desktop.png"))

    # The partner sees only what is assigned to it (the demo's two, and this one).
    log_in(page, module_demo_app.url, "partenaire.habitat70")
    expect(page.get_by_role("heading", name="Mes préconisations — Habitat 70", level=1)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    _pause(page)
    body = page.locator("body").inner_text()
    assert "Carte de commandement" not in body and "Vidéoprotection" not in body  # the préfecture's
    assert "Groupe de contact" not in body and "démo" not in body  # no team, no author
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("3")
    expect(page.get_by_test_id("stMetricValue").nth(1)).to_have_text("1")  # the demo's overdue one
    page.screenshot(path=str(SHOTS / "partenaires-liste-desktop.png"), full_page=True)

    page.get_by_test_id("stSelectbox").first.click()
    _pause(page)
    page.get_by_role("option", name=f"n° {OFFERED} —", exact=False).click()
    wait_until_idle(page)
    _pause(page)
    _answer(page, OFFERED, "Pris en compte")
    taken = page.get_by_text(f"Merci : l'observation n° {OFFERED} est notée « pris en compte ».")
    expect(taken).to_be_visible(timeout=TIMEOUT_MS)
    _near_the_button(page, taken)
    _pause(page)
    _answer(page, OFFERED, "Réalisé", "Haie taillée à 1 m le 01/12.", _photo(tmp_path))
    done = page.get_by_text(f"Merci : l'observation n° {OFFERED} est notée « réalisé ».", exact=False)
    expect(done).to_be_visible(timeout=TIMEOUT_MS)
    _near_the_button(page, done)
    expect(page.get_by_text("Photo n° 1", exact=True)).to_be_visible(timeout=TIMEOUT_MS)  # its photo, shown back
    done.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "partenaires-realise-desktop.png"))

    # On a phone: the same page, another observation taken into account.
    page.set_viewport_size(PHONE)
    page.reload()
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Mes préconisations — Habitat 70", level=1)).to_be_visible(
        timeout=TIMEOUT_MS
    )
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("3", timeout=TIMEOUT_MS)
    wait_until_idle(page)
    _pause(page)
    page.screenshot(path=str(SHOTS / "partenaires-liste-phone.png"), full_page=True)
    observation_id = 2  # the soonest due comes first: the demo's overdue regroupements
    chosen = page.get_by_role("combobox", name="Observation")
    expect(chosen).to_have_value(re.compile(f"^n° {observation_id} —"), timeout=TIMEOUT_MS)
    _answer(page, observation_id, "Pris en compte")
    taken = page.get_by_text(f"Merci : l'observation n° {observation_id} est notée « pris en compte ».")
    expect(taken).to_be_visible(timeout=TIMEOUT_MS)
    _near_the_button(page, taken)
    taken.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "partenaires-reponse-phone.png"))


def _open_observation(page: Page, observation_id: int) -> None:
    """Type its number in the follow-up panel, as a person does once the page has settled."""
    number = page.get_by_label("N° de l'observation", exact=True)
    number.scroll_into_view_if_needed()
    _pause(page)
    number.fill(str(observation_id))
    number.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_text(f"Observation n° {observation_id}", exact=True)).to_be_visible(timeout=TIMEOUT_MS)


def _near_the_button(page: Page, message) -> None:
    """The confirmation sits right under the « Envoyer la réponse » button (within 200 px)."""
    button = page.get_by_role("button", name="Envoyer la réponse").last.bounding_box()
    shown = message.bounding_box()
    assert button and shown and 0 <= shown["y"] - (button["y"] + button["height"]) < 200, (button, shown)
