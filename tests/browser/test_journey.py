"""The whole journey in Chromium, at desktop and phone sizes, with no request leaving loopback:
an agent records an observation by clicking the map, a commander finds it on the commanders' map,
the mayor downloads the PNG and PDF of the commune. Every page is screenshot."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.ui import (
    TIMEOUT_MS,
    choose,
    click_inside_commune,
    go_to,
    log_in,
    log_out,
    map_frame,
    open_sidebar,
    starts_with,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
SHOTS = Path("/tmp/psq-screenshots")
DESCRIPTION = "Lampadaire éteint devant l'école"


@pytest.mark.parametrize("size", list(SIZES))
def test_from_the_street_to_the_mayor(demo_app, browser_page, network_log, size):
    page = browser_page
    width, height = SIZES[size]
    page.set_viewport_size({"width": width, "height": height})
    SHOTS.mkdir(exist_ok=True)

    page.goto(demo_app)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / f"connexion-{size}.png"))

    # An agent of the Gray contact group records an observation by clicking the map.
    log_in(page, demo_app, "agent.gray")
    choose(page, "Diagnostic", "Quartier de l'île, Gray")
    _, frame = map_frame(page)
    click_inside_commune(page, frame, "Gray")
    expect(page.get_by_label("Latitude (degrés décimaux)")).to_have_value(starts_with("47.4"), timeout=TIMEOUT_MS)
    choose(page, "Catégorie", "Éclairage")
    page.get_by_text("3 — Forte").click()
    wait_until_idle(page)
    page.get_by_label("Description").fill(f"{DESCRIPTION} ({size})")
    page.get_by_text("Le constat", exact=True).click()
    wait_until_idle(page)
    page.get_by_role("button", name="Enregistrer l'observation").click()
    expect(page.get_by_text("enregistrée.")).to_be_visible(timeout=TIMEOUT_MS)
    page.screenshot(path=str(SHOTS / f"saisie-{size}.png"))
    log_out(page)

    # The commander of Haute-Saône finds it on the commanders' map.
    log_in(page, demo_app, "commandant.70")
    go_to(page, "Carte de commandement")
    map_frame(page)
    expect(page.get_by_text("11 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)  # 10 demo + 1
    page.screenshot(path=str(SHOTS / f"carte-{size}.png"))
    log_out(page)

    # The mayor of Gray downloads the commune's map and dossier.
    log_in(page, demo_app, "maire.gray")
    go_to(page, "Export maire")
    choose(page, "Commune", "Gray")
    for label, signature in (("Carte (PNG)", b"\x89PNG"), ("Dossier (PDF)", b"%PDF")):
        with page.expect_download(timeout=TIMEOUT_MS) as download:
            page.get_by_role("button", name=f"Télécharger : {label}").click()
        content = Path(download.value.path()).read_bytes()
        assert content.startswith(signature), label
        assert download.value.suggested_filename.startswith("diagnostic-surete-70279-gray")
    page.screenshot(path=str(SHOTS / f"export-{size}.png"))
    assert network_log.problems() == []


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_opens_for_an_administrator(demo_app, browser_page, network_log, size):
    page = browser_page
    page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
    SHOTS.mkdir(exist_ok=True)
    log_in(page, demo_app, "admin.psq")
    open_sidebar(page)
    links = page.get_by_test_id("stSidebarNav").get_by_role("link").all_inner_texts()
    titles = [text.strip().splitlines()[-1] for text in links]  # the first line is the icon's name
    assert len(titles) >= 4
    for title in titles:
        go_to(page, title)
        expect(page.get_by_role("heading", level=1, name=title)).to_be_visible(timeout=TIMEOUT_MS)
        wait_until_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)
        page.screenshot(path=str(SHOTS / f"admin-{_slug(title)}-{size}.png"))
    assert network_log.problems() == []


def _slug(title: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in title.lower())
