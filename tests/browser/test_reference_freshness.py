"""A reference change reaches commanders in every process at their next rerun.

Two Streamlit servers share one database, as processes behind a reverse proxy do. The commander
opens the map on one of them; an administrator's change is written by another process; the
commander's next interaction shows it, with no restart and no time-to-live to wait for.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Error as PlaywrightError
from shapely.geometry import Polygon

from diagnostics.db import open_database
from diagnostics.services import reference_edits
from tests.browser.conftest import REPO, demo_database_file
from tests.browser.ui import TIMEOUT_MS, go_to, log_in, map_frame, open_sidebar, wait_until_idle
from tests.conftest import ADMIN_ACTOR

pytestmark = pytest.mark.browser

NEW_ZONE = "Zone tracee par un autre serveur"  # ASCII: the map holds it as JSON text


@pytest.fixture
def two_servers(streamlit_server, tmp_path):
    url = demo_database_file(tmp_path / "shared.sqlite")
    first = streamlit_server(REPO / "server.py", env={"DATABASE_URL": url})
    second = streamlit_server(REPO / "server.py", env={"DATABASE_URL": url})
    return url, first, second


def test_a_zone_drawn_elsewhere_shows_on_the_commanders_map_at_the_next_rerun(two_servers, browser_page):
    url, first, second = two_servers
    page = browser_page
    page.set_default_timeout(TIMEOUT_MS)  # two servers and a browser on a shared machine
    page.set_viewport_size({"width": 1366, "height": 900})
    # Both servers have loaded the layers: their caches are warm.
    log_in(page, first, "commandant.70")
    go_to(page, "Carte de commandement")
    map_frame(page)
    log_in(page, second, "commandant.70")
    go_to(page, "Carte de commandement")
    assert NEW_ZONE not in _map_html(page)

    db = open_database(url)  # the administrator's process
    try:
        zone = Polygon([(6.150, 47.615), (6.160, 47.615), (6.160, 47.620), (6.150, 47.620)])
        draft = reference_edits.ReferenceDraft("zones", NEW_ZONE, zone, unit="Groupe VTT de Vesoul")
        reference_edits.save_drawn(db, ADMIN_ACTOR, draft)
    finally:
        db.dispose()

    # Any interaction reruns the page: here the commander toggles the heat map on.
    page.wait_for_timeout(1000)
    open_sidebar(page)
    heat = page.get_by_label("Carte de chaleur")
    for attempt in range(3):
        # Under heavy load a toggle's rerun can be superseded before the map is swapped in:
        # the person toggles again (each toggle is a rerun that reads the data version).
        heat.set_checked(attempt % 2 == 0, force=True)
        wait_until_idle(page)
        if _map_shows(page, NEW_ZONE, timeout_s=30, required=attempt == 2):
            break
    page.screenshot(path="/tmp/fresh_second_server.png")
    # The other process sees it too, without a restart.
    log_in(page, first, "commandant.70")
    go_to(page, "Carte de commandement")
    _map_shows(page, NEW_ZONE)


def _map_html(page) -> str:
    """The map document as the browser holds it, and the names of the areas it drew."""
    iframe, _frame = map_frame(page)
    frame = iframe.element_handle().content_frame()
    if frame is None:  # the component is swapping its iframe in this very moment: look again
        return ""
    try:
        # The commanders' map fetches its areas from the app (/api/map/reference/…): their names too.
        names = frame.evaluate(
            "() => { const map = Object.values(window).find(v => v instanceof L.Map); const names = [];"
            " if (map) { map.eachLayer(l => { if (l.feature) { names.push(l.feature.properties.tooltip || ''); } }); }"
            " return names.join('|'); }"
        )
        return frame.content() + names
    except PlaywrightError:  # the frame was replaced while being read
        return ""


def _map_shows(page, text: str, timeout_s: float = 90, required: bool = True) -> bool:
    """The component swaps the map in a moment after the script run ends: look until it has."""
    deadline = time.monotonic() + timeout_s
    while text not in _map_html(page):
        if time.monotonic() > deadline:
            assert not required, f"{text!r} never reached the map"
            return False
        page.wait_for_timeout(500)
    return True
