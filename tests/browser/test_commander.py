"""A commander's day on Carte de commandement and Analyse (issue 13, « Commander »), in Chromium at
human pace: a tap, about a second, a look at what is shown. One app and one demo database for the
module; each test logs in on its own page. Screenshots in /tmp/psq-screenshots (1366x768, 390x844)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from diagnostics import localtime
from diagnostics.auth import system_actor
from diagnostics.db import open_database
from diagnostics.services.follow_up import FollowUp, observation_detail, save_follow_up
from tests.browser.ui import (
    TIMEOUT_MS,
    english_in_controls,
    go_to,
    log_in,
    map_frame,
    open_sidebar,
    scroll_to,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
IN_ZONE = 2  # demo observation in Gray, inside the contact group's patrol zone and the « Quartier de l'île » sector
TREATED, OPEN = 7, 5  # two demo observations in Vesoul (Les Rêpes, Le Montmarin)
PAUSE_MS = 1000  # a person's pace between two actions

# In the map's frame: the Leaflet map and the observations' canvas layer.
FIND = (
    "const map = Object.values(window).find(v => v instanceof L.Map);"
    "const points = Object.values(map._layers).find(l => l instanceof L.PsqPoints);"
)


def open_map(page: Page, base_url: str, size=DESKTOP):
    page.set_viewport_size(size)
    log_in(page, base_url, "commandant.70")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    # The map fetches its view (few demo observations: their points) from the app's route.
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    return iframe, frame


def script(iframe):
    """The map's frame, to read what Leaflet drew (the locator cannot run scripts)."""
    return iframe.element_handle().content_frame()


def zoom_on(iframe, observation_id: int, zoom: int = 17) -> dict:
    """Zoom the map on one observation (what a person does with the wheel) and return where it is
    drawn, in the map's pixels, once the map has fetched that view's points."""
    return script(iframe).evaluate(
        "async ([id, zoom]) => {"
        + FIND
        + """
          const box = map.getContainer();
          const settle = (asked) => new Promise(done => {
            const until = Date.now() + 20000;
            const look = () => (Number(box.dataset.psqRequests) > asked && box.dataset.psqState === 'drawn')
              || Date.now() > until ? done() : setTimeout(look, 50);
            look();
          });
          let i = points._d.id.indexOf(id);
          if (i < 0) {  // not in the view drawn now: back to the whole département first
            const asked = Number(box.dataset.psqRequests);
            map.setView([47.6, 6.1], 9, {animate: false});
            await settle(asked);
            i = points._d.id.indexOf(id);
          }
          const asked = Number(box.dataset.psqRequests);
          map.setView([points._d.lat[i] * 1e-5, points._d.lon[i] * 1e-5], zoom, {animate: false});
          await settle(asked);
          points._redraw();
          i = points._d.id.indexOf(id);
          return {x: points._x[i], y: points._y[i]};
        }""",
        [observation_id, zoom],
    )


def tap(page: Page, iframe, where: dict) -> None:
    container = iframe.content_frame.locator(".leaflet-container").bounding_box()
    page.mouse.click(container["x"] + where["x"], container["y"] + where["y"])
    page.wait_for_timeout(PAUSE_MS)


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"commandant-{name}.png"))


def test_a_point_inside_a_zone_opens_its_follow_up(module_demo_app, browser_page):
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url)
    where = zoom_on(iframe, IN_ZONE)
    page.wait_for_timeout(PAUSE_MS)
    tap(page, iframe, where)
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"N° {IN_ZONE}", timeout=TIMEOUT_MS)
    expect(popup).not_to_contain_text("Groupe de contact")  # not the zone's card
    wait_until_idle(page)
    expect(page.get_by_text(f"Observation n° {IN_ZONE}")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_role("button", name="Enregistrer le suivi")).to_be_visible()
    page.get_by_text(f"Observation n° {IN_ZONE}").scroll_into_view_if_needed()
    shoot(page, "carte-suivi-desktop")
    # Away from any point, inside the areas, an area's card still opens.
    wait_until_idle(page)
    page.locator('iframe[title="streamlit_folium.st_folium"]').first.scroll_into_view_if_needed()  # back to the map
    page.wait_for_timeout(PAUSE_MS)
    tap(page, iframe, {"x": where["x"], "y": where["y"] + 60})
    expect(popup).to_contain_text(re.compile("Groupe de contact|Quartier de l'île"), timeout=TIMEOUT_MS)
    expect(popup).not_to_contain_text(f"N° {IN_ZONE}")


