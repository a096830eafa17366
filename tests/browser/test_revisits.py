"""Contre-visites in Chromium at human pace (issue 15): an agent of the Gray contact group opens
Saisie terrain, finds the observation « à revoir », records a visit « levée » with a photo, reads
the French confirmation near the button; the observation's follow-up then says « Traitée » and
shows the photos before and after side by side. On a touch phone (390×844, sorted by the
device's position) and on a desktop (1366×768, sorted by commune). One app for the module;
screenshots in /tmp/psq-screenshots."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from diagnostics.auth import system_actor
from diagnostics.db import open_database
from diagnostics.io.photos import prepare_photo
from diagnostics.models import Observation
from diagnostics.services import photos, revisits
from tests.browser.conftest import demo_server
from tests.browser.ui import TIMEOUT_MS, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
DESKTOP = {"width": 1366, "height": 768}
PAUSE_MS = 1000  # a person's pace between two actions
LAMPS, HALL, HEDGE = 1, 2, 3  # the demo observations of the Gray contact group (Quartier de l'île)
AT_THE_HEDGE = {"latitude": 47.4447, "longitude": 5.5941, "accuracy": 8}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    with demo_server(tmp_path_factory, env={"PSQ_PHOTO_DIR": str(folder)}) as server:
        db = open_database(server.database_url)
        try:
            for observation_id, colour in ((LAMPS, (40, 40, 60)), (HEDGE, (30, 120, 40))):
                with db.session() as session:
                    observation = session.get(Observation, observation_id)
                    diagnostic_id = observation.diagnostic_id
                    revisits.schedule_visit(session, system_actor(), observation, comment="Réalisé (partenaire).")
                photo = prepare_photo(jpeg(colour))
                photos.store_photo(
                    db, system_actor(), diagnostic_id, photo, observation_id=observation_id, folder=folder
                )
        finally:
            db.dispose()
        yield server


def jpeg(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def shoot(page: Page, name: str, *, full_page: bool = False) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def record_levee(page: Page, observation_id: int, photo: Path, shot: str) -> None:
    """From the card « N° … » of the list: Faire la contre-visite, Levée, a comment, a photo, save."""
    card = page.locator(f".st-key-rv_card_{observation_id}")
    card.get_by_role("button", name="Faire la contre-visite").click()
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    card.get_by_text("Levée", exact=True).click()
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    card.get_by_label("Commentaire").fill("Travaux faits, vérifiés sur place.")
    card.locator("input[type=file]").set_input_files(str(photo))
    expect(card.get_by_role("img")).to_have_count(1, timeout=TIMEOUT_MS)  # the photo's preview
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    save = card.get_by_role("button", name="Enregistrer la contre-visite")
    save.scroll_into_view_if_needed()
    assert save.bounding_box()["height"] >= 44  # thumb-sized
    shoot(page, f"{shot}-form")
    save.click()
    confirmation = page.get_by_text(f"Contre-visite de l'observation n° {observation_id} enregistrée avec 1 photo(s)")
    expect(confirmation).to_be_visible(timeout=TIMEOUT_MS)
    expect(confirmation).to_contain_text("« traitée »")
    expect(confirmation).to_be_in_viewport()  # where the thumb was, not off screen
    wait_until_idle(page)
    shoot(page, f"{shot}-saved")


def shows_treated_with_before_and_after(page: Page, observation_id: int, shot: str) -> None:
    go_to(page, "Carte de commandement")
    number = page.get_by_label("N° de l'observation", exact=True)
    number.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    number.fill(str(observation_id))
    number.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_text(f"Observation n° {observation_id}")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stText").get_by_text("Traitée", exact=True)).to_be_visible()  # its Statut
    pair = page.locator(f".st-key-fu_photos_{observation_id}_pair")
    pair.scroll_into_view_if_needed()
    expect(pair.get_by_text("Avant : l'observation")).to_be_visible()
    expect(pair.get_by_text(re.compile(r"Après : contre-visite du \d\d/\d\d/\d{4}"))).to_be_visible()
    before = page.locator(f".st-key-fu_photos_{observation_id}_left").get_by_role("img").first.bounding_box()
    after = page.locator(f".st-key-fu_photos_{observation_id}_right").get_by_role("img").first.bounding_box()
    assert abs(before["y"] - after["y"]) < 40 and after["x"] > before["x"] + before["width"] / 2  # side by side
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, f"{shot}-before-after")
    page.get_by_test_id("stDataFrame").last.scroll_into_view_if_needed()  # the history, with the visit in it
    shoot(page, f"{shot}-history")


@pytest.mark.phone
def test_on_a_phone_the_nearest_visit_first_then_levee_then_traitee(app, browser_page, tmp_path):
    page = browser_page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation(AT_THE_HEDGE)
    log_in(page, app.url, "agent.gray")
    go_to(page, "Saisie terrain")
    # The demo's hall (n° 2) is past its due date: due too. Lamps and hedge were said réalisé.
    expect(page.get_by_text("Contre-visites à faire (3)")).to_be_visible(timeout=TIMEOUT_MS)
    cards = page.locator("[class*='st-key-rv_card_']")
    expect(cards.first).to_contain_text(f"N° {HALL}")  # by commune, then due date, before the position
    expect(cards.first).to_contain_text("Échéance dépassée")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Trier par distance (ma position)").tap()
    expect(page.get_by_text("précision ± 8 m")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    expect(cards.first).to_contain_text(f"N° {HEDGE}", timeout=TIMEOUT_MS)
    expect(cards.first).to_contain_text(re.compile(r"à \d+ m"))
    shoot(page, "revisit-phone-list")
    photo = tmp_path / "apres.jpg"
    photo.write_bytes(jpeg((220, 220, 200)))
    record_levee(page, HEDGE, photo, "revisit-phone")
    expect(page.get_by_text("Contre-visites à faire (2)")).to_be_visible()
    shows_treated_with_before_and_after(page, HEDGE, "revisit-phone")


def test_on_a_desktop_by_commune_then_levee_then_traitee(app, browser_page, tmp_path):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    log_in(page, app.url, "agent.gray")
    go_to(page, "Saisie terrain")
    expect(page.get_by_text(re.compile(r"Contre-visites à faire \(\d\)"))).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator(f".st-key-rv_card_{LAMPS}")).to_contain_text("Trois candélabres éteints")
    expect(page.get_by_text("Triées par commune puis échéance.")).to_be_visible()
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, "revisit-desktop-list")
    photo = tmp_path / "apres.jpg"
    photo.write_bytes(jpeg((240, 230, 120)))
    record_levee(page, LAMPS, photo, "revisit-desktop")
    shows_treated_with_before_and_after(page, LAMPS, "revisit-desktop")
