"""The offline field page on a phone (Chromium, 390×844, touch, human pace), as issue 14 says:
load /terrain/ online and log in; go offline; record 3 observations (one with a photo); close the
page; reopen it offline (served by the service worker); record a fourth; go online and sync:
exactly 4 observations and 1 photo, attributed to the agent and audited. The server restarts in
the middle of a sync (it stored the batch, its answer is lost) and the page syncs again: still 4.
An observation outside the commune comes back refused with its reason and stays pending."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from diagnostics.db import open_database
from diagnostics.demo import DEMO_PASSWORD
from diagnostics.field_models import Photo
from diagnostics.models import AuditEvent, Observation
from tests.browser.conftest import demo_database_file

pytestmark = [pytest.mark.browser, pytest.mark.phone]

REPO = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/psq-screenshots")
PACE_MS = 900  # a person's pause between taps
TIMEOUT_MS = 30_000
GRAY = (47.4452, 5.5925)
GRAY_SOUTH = (47.4380, 5.6010)  # also inside Gray
OUTSIDE_GRAY = (47.4229, 5.5834)  # about 100 m outside Gray's boundary: the phone lets the agent confirm


class Server:
    """`streamlit run server.py` on one port, that the test can restart (same origin, same SW)."""

    def __init__(self, port: int, env: dict[str, str], log: Path):
        self.port, self.env, self.log, self.proc = port, env, log, None
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        command = [str(REPO / ".venv/bin/streamlit"), "run", "server.py", "--server.port", str(self.port)]
        command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                command, cwd=REPO, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/api/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"server not up:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """One demo database for the module's servers (each test has its own browser profile)."""
    folder = tmp_path_factory.mktemp("terrain")
    database_url = demo_database_file(folder / "demo.sqlite")
    env = {**os.environ, "DATABASE_URL": database_url, "PSQ_PHOTO_DIR": str(folder / "photos")}
    env["PYTHONPATH"] = str(REPO)
    return folder, env


def _started(folder: Path, env: dict[str, str], name: str) -> Server:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = Server(port, env, folder / f"{name}.log")
    running.start()
    return running


@pytest.fixture(scope="module")
def server(demo):
    folder, env = demo
    running = _started(folder, env, "server")
    yield running, env["DATABASE_URL"]
    running.stop()


@pytest.fixture(scope="module")
def tiles_server(demo):
    """The same app with a PMTiles file of Gray's streets as its basemap (made by the test)."""
    from tests.tilefiles import GRAY as GRAY_AREA
    from tests.tilefiles import sample_tiles, write_pmtiles

    folder, env = demo
    archive = write_pmtiles(
        folder / "gray.pmtiles", sample_tiles(areas=(GRAY_AREA,), zooms=range(10, 14)), areas=(GRAY_AREA,)
    )
    running = _started(folder, {**env, "PSQ_TILES": str(archive), "PSQ_OFFLINE_MAX_ZOOM": "13"}, "tiles")
    yield running
    running.stop()


def _shot(page: Page, name: str, *, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"terrain_{name}.png"), full_page=full)


def _pause(page: Page) -> None:
    page.wait_for_timeout(PACE_MS)


def _tap_map(page: Page, lat: float, lon: float) -> None:
    page.locator("#map").scroll_into_view_if_needed()
    _pause(page)
    point = page.evaluate(
        "([lat, lon]) => { const p = window.psqFieldMap.latLngToContainerPoint([lat, lon]);"
        " const r = document.getElementById('map').getBoundingClientRect(); return [r.left + p.x, r.top + p.y]; }",
        [lat, lon],
    )
    page.touchscreen.tap(point[0], point[1])
    _pause(page)


def _describe(page: Page, category: str, severity: str, description: str) -> None:
    page.get_by_label("Catégorie").select_option(label=category)
    _pause(page)
    page.get_by_text(severity, exact=True).tap()
    _pause(page)
    page.get_by_label("Description").fill(description)
    _pause(page)


def _save(page: Page, pending: int) -> None:
    page.get_by_role("button", name="Enregistrer l'observation").tap()
    expect(page.locator("#saved")).to_have_text("Observation enregistrée sur le téléphone.", timeout=TIMEOUT_MS)
    expect(page.locator("#pending")).to_have_text(str(pending))
    _pause(page)