def test_treated_observations_are_hollow_and_the_legend_says_so(module_demo_app, browser_page):
    db = open_database(module_demo_app.database_url)
    version = observation_detail(db, system_actor(), TREATED).version
    # another commander, earlier
    save_follow_up(db, system_actor(), TREATED, version, FollowUp("traitee", comment="Réparé, constaté."))
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url)
    colours = {}
    for observation_id in (TREATED, OPEN):
        where = zoom_on(iframe, observation_id)
        colours[observation_id] = script(iframe).evaluate(
            "([x, y]) => {"
            + FIND
            + """
              const c = document.querySelector('canvas.psq-points'), r = window.devicePixelRatio || 1;
              return Array.from(c.getContext('2d').getImageData(Math.round(x * r), Math.round(y * r), 1, 1).data);
            }""",
            [where["x"], where["y"]],
        )
    assert colours[TREATED][:3] == [255, 255, 255] or min(colours[TREATED][:3]) > 200, colours  # a ring
    assert colours[OPEN][3] > 0 and min(colours[OPEN][:3]) < 200, colours  # a filled disc
    legend = frame.locator(".psq-legend")
    expect(legend).to_contain_text("Traitée ou classée")
    expect(legend).to_contain_text("Ouverte")


def test_the_legend_names_every_layer_and_hides_no_point(module_demo_app, browser_page):
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url)
    legend = frame.locator(".psq-legend")
    for text in ("Gravité", "Zones de patrouille", "Secteurs", "Kiosque", "Brigade", "Commissariat"):
        expect(legend).to_contain_text(text)
    # The first view, once the map has its size (a person looks at it a moment after it appears).
    for _attempt in range(10):
        hidden = script(iframe).evaluate(
            "() => {"
            + FIND
            + """
              const box = document.querySelector('.psq-legend').getBoundingClientRect();
              const frameBox = map.getContainer().getBoundingClientRect();
              const under = [];
              for (let i = 0; i < points._n; i++) {
                const x = points._x[i] + frameBox.left, y = points._y[i] + frameBox.top;
                if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) { under.push(points._d.id[i]); }
              }
              return {under: under, legend: [box.left, box.top, box.right, box.bottom], size: map.getSize(),
                      fit: map.getContainer().getAttribute('data-fit')};
            }"""
        )
        if not hidden["under"]:
            break
        page.wait_for_timeout(500)
    assert hidden["under"] == [], f"points under the legend at the first view: {hidden}"
    scale = frame.locator(".leaflet-control-scale-line")
    expect(scale).to_have_count(1)
    assert re.fullmatch(r"\d+ k?m", scale.inner_text().strip()), scale.inner_text()
    shoot(page, "carte-desktop")
    zoom_on(iframe, OPEN, 13)
    page.wait_for_timeout(PAUSE_MS)
    expect(frame.locator(".psq-commune-label > span", has_text=re.compile("^Vesoul$"))).to_be_visible()
    shoot(page, "carte-vesoul-desktop")


def test_the_map_on_a_phone(module_demo_app, browser_page):
    page = browser_page
    _iframe, frame = open_map(page, module_demo_app.url, PHONE)
    legend = frame.locator(".psq-legend details")
    expect(legend).not_to_have_attribute("open", "")  # folded: the map stays visible
    shoot(page, "carte-phone")
    frame.locator(".psq-legend summary").click()
    page.wait_for_timeout(PAUSE_MS)
    expect(frame.locator(".psq-legend")).to_contain_text("Zones de patrouille")
    shoot(page, "carte-legende-phone")


