"""Administration in Chromium at human pace (a created account is listed at once, the form empties),
and the French shown over the English of Streamlit's widgets (uploader, multiselect, dates)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.ui import TIMEOUT_MS, choose, go_to, log_in, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
PASSWORD_LABEL = "Mot de passe (vide : connexion par l'annuaire uniquement)"


def after_content(page: Page, selector: str) -> str:
    """What CSS draws after the first element matching `selector` (the French over the English)."""
    return page.locator(selector).first.evaluate("e => getComputedStyle(e, '::after').content")


def font_size(page: Page, selector: str) -> str:
    return page.locator(selector).first.evaluate("e => getComputedStyle(e).fontSize")


def test_an_administrator_creates_an_account_and_sees_it_at_once(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "admin.psq")
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible(timeout=TIMEOUT_MS)

    page.get_by_label("Identifiant (ou adresse électronique pour l'annuaire)").fill("Chef.Jura")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_label("Nom affiché").fill("Cne Martin")
    page.wait_for_timeout(PAUSE_MS)
    choose(page, "Rôle", "Commandant")
    page.wait_for_timeout(PAUSE_MS)
    departments = page.get_by_label("Départements (commandants ; aucun : ceux de leur équipe, sinon tous)")
    departments.click()
    expect(page.get_by_role("option", name="Jura (39)")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("option", name="Select all")).to_have_count(0)
    page.get_by_role("option", name="Jura (39)").click()
    page.keyboard.press("Escape")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_label(PASSWORD_LABEL).fill("un mot de passe solide")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Créer le compte").click()
    wait_until_idle(page)
    expect(page.get_by_text("Compte chef.jura créé (Commandant, mot de passe).")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label(PASSWORD_LABEL)).to_have_value("")
    expect(page.get_by_label("Identifiant (ou adresse électronique pour l'annuaire)")).to_have_value("")
    page.screenshot(path=str(SHOTS / "admin-compte-cree-desktop.png"), full_page=True)

    # The new account is in the list at once: pick it to disable it, a second later.
    page.wait_for_timeout(PAUSE_MS)
    choose(page, "Compte", "chef.jura (actif)")
    page.wait_for_timeout(PAUSE_MS)
    page.get_by_role("button", name="Désactiver").click()
    wait_until_idle(page)
    expect(page.get_by_text("Compte chef.jura désactivé")).to_be_visible(timeout=TIMEOUT_MS)

    # The audit log: a period in French, no « Select all ».
    page.get_by_role("tab", name="Journal d'audit").click()
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    day = '[data-testid="stDateInputField"] [role="spinbutton"][data-type="day"]'
    year = '[data-testid="stDateInputField"] [role="spinbutton"][data-type="year"]'
    assert (after_content(page, day), after_content(page, year)) == ('"jj"', '"aaaa"')
    assert font_size(page, day) == font_size(page, year) == "0px"  # « dd », « yyyy » are not seen
    page.get_by_label("Actions").first.click()
    expect(page.get_by_role("option", name="Accès refusé")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("option", name="Select all")).to_have_count(0)
    page.keyboard.press("Escape")
    page.screenshot(path=str(SHOTS / "admin-journal-desktop.png"))

    # The import uploader of Couches de référence: French over « Upload » and « 200MB per file ».
    go_to(page, "Couches de référence")
    expect(page.get_by_text("50 Mo au plus par fichier")).to_be_visible(timeout=TIMEOUT_MS)
    button_text = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
    assert after_content(page, button_text) == '"Choisir un fichier"' and font_size(page, button_text) == "0px"
    instructions = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    assert after_content(page, instructions) == '"ou glisser-déposer ici"' and font_size(page, instructions) == "0px"
    page.locator('[data-testid="stFileUploader"]').first.screenshot(path=str(SHOTS / "televersement-desktop.png"))
    assert network_log.problems() == []


def test_the_administration_page_on_a_phone(demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, demo_app, "admin.psq")
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label("Rôle", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "admin-phone.png"))
    page.get_by_role("tab", name="Journal d'audit").click()
    wait_until_idle(page)
    expect(page.get_by_text("Dates et heures de Paris.", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_label("Actions").first).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    page.screenshot(path=str(SHOTS / "admin-journal-phone.png"))


ENGLISH_INSTRUCTIONS = ("Press Enter", "Ctrl+Enter", "⌘+Enter", "to submit form", "to apply")
COUNTERS: list[str] = []
FIELDS = '[data-testid="stTextInput"] input, [data-testid="stNumberInput"] input, [data-testid="stTextArea"] textarea'


def english_instructions(page: Page) -> list[str]:
    """The English input instructions a person sees in the page's text (focus shows them)."""
    text = page.locator("body").inner_text()
    return [words for words in ENGLISH_INSTRUCTIONS if words in text]


