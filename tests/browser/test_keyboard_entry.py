"""RGAA 12.13 / WCAG 2.1.1: an agent records an observation with the keyboard only — Tab, Shift+Tab,
Enter, Space, arrows and typing, typed coordinates, no mouse at all — and every control it reaches
shows where the focus is (RGAA 10.7)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.ui import TIMEOUT_MS, forget_session, starts_with, wait_for_session_cookie, wait_until_idle

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000  # a person reads, then acts
MAX_TABS = 80
DESCRIPTION = "Candélabre éteint au bout du quai, saisi au clavier"

# What the focused element (inside a frame too) looks like: its focus ring must be visible.
FOCUS_JS = """() => {
  let e = document.activeElement;
  while (e && e.tagName === 'IFRAME' && e.contentDocument) { e = e.contentDocument.activeElement; }
  if (!e || e === document.body) { return null; }
  const ring = (el) => { const s = getComputedStyle(el);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none'); };
  let shown = ring(e), el = e;
  for (let i = 0; i < 6 && !shown && el.parentElement; i++) { el = el.parentElement; shown = ring(el); }
  const label = (e.getAttribute('aria-label') || e.textContent || '').trim().slice(0, 60);
  return {tag: e.tagName, label: label, ring: shown};
}"""


def focused(locator: Locator) -> bool:
    return locator.evaluate("e => e === document.activeElement || e.contains(document.activeElement)")


def tab_to(page: Page, target: Locator, rings: list[dict], *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus, noting each stop's focus ring."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if focused(target):
            return
        page.keyboard.press(key)
        page.wait_for_timeout(60)  # a person tabbing through a form: quick, but one stop at a time
        stop = page.evaluate(FOCUS_JS)
        if stop:
            rings.append(stop)
    raise AssertionError(f"{target} never got the focus in {MAX_TABS} presses of {key}")


def type_text(page: Page, text: str) -> None:
    page.keyboard.type(text, delay=30)
    page.wait_for_timeout(PAUSE_MS // 2)


def test_an_observation_recorded_with_the_keyboard_only(module_demo_app, browser_page, network_log):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    SHOTS.mkdir(exist_ok=True)
    rings: list[dict] = []

    # Log in: the address typed, then Tab, typing and Enter.
    forget_session(page)
    page.goto(module_demo_app.url)
    login = page.get_by_label("Identifiant")
    expect(login).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    tab_to(page, login, rings)
    type_text(page, "agent.gray")
    page.keyboard.press("Tab")
    from diagnostics.demo import DEMO_PASSWORD

    type_text(page, DEMO_PASSWORD)
    page.keyboard.press("Enter")
    wait_until_idle(page)
    wait_for_session_cookie(page)
    expect(page.get_by_role("heading", name="Saisie terrain", level=1)).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)

    # The diagnostic: a combobox, typed into, Enter picks the highlighted option.
    picker = page.get_by_label("Diagnostic", exact=True).first
    tab_to(page, picker, rings)
    type_text(page, "Quartier de l'île")
    page.keyboard.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_role("heading", name="Ajouter une observation")).to_be_visible(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)

    # The position, typed: open the section with Enter, type the coordinates, Enter.
    section = page.locator("summary").filter(has_text="Position : coordonnées ou recherche d'un lieu")
    tab_to(page, section, rings)
    page.keyboard.press("Enter")
    page.wait_for_timeout(PAUSE_MS)
    coords = page.get_by_label("Coordonnées", exact=True)
    tab_to(page, coords, rings)
    type_text(page, "47.4439, 5.5905")
    page.keyboard.press("Enter")
    wait_until_idle(page)
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47.4439"), timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)

    # Catégorie (combobox), gravité (radio group: arrows), description (typing).
    category = page.get_by_label("Catégorie", exact=True).first
    tab_to(page, category, rings)
    type_text(page, "Éclairage")
    page.keyboard.press("Enter")
    wait_until_idle(page)
    page.wait_for_timeout(PAUSE_MS)
    first_level = page.get_by_role("radio", name="1 — Faible")
    tab_to(page, first_level, rings)
    page.keyboard.press("Space")
    page.wait_for_timeout(300)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    expect(page.get_by_role("radio", name="3 — Forte")).to_be_checked(timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    description = page.get_by_label("Description", exact=True)
    tab_to(page, description, rings)
    type_text(page, DESCRIPTION)
    page.wait_for_timeout(PAUSE_MS)

    # Save: Tab to the button, look at its focus ring, Enter.
    save = page.get_by_role("button", name="Enregistrer l'observation")
    tab_to(page, save, rings)
    wait_until_idle(page)
    save.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "a11y-clavier-focus-enregistrer.png"))
    assert page.evaluate(FOCUS_JS)["ring"], "the focused save button shows no focus ring"
    page.wait_for_timeout(PAUSE_MS)
    page.keyboard.press("Enter")
    confirmation = page.get_by_text(starts_with("Observation n°"))
    expect(confirmation).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    confirmation.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "a11y-clavier-enregistree.png"))

    # Saved, as typed: the French confirmation names it, the database holds it.
    database = module_demo_app.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT category, severity FROM observations WHERE description = ?", (DESCRIPTION,)
        ).fetchall()
    assert rows == [("eclairage", 3)], rows

    without_ring = [stop for stop in rings if not stop["ring"]]
    print(f"\n{len(rings)} focus stops, {len(without_ring)} without a visible ring:", without_ring[:20])
    assert not [stop for stop in without_ring if stop["tag"] in ("BUTTON", "A", "SUMMARY", "INPUT", "TEXTAREA")]