def test_one_set_of_filters_carried_in_the_url(module_demo_app, browser_page):
    page = browser_page
    open_map(page, module_demo_app.url)
    open_sidebar(page)
    # The field sits at the bottom edge of the sidebar: a person scrolls to it, then clicks. (A click
    # that scrolls the sidebar itself closes the list it has just opened.)
    gravite = page.get_by_label("Gravité").first
    scroll_to(page, gravite)
    page.wait_for_timeout(PAUSE_MS)
    gravite.click()
    page.get_by_role("option", name="Critique").click()
    page.keyboard.press("Escape")
    wait_until_idle(page)
    expect(page.get_by_text("1 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)
    assert "grav=4" in page.url
    bookmark = page.url
    go_to(page, "Analyse")
    expect(page.get_by_role("heading", name="Analyse des observations")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_text("1 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)  # same filters
    # The bookmark, opened in a new page of the same browser (still signed in: the session
    # cookie), gives the same view.
    other = page.context.new_page()
    other.set_viewport_size(DESKTOP)
    other.goto(bookmark)
    wait_until_idle(other)
    expect(other.get_by_role("button", name="Se connecter")).to_have_count(0)
    expect(other.get_by_role("heading", name="Carte de commandement")).to_be_visible(timeout=TIMEOUT_MS)
    expect(other.get_by_text("1 observation(s) retenue(s)")).to_be_visible(timeout=TIMEOUT_MS)
    shoot(other, "carte-marque-page-desktop")
    other.close()


def test_analyse_reads_as_french(module_demo_app, browser_page):
    page = browser_page
    page.set_viewport_size(DESKTOP)
    log_in(page, module_demo_app.url, "commandant.70")
    go_to(page, "Analyse")
    expect(page.get_by_role("heading", name="Analyse des observations")).to_be_visible(timeout=TIMEOUT_MS)
    wait_until_idle(page)
    shoot(page, "analyse-desktop")
    page.get_by_text("Mois par mois").click()
    wait_until_idle(page)
    expect(
        page.get_by_text(re.compile(r"observation\(s\) en (" + "|".join(localtime.MONTHS) + r") \d{4}"))
    ).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, "analyse-mois-desktop")
    page.get_by_text("Couverture", exact=True).click()
    wait_until_idle(page)
    expect(page.get_by_text("Hors zones de patrouille", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stMetricDelta")).to_have_count(0)  # no « ↑ 27% » badge
    expect(page.get_by_text(re.compile(r"soit \d+ % des observations"))).to_have_count(2)
    shoot(page, "analyse-couverture-desktop")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(PAUSE_MS)
    shoot(page, "analyse-couverture-phone")


def test_a_refused_comment_is_kept_to_resend(module_demo_app, browser_page):
    first = browser_page
    first.set_viewport_size(DESKTOP)
    log_in(first, module_demo_app.url, "commandant.70")
    go_to(first, "Carte de commandement")
    number = first.get_by_label("N° de l'observation", exact=True)
    number.fill(str(OPEN))
    number.press("Enter")
    wait_until_idle(first)
    # The form holds the version it was drawn with: wait until it shows this observation.
    expect(first.get_by_text(f"Observation n° {OPEN}", exact=True)).to_be_visible(timeout=TIMEOUT_MS)
    expect(first.get_by_label("Commentaire daté (facultatif)")).to_be_visible(timeout=TIMEOUT_MS)
    # Meanwhile another commander saves a follow-up of the same observation.
    db = open_database(module_demo_app.database_url)
    save_follow_up(
        db, system_actor(), OPEN, observation_detail(db, system_actor(), OPEN).version, FollowUp("transmise")
    )
    comment = first.get_by_label("Commentaire daté (facultatif)")
    comment.fill("Appel au bailleur : éclairage du parking promis pour lundi.")
    first.wait_for_timeout(PAUSE_MS)
    first.get_by_role("button", name="Enregistrer le suivi").click()
    wait_until_idle(first)
    expect(first.get_by_text("conservé").first).to_be_visible(timeout=TIMEOUT_MS)
    first.get_by_role("button", name="Recharger l'observation").click()
    wait_until_idle(first)
    expect(first.get_by_label("Commentaire daté (facultatif)")).to_have_value(
        "Appel au bailleur : éclairage du parking promis pour lundi.", timeout=TIMEOUT_MS
    )
    # « Recharger » reruns the page, and the map answers with its own rerun a moment later:
    # wait for both before scrolling, or the field is redrawn under the scroll.
    first.wait_for_timeout(PAUSE_MS)
    wait_until_idle(first)
    scroll_to(first, first.get_by_label("Commentaire daté (facultatif)"))
    shoot(first, "carte-suivi-conserve-desktop")
    first.wait_for_timeout(PAUSE_MS)
    first.get_by_role("button", name="Enregistrer le suivi").click()
    wait_until_idle(first)
    expect(first.get_by_text(f"Suivi de l'observation n° {OPEN} enregistré.")).to_be_visible(timeout=TIMEOUT_MS)


def map_state(iframe) -> dict:
    return script(iframe).evaluate(
        "() => {"
        + FIND
        + """
          const c = map.getCenter(), box = map.getContainer();
          return {lat: c.lat, lng: c.lng, zoom: map.getZoom(),
                  legendOpen: box.querySelector('.psq-legend details').open,
                  sitesSmall: box.classList.contains('psq-sites-small')};
        }"""
    )


def test_the_map_speaks_french_and_a_reload_keeps_its_view(module_demo_app, browser_page):
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url)
    # Every control's title, aria-label and text: French only (issue 19, English on the maps).
    assert english_in_controls(script(iframe)) == []
    expect(frame.locator(".leaflet-control-layers-toggle")).to_have_attribute("title", "Couches")
    # A laptop's 600 px map: the legend starts folded, site symbols are small at the département's zoom.
    state = map_state(iframe)
    assert state["legendOpen"] is False and state["sitesSmall"] is True, state
    shoot(page, "carte-legende-repliee-desktop")
    frame.locator(".psq-legend summary").click()  # the person opens it: it stays open in this tab
    page.wait_for_timeout(PAUSE_MS)
    # Zoom on Gray; the view goes to the URL (the map is not rebuilt: the legend stays open).
    where = zoom_on(iframe, IN_ZONE, 14)
    assert where["x"] > 0
    page.wait_for_timeout(PAUSE_MS)
    expect(page).to_have_url(re.compile(r"carte=14(/|%2F)47\.4\d+(/|%2F)5\.\d+"), timeout=TIMEOUT_MS)
    wait_until_idle(page)
    state = map_state(iframe)
    assert state["zoom"] == 14 and state["legendOpen"] is True and state["sitesSmall"] is False, state
    shoot(page, "carte-gray-desktop")
    page.reload()
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    after = map_state(iframe)
    assert after["zoom"] == 14 and abs(after["lat"] - 47.445) < 0.02 and abs(after["lng"] - 5.59) < 0.03, after
    assert after["legendOpen"] is True, after  # remembered in the tab
    shoot(page, "carte-gray-rechargee-desktop")


def map_zoom(iframe) -> int:
    return script(iframe).evaluate("() => {" + FIND + "return map.getZoom(); }")


def toggle_heat(page: Page) -> None:
    open_sidebar(page)
    heat = page.get_by_label("Carte de chaleur")
    heat.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    heat.click(force=True)
    wait_until_idle(page)


def test_a_layer_toggle_keeps_the_view(module_demo_app, browser_page):
    """At zoom 16 with the heatmap, out to 13, heatmap off: the map stays at 13 (issue: it jumped
    back to 16 and rewrote the URL's view)."""
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url)
    before = map_zoom(iframe)
    toggle_heat(page)
    iframe, frame = map_frame(page)
    page.wait_for_timeout(PAUSE_MS)
    # The heatmap comes from the route's views, on the same map: drawn, at the same zoom.
    expect(frame.locator('.leaflet-container[data-psq-heat="on"]')).to_have_count(1, timeout=TIMEOUT_MS)
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    assert map_zoom(iframe) == before
    shoot(page, "carte-chaleur-desktop")
    while map_zoom(iframe) < 16:  # in, as a person, button after button
        frame.get_by_role("button", name="Zoom avant").click()
        page.wait_for_timeout(PAUSE_MS)
    wait_until_idle(page)
    expect(page).to_have_url(re.compile(r"carte=16(/|%2F)"), timeout=TIMEOUT_MS)
    for _ in range(3):
        frame.get_by_role("button", name="Zoom arrière").click()
        page.wait_for_timeout(PAUSE_MS)
    wait_until_idle(page)
    expect(page).to_have_url(re.compile(r"carte=13(/|%2F)"), timeout=TIMEOUT_MS)
    toggle_heat(page)  # off: the map draws its views as points or cells again
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-heat="off"]')).to_have_count(1, timeout=TIMEOUT_MS)
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(0)
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    assert map_zoom(iframe) == 13
    expect(page).to_have_url(re.compile(r"carte=13(/|%2F)"))
    shoot(page, "carte-chaleur-retiree-desktop")
    toggle_heat(page)  # on again: still there
    iframe, frame = map_frame(page)
    page.wait_for_timeout(PAUSE_MS)
    assert map_zoom(iframe) == 13


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_few_close_observations_open_on_the_scope_territory(module_demo_app, browser_page, size):
    """commandant.39 sees two overlapping points in Lons-le-Saunier: the map opens on the Jura's
    communes (at most zoom 15), not on an empty grey map at zoom 18."""
    page = browser_page
    page.set_viewport_size(size)
    log_in(page, module_demo_app.url, "commandant.39")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    page.wait_for_timeout(PAUSE_MS)
    assert map_zoom(iframe) <= 12
    iframe.scroll_into_view_if_needed()
    shoot(page, f"carte-jura-{'desktop' if size == DESKTOP else 'phone'}")


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_table_opens_on_demand_keeps_the_map_and_picks_an_observation(module_demo_app, browser_page, size):
    """The Carte opens with its table folded (the map first); a tap opens it, the map keeps its
    zoom, a row opens its follow-up, and a reload or a bookmark keeps the table open."""
    page = browser_page
    iframe, frame = open_map(page, module_demo_app.url, size)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(0)
    zoom_on(iframe, IN_ZONE, 14)
    page.wait_for_timeout(PAUSE_MS)
    expect(page).to_have_url(re.compile(r"carte=14"), timeout=TIMEOUT_MS)
    panel = page.get_by_text("Tableau des observations", exact=True)
    panel.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    panel.click()
    wait_until_idle(page)
    table = page.get_by_test_id("stDataFrame")
    expect(table).to_be_visible(timeout=TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"tableau="), timeout=TIMEOUT_MS)
    assert map_zoom(iframe) == 14  # the page ran again; its map was not rebuilt
    name = "desktop" if size == DESKTOP else "phone"
    shoot(page, f"carte-tableau-{name}")
    # The first row (the newest observation): a tap on its selection box opens its follow-up.
    table.scroll_into_view_if_needed()
    page.wait_for_timeout(PAUSE_MS)
    box = table.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"^Observation n° \d+"))).to_be_visible(timeout=TIMEOUT_MS)
    shoot(page, f"carte-tableau-suivi-{name}")
    page.reload()
    iframe, frame = map_frame(page)
    expect(frame.locator('.leaflet-container[data-psq-state="drawn"]')).to_have_count(1, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stDataFrame")).to_be_visible(timeout=TIMEOUT_MS)
    assert map_zoom(iframe) == 14