def _jpeg() -> bytes:
    image = Image.new("RGB", (3000, 2000), (90, 120, 60))
    exif = Image.Exif()
    exif[0x013B] = "Agent Dupont"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _counts(database_url: str) -> tuple[int, int, int, int]:
    db = open_database(database_url)
    try:
        with db.session() as session:
            observations = session.scalar(select(func.count()).select_from(Observation).where(Observation.id > 3))
            by_agent = session.scalar(
                select(func.count()).select_from(Observation).where(Observation.author == "agent.gray")
            )
            photos = session.scalar(select(func.count()).select_from(Photo))
            audited = session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(
                    AuditEvent.actor == "agent.gray", AuditEvent.entity == "observation", AuditEvent.action == "create"
                )
            )
            return observations, by_agent, photos, audited
    finally:
        db.dispose()


def _only_the_login_refusal(page: Page, network_log, url: str) -> None:
    """The one refusal the browser may see: the team's data asked while signed out (401; seen by
    the page and, once it is installed, by the service worker too)."""
    expected = f"HTTP 401: {url}/api/terrain/bundle"
    page.wait_for_timeout(3000)  # the service worker may still be asking, a moment later
    assert expected in network_log.errors
    network_log.errors[:] = [error for error in network_log.errors if error != expected]


def _log_in(page: Page, url: str, shot: str | None = None) -> None:
    page.goto(f"{url}/terrain/")
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT_MS)
    if shot:
        _shot(page, shot)
    page.get_by_label("Identifiant").fill("agent.gray")
    _pause(page)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").tap()
    expect(page.get_by_label("Diagnostic en cours")).to_contain_text("Quartier de l'île", timeout=TIMEOUT_MS)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=TIMEOUT_MS)


def _open_offline_page(page: Page, url: str) -> Page:
    response = page.goto(f"{url}/terrain/")
    assert response is not None and response.from_service_worker  # the shell came from the phone
    expect(page.locator("#network")).to_have_text("Hors ligne", timeout=TIMEOUT_MS)
    expect(page.get_by_label("Diagnostic en cours")).to_contain_text("Quartier de l'île", timeout=TIMEOUT_MS)
    return page


