"""Acting on the real app in Chromium as a person would: log in, pick, click, wait."""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

TIMEOUT_MS = 45_000
SESSION_COOKIE = "psq_session"  # diagnostics.web.auth.COOKIE


def log_in(page: Page, base_url: str, login: str = "admin.psq") -> None:
    """Through the real login form, with a demo account."""
    from diagnostics.demo import DEMO_PASSWORD

    forget_session(page)
    page.goto(base_url)
    page.get_by_label("Identifiant").fill(login)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    wait_until_idle(page)
    wait_for_session_cookie(page)
    open_sidebar(page)
    expect(page.get_by_text("Connecté :")).to_be_visible(timeout=TIMEOUT_MS)
    close_sidebar(page)


def forget_session(page: Page) -> None:
    """Drop the browser's session cookie (as another person, or another browser, would start):
    with it, an earlier login in this browser would still be signed in and skip the form."""
    page.context.clear_cookies(name=SESSION_COOKIE)


def wait_for_session_cookie(page: Page) -> dict:
    """After a login the page's script has the server set the session cookie; wait for it, so
    that a reload or a new tab is signed in (and a later `forget_session` is not undone)."""
    for _ in range(TIMEOUT_MS // 250):
        cookie = next((c for c in page.context.cookies() if c["name"] == SESSION_COOKIE), None)
        if cookie:
            return cookie
        page.wait_for_timeout(250)
    raise AssertionError("the session cookie was never set after the login")


def log_out(page: Page) -> None:
    open_sidebar(page)
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)


def open_sidebar(page: Page) -> None:
    """On a phone the sidebar (navigation, logout) starts collapsed."""
    expand = page.get_by_test_id("stExpandSidebarButton")
    if expand.count() and expand.first.is_visible():
        expand.first.click()
        page.wait_for_timeout(400)


def close_sidebar(page: Page) -> None:
    """On a phone the open sidebar covers the page."""
    collapse = page.get_by_test_id("stSidebarCollapseButton").locator("button")
    if page.viewport_size["width"] < 640 and collapse.count() and collapse.first.is_visible():
        collapse.first.click()
        page.wait_for_timeout(400)


def go_to(page: Page, title: str) -> None:
    """In-app navigation: a full page load would start a new, logged-out Streamlit session."""
    open_sidebar(page)
    page.get_by_role("link", name=title).click()
    wait_until_idle(page)
    close_sidebar(page)


def map_frame(page: Page):
    iframe = page.locator('iframe[title="streamlit_folium.st_folium"]').first
    expect(iframe).to_be_visible(timeout=TIMEOUT_MS)
    frame = iframe.content_frame
    expect(frame.locator(".leaflet-container")).to_be_visible(timeout=TIMEOUT_MS)
    return iframe, frame


def map_settled(page: Page, areas: int = 3) -> None:
    """The Carte's first view drawn and its reference layers (communes, zones, sectors) answered,
    as a person sees the map before moving on (signing out earlier leaves requests unanswered)."""
    _iframe, frame = map_frame(page)
    container = frame.locator(".leaflet-container")
    expect(container).to_have_attribute("data-psq-state", "drawn", timeout=TIMEOUT_MS)
    expect(container).to_have_attribute("data-psq-areas", str(areas), timeout=TIMEOUT_MS)


def choose(page: Page, label: str, option_text: str) -> None:
    """Pick an option of a Streamlit selectbox by typing part of it, once the app is idle."""
    wait_until_idle(page)
    field = page.get_by_label(label, exact=True).first
    field.click()
    field.press_sequentially(option_text, delay=20)
    page.get_by_role("option").filter(has_text=option_text).first.click()
    wait_until_idle(page)


# The app's root says whether a script run is under way (`data-test-script-state`). Its status
# widget is no signal: this app's runs, seconds long, never showed it, so a test clicked a
# sidebar list while the run that redraws it was still going and the list closed again.
IDLE_JS = """() => { const app = document.querySelector('[data-testid="stApp"]');
    return !!app && !['initial', 'running', 'rerunRequested', 'stopRequested']
        .includes(app.getAttribute('data-test-script-state')); }"""


def wait_until_idle(page: Page) -> None:
    """Wait as a person waits for the page to settle: no script run under way, twice 300 ms
    apart (a component's answer, such as the map's first report, starts another run)."""
    for _ in range(2):
        page.wait_for_timeout(300)
        page.wait_for_function(IDLE_JS, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)


def scroll_to(page: Page, locator, attempts: int = 4) -> None:
    """Scroll `locator` into view, again if a rerun redrew it meanwhile (as a person would)."""
    for attempt in range(attempts):
        try:
            locator.scroll_into_view_if_needed(timeout=10_000)
            return
        except PlaywrightError:
            if attempt == attempts - 1:
                raise
            page.wait_for_timeout(1000)
            wait_until_idle(page)


def starts_with(prefix: str):
    return re.compile("^" + re.escape(prefix))


def click_inside_commune(page: Page, frame, commune: str) -> None:
    """Click the field map just under a commune's name, as an agent taps inside the commune.

    The map is framed with room for its legend, so its centre can fall outside a commune as
    ragged as Gray; the name is drawn inside it and lets clicks through.
    """
    container = frame.locator(".leaflet-container")
    container.scroll_into_view_if_needed()
    box = container.bounding_box()
    label = frame.get_by_text(commune, exact=True).first.bounding_box()
    x = label["x"] + label["width"] / 2 - box["x"]
    y = label["y"] + label["height"] + 8 - box["y"]
    page.wait_for_timeout(1000)  # a person looks before tapping
    container.click(position={"x": x, "y": y})


# Every title, aria-label and text of a map's controls (a page or a frame that has the map).
CONTROL_TEXTS_JS = """() => Array.from(document.querySelectorAll('.leaflet-control, .leaflet-control *'))
    .flatMap(e => [e.getAttribute('title'), e.getAttribute('aria-label'), e.children.length ? null : e.textContent])
    .filter(t => t && t.trim())"""
ENGLISH_CONTROL = re.compile(r"Zoom in|Zoom out|^Layers$|JavaScript library|Full ?screen|interactive maps", re.I)


def english_in_controls(where) -> list[str]:
    """The English left in a map's controls (Leaflet's « Zoom in », « Layers »…); checks that the
    French ones are there."""
    texts = where.evaluate(CONTROL_TEXTS_JS)
    assert {"Zoom avant", "Zoom arrière"} <= set(texts), texts
    return [text for text in texts if ENGLISH_CONTROL.search(text)]