def focus_each_field(page: Page, where: str) -> list[str]:
    """Focus every field of the page in turn, as a person tabbing through it; what English showed."""
    seen = []
    fields = page.locator(FIELDS)
    for i in range(min(fields.count(), 12)):
        field = fields.nth(i)
        if not field.is_visible() or not field.is_editable():
            continue
        field.focus()
        page.wait_for_timeout(150)
        seen += [f"{where}: {words}" for words in english_instructions(page)]
        counter = page.get_by_test_id("stElementContainer").filter(has=field).get_by_test_id("InputInstructions")
        if counter.count() and "/" in counter.inner_text():  # a length counter (« 22/120 ») stays
            COUNTERS.append(f"{where}: {counter.inner_text()}")
    return seen


def test_no_english_input_instructions_on_any_page_and_enter_still_logs_in(demo_app, browser_page):
    """« Press Enter to submit form » under a focused field becomes « Entrée pour valider »."""
    from diagnostics.demo import DEMO_PASSWORD

    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    SHOTS.mkdir(exist_ok=True)
    page.goto(demo_app)
    login = page.get_by_label("Identifiant")
    login.click()
    login.press_sequentially("admin.psq", delay=60)
    instructions = page.get_by_test_id("stForm").get_by_test_id("InputInstructions").first
    expect(instructions).to_be_visible(timeout=TIMEOUT_MS)
    assert english_instructions(page) == []
    assert after_content(page, '[data-testid="InputInstructions"] > span') == '"Entrée pour valider"'
    page.get_by_label("Identifiant").locator("xpath=ancestor::*[@data-testid='stTextInput']").screenshot(
        path=str(SHOTS / "connexion-entree-pour-valider.png")
    )
    password = page.get_by_label("Mot de passe")
    password.click()
    password.press_sequentially(DEMO_PASSWORD, delay=30)
    page.wait_for_timeout(PAUSE_MS)
    password.press("Enter")  # Enter still submits the login form
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible(timeout=TIMEOUT_MS)

    seen = focus_each_field(page, "Administration")
    nav = page.get_by_test_id("stSidebarNav").get_by_role("link")
    titles = [nav.nth(i).inner_text().strip().splitlines()[-1] for i in range(nav.count())]
    for title in titles:
        go_to(page, title)
        page.wait_for_timeout(PAUSE_MS)
        seen += focus_each_field(page, title)
    assert len(titles) >= 5, titles
    log_in(page, demo_app, "maire.gray")  # the recipient of a snapshot: a field with a length limit
    page.wait_for_timeout(PAUSE_MS)
    seen += focus_each_field(page, "Maire")
    panel = page.locator('[class*="st-key-maire_download_recipient"]')
    recipient = panel.get_by_role("textbox", name="Destinataire du fichier (personne ou organisme)")
    recipient.press("End")
    recipient.press_sequentially(" M. le maire", delay=60)  # typed, not applied: Enter would apply it
    counter = panel.get_by_test_id("InputInstructions")
    expect(counter).to_contain_text("34/120", timeout=TIMEOUT_MS)
    assert english_instructions(page) == []
    assert after_content(page, '[class*="_counted"] [data-testid="InputInstructions"] > span') == (
        '"Entrée pour appliquer"'
    )
    counter.screenshot(path=str(SHOTS / "destinataire-entree-pour-appliquer.png"))
    assert seen == [], seen
    assert COUNTERS, "no length counter was seen"