def test_offline_day_then_sync_exactly_once(server, browser_page, network_log, tmp_path):
    running, database_url = server
    page = browser_page
    context = page.context
    context.grant_permissions(["geolocation"], origin=running.url)
    context.set_geolocation({"latitude": GRAY_SOUTH[0], "longitude": GRAY_SOUTH[1], "accuracy": 15})
    before = _counts(database_url)
    console: list[str] = []  # the page's own policy (CSP) must refuse nothing it needs
    context.on("console", lambda message: console.append(message.text))

    # Online: the page, the login form, the team's data; the service worker takes over.
    _log_in(page, running.url, shot="01_login")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(page, "02_online")

    # Offline: three observations, one with a photo.
    context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Hors ligne")
    _tap_map(page, *GRAY)
    expect(page.locator("#position")).to_contain_text("Point carte : 47,445")
    _describe(page, "Éclairage", "2 — Modérée", "Candélabre éteint rue des Casernes")
    _save(page, 1)

    _tap_map(page, *GRAY_SOUTH)
    _describe(page, "Dégradations et tags", "3 — Forte", "Tags sur l'abri de bus")
    page.locator("input[name=photos]").set_input_files(
        files=[{"name": "abri.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    expect(page.locator("#thumbs img")).to_have_count(1, timeout=TIMEOUT_MS)
    page.get_by_text("Le constat").tap()
    _pause(page)
    _shot(page, "03_photo")
    _save(page, 2)

    page.get_by_role("button", name="Ma position (GPS)").tap()
    expect(page.locator("#position")).to_contain_text("précision ± 15 m", timeout=TIMEOUT_MS)
    _describe(page, "Visibilité et recoins (masques visuels, végétation)", "1 — Faible", "Haie trop haute")
    page.get_by_label("Partenaire concerné").fill("Habitat 70")
    _save(page, 3)
    _shot(page, "04_three_pending", full=True)

    # The tab is closed, then opened again, still offline: the service worker serves it.
    second = context.new_page()
    page.close()
    page = _open_offline_page(second, running.url)
    expect(page.locator("#pending")).to_have_text("3")
    _tap_map(page, *GRAY)
    _describe(page, "Dépôts sauvages et propreté", "2 — Modérée", "Dépôt sauvage derrière le gymnase")
    _save(page, 4)

    # A point outside Gray: the phone warns; confirmed, it waits for the server's word.
    _tap_map(page, *OUTSIDE_GRAY)
    _describe(page, "Autre", "1 — Faible", "Point hors de la commune")
    page.get_by_role("button", name="Enregistrer l'observation").tap()
    expect(page.locator("[data-error=position]")).to_contain_text("en dehors de la commune de Gray")
    _shot(page, "05_outside_warning")
    page.get_by_text("Je confirme cette position").tap()
    _pause(page)
    _save(page, 5)

    # Online again: the first sync reaches the server, which restarts before answering.
    answered = []

    def restart_before_answer(route) -> None:
        route.fetch()  # the server stores the batch…
        running.stop()  # …and goes down before its answer reaches the phone
        running.start()
        answered.append(False)
        route.abort("connectionreset")

    page.route("**/api/terrain/sync", restart_before_answer)
    context.set_offline(False)
    expect(page.locator("#notice")).to_contain_text("Envoi interrompu", timeout=60_000)
    assert answered == [False]
    assert _counts(database_url)[0] - before[0] == 4
    expect(page.locator("#pending")).to_have_text("5")
    page.unroute("**/api/terrain/sync")
    _pause(page)

    page.get_by_role("button", name="Envoyer").tap()
    expect(page.locator("#notice")).to_contain_text("Envoi terminé : 4 envoyée(s), 1 à corriger", timeout=TIMEOUT_MS)
    expect(page.locator("#pending")).to_have_text("1")
    refused = page.locator("#pending-list li.refused")
    expect(refused).to_have_count(1)
    expect(refused).to_contain_text("Refusée : Le point (47,42")  # where the finger landed, in French
    expect(refused).to_contain_text("est en dehors de la commune de Gray")
    refused.scroll_into_view_if_needed()
    _shot(page, "06_synced_one_refused")

    observations, by_agent, photos, audited = _counts(database_url)
    assert observations - before[0] == 4
    assert by_agent - before[1] == 4 and audited - before[3] == 4
    assert photos - before[2] == 1

    # Sending again changes nothing: the refused one stays, nothing is stored twice.
    page.get_by_role("button", name="Envoyer").tap()
    _pause(page)
    assert _counts(database_url)[0] - before[0] == 4
    expect(page.locator("#pending")).to_have_text("1")

    # The refused one is corrected on the phone (a point inside Gray) and sent again.
    refused.get_by_role("button", name="Modifier").tap()
    _pause(page)
    expect(page.locator("[data-error=position]")).to_contain_text("en dehors de la commune de Gray")
    _tap_map(page, *GRAY_SOUTH)
    page.get_by_role("button", name="Enregistrer la correction").tap()
    expect(page.locator("#notice")).to_contain_text("Envoi terminé : 1 envoyée(s)", timeout=TIMEOUT_MS)
    expect(page.locator("#pending")).to_have_text("0")
    assert _counts(database_url)[0] - before[0] == 5

    page.set_viewport_size({"width": 1366, "height": 768})
    _pause(page)
    _shot(page, "07_desktop")
    assert not [text for text in console if "Content Security Policy" in text], console
    _only_the_login_refusal(page, network_log, running.url)


def _commune_diagnostics(database_url: str) -> list[tuple[str, str, list[str]]]:
    from diagnostics.models import Diagnostic

    db = open_database(database_url)
    try:
        with db.session() as session:
            rows = session.scalars(select(Diagnostic).where(Diagnostic.reference.like("terrain-%"))).all()
            return [(d.place, d.author, [o.geom_type for o in _shapes(session, d.id)]) for d in rows]
    finally:
        db.dispose()


def _shapes(session, diagnostic_id: int):
    import shapely

    from diagnostics.services._frames import geometry_as_wkb

    rows = session.execute(select(geometry_as_wkb(Observation.geom)).where(Observation.diagnostic_id == diagnostic_id))
    return [shapely.from_wkb(bytes(wkb)) for (wkb,) in rows]


def test_a_diagnostic_started_offline_with_a_drawn_line_is_stored_once(server, browser_page, network_log):
    running, database_url = server
    page = browser_page
    _log_in(page, running.url)
    page.context.set_offline(True)
    expect(page.locator("#network")).to_have_text("Hors ligne")

    page.get_by_text("Nouveau diagnostic (même hors ligne)").tap()
    _pause(page)
    form = page.locator("#diagnostic-form")
    form.get_by_label("Commune").select_option(label="Gray (70279)")
    _pause(page)
    form.get_by_label("Lieu visité").fill("Place d'Armes")
    _pause(page)
    form.get_by_role("button", name="Commencer le diagnostic").tap()
    expect(page.get_by_label("Diagnostic en cours")).to_contain_text("Place d'Armes, Gray (commencé hors ligne)")
    _pause(page)

    # A line drawn by taps (Leaflet.draw), then a point: two observations of the new diagnostic.
    page.locator(".leaflet-draw-draw-polyline").tap()
    _pause(page)
    _tap_map(page, *GRAY)
    _tap_map(page, *GRAY_SOUTH)
    page.get_by_text("Terminer", exact=True).tap()
    expect(page.locator("#position")).to_have_text("Ligne tracée (2 sommets)")
    _shot(page, "08_line_drawn")
    _describe(page, "Accès et cheminements", "2 — Modérée", "Cheminement sombre le long du quai")
    _save(page, 1)
    _tap_map(page, *GRAY)
    _describe(page, "Éclairage", "3 — Forte", "Place non éclairée")
    _save(page, 2)

    # Days later the session has ended (the cookie is gone): the page asks to log in, then sends.
    page.context.clear_cookies()
    page.context.set_offline(False)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible(timeout=TIMEOUT_MS)
    expect(page.locator("#pending")).to_have_text("2")
    page.get_by_label("Identifiant").fill("agent.gray")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").tap()
    expect(page.locator("#notice")).to_contain_text("Envoi terminé : 2 envoyée(s)", timeout=TIMEOUT_MS)
    expect(page.locator("#pending")).to_have_text("0")
    assert _commune_diagnostics(database_url) == [("Place d'Armes", "agent.gray", ["LineString", "Point"])]

    # « Se déconnecter » ends the session and leaves none of the team's data on the phone.
    page.get_by_role("button", name="Se déconnecter").tap()
    expect(page.locator("#notice")).to_contain_text("Vous êtes déconnecté.", timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#notice")).to_contain_text("ouvrez cette page une première fois avec le réseau")
    assert page.evaluate("caches.has('psq-terrain-data-v1')") is False
    page.context.set_offline(False)
    _only_the_login_refusal(page, network_log, running.url)


def test_the_basemap_tiles_of_the_team_communes_are_kept_for_offline_use(tiles_server, browser_page, network_log):
    page = browser_page
    _log_in(page, tiles_server.url)
    expect(page.locator("#tiles-info")).to_contain_text("Fond de plan gardé pour le hors ligne", timeout=60_000)
    kept = page.locator("#tiles-info").inner_text()
    page.context.set_offline(True)
    second = page.context.new_page()
    page.close()
    page = _open_offline_page(second, tiles_server.url)
    page.wait_for_function("document.querySelectorAll('#map img.leaflet-tile-loaded').length > 0", timeout=TIMEOUT_MS)
    # Under the centre of Gray lies a tile that came from the phone's cache (streets, offline).
    under_gray = page.evaluate(
        """([lat, lon]) => { const map = window.psqFieldMap; const p = map.latLngToContainerPoint([lat, lon]);
        const r = document.getElementById('map').getBoundingClientRect();
        const [x, y] = [r.left + p.x, r.top + p.y];
        return [...document.querySelectorAll('#map img.leaflet-tile-loaded')].filter((img) => {
          const b = img.getBoundingClientRect();
          return img.naturalWidth === 256 && b.left <= x && x < b.right && b.top <= y && y < b.bottom; }).length; }""",
        list(GRAY),
    )
    assert under_gray == 1, kept
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("© Tuiles de test PSQ")
    _pause(page)
    _shot(page, "09_offline_tiles")
    _only_the_login_refusal(page, network_log, tiles_server.url)
