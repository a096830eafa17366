"""The commanders' map draws its reference layers from the route's compact topology
(maps.topology, assets/topology.js) as it drew them from GeoJSON: commandant.70 opens the map,
sees the communes with their names, hovers a patrol zone whose name is hostile text and opens
its card: the text is shown as text, nothing runs. Human pace, Chromium; screenshots in
/tmp/psq-screenshots."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from diagnostics.models import PatrolZone
from tests.browser.conftest import demo_server
from tests.browser.ui import TIMEOUT_MS, go_to, log_in, map_frame
from tests.maps.samples import PAYLOAD

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/psq-screenshots")
PAUSE_MS = 1000
MAP = "Object.values(window).find(v => v instanceof L.Map)"


def _hostile_zone_name(db) -> None:
    with db.session() as session:
        session.scalars(select(PatrolZone).order_by(PatrolZone.id)).first().name = PAYLOAD


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    with demo_server(tmp_path_factory, prepare=_hostile_zone_name) as server:
        yield server.url


def test_areas_from_the_topology_keep_their_names_and_their_text_inert(hostile_app, browser_page):
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, hostile_app, "commandant.70")
    go_to(page, "Carte de commandement")
    iframe, frame = map_frame(page)
    script = iframe.element_handle().content_frame()
    expect(frame.locator(".psq-commune-label").first).to_be_attached(timeout=TIMEOUT_MS)  # names came with the communes
    areas = script.evaluate(
        f"() => {{ const map = {MAP}; const out = []; map.eachLayer(l => {{ if (l.feature) {{"
        " out.push([l.feature.properties.tooltip, l.feature.properties.popup || '']); } }); return out; }"
    )
    names = [tooltip for tooltip, _popup in areas]
    assert len(names) > 1000 and "Vesoul" in names and "Gray" in names  # the communes, decoded
    hostile = [popup for tooltip, popup in areas if "script" in tooltip]
    assert hostile and all("<script>" not in popup for popup in hostile), hostile
    page.wait_for_timeout(PAUSE_MS)
    # The person opens the hostile zone's card: it reads as text, and no script ran.
    script.evaluate(
        f"() => {{ const map = {MAP}; map.eachLayer(l => {{"
        " if (l.feature && l.feature.properties.tooltip.includes('script')) {"
        " map.fitBounds(l.getBounds()); l.openPopup(l.getBounds().getCenter()); } }); }"
    )
    popup = frame.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("<script>alert('x')</script>", timeout=TIMEOUT_MS)
    assert popup.locator("script").count() == 0
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "topology-hostile-zone.png"))
    page.wait_for_timeout(PAUSE_MS)
    assert dialogs == []
