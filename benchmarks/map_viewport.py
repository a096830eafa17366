"""The commanders' map at every zoom (issue 20), measured in Chromium beside the all-points map.

    .venv/bin/python benchmarks/map_viewport.py                           # 1,000,000 observations
    .venv/bin/python benchmarks/map_viewport.py --observations 100000     # quicker
    .venv/bin/python benchmarks/map_viewport.py --database postgresql+psycopg://…/db  # one already filled

One SpatiaLite database (`init --demo --observations N`, kept under --work for reruns) is served
by the app (server.py) twice in the same run: with PSQ_MAP_VIEW=all (every observation of the
selection sent with the page, the approach before issue 20) and with PSQ_MAP_VIEW=viewport
(each view fetched from /api/map/observations). A commandant of Haute-Saône, signed in by a
server-side session, measures in each:

- first open: from the page's address to the observations drawn, cold (the server's first
  open, once its warm-up has ended: /api/ready, in a browser that showed the sign-in page
  before, so with the app's scripts in its cache, as a commander who has just signed in), warm
  (another browser, its cache empty: the worst case) and returning (a new tab of that browser,
  its cache filled by the warm open); bytes the server sent (WebSocket frames and HTTP bodies);
- views: zooms towards Vesoul and pans (as the wheel and a drag do), each timed from the move
  to the view drawn, with the bytes sent until the server is quiet;
- a change of filter (Gravité: Critique, in the sidebar), timed to the map drawn again.

Targets (issue 20): a view within 1 s and at most 500 KB, first open within 2 s, a filter
change within 1 s. Ratios are all-points / viewport, from the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from diagnostics.auth import COMMANDANT, Actor  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.services import sessions  # noqa: E402
from diagnostics.web.auth import COOKIE  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.servers import free_port  # noqa: E402

COMMANDANT_70 = Actor("commandant.70", COMMANDANT, departments=("70",))
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
QUIET = 1.5  # seconds without a byte from the server: the step is served
# Views a commander goes through: zooms on Vesoul, then pans at the last zoom (lat, lon, zoom).
VIEWS = [
    (47.6231, 6.1558, 10),
    (47.6231, 6.1558, 12),
    (47.6231, 6.1558, 13),  # the densest views: ~61,000 then ~40,000 observations around Vesoul at 1M
    (47.6231, 6.1558, 14),
    (47.628, 6.17, 14),
    (47.62, 6.14, 15),
    (47.635, 6.16, 16),  # past the grid's zoom: the box counted in SQL (~7,000)
]
FIND = "const map = Object.values(window).find(v => v instanceof L.Map);"
LIMIT_MS = 180_000
OPENS = ("cold", "warm", "returning")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "psq-bench" / "viewport")
    parser.add_argument("--modes", default="all,viewport")
    parser.add_argument("--database", help="an existing database's URL (a PostGIS one, say) instead of building one")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    database = _existing(args.database) if args.database else _database(args.work, args.observations)
    results = {}
    for mode in args.modes.split(","):
        with _Server(database, mode, args.work) as base_url:
            results[mode] = _measure(base_url, database, mode)
        _print(mode, results[mode])
    if {"all", "viewport"} <= set(results):
        _ratios(results["all"], results["viewport"])
    return 0


def _database(work: Path, count: int) -> str:
    path = work / ("million.sqlite" if count == 1_000_000 else f"demo-{count}.sqlite")
    url = f"sqlite:///{path}"
    if not path.exists():
        env = dict(os.environ, DATABASE_URL=url)
        command = [sys.executable, "-m", "diagnostics", "init", "--demo", "--observations", str(count)]
        subprocess.run(command, cwd=REPO, env=env, check=True)
    db = open_database(url)  # a database kept from an earlier run: brought to the current schema
    upgrade_schema(db)
    db.dispose()
    return url


def _existing(url: str) -> str:
    db = open_database(url)  # brought to the current schema, as a kept one
    upgrade_schema(db)
    db.dispose()
    return url


class _Server:
    def __init__(self, database: str, mode: str, work: Path):
        self.port = free_port()
        env = dict(os.environ, DATABASE_URL=database, PYTHONPATH=str(REPO), PSQ_MAP_VIEW=mode)
        self.log = (work / f"server-{mode}.log").open("wb")
        command = [str(REPO / ".venv" / "bin" / "streamlit"), "run", str(REPO / "server.py")]
        command += ["--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true"]
        self.proc = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def __enter__(self) -> str:
        import urllib.request

        started = time.monotonic()
        for path in ("/_stcore/health", "/api/ready"):  # up, then its warm-up ended
            while time.monotonic() < started + 300:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2):
                        break
                except OSError:  # refused, or 503 while warming
                    time.sleep(0.3)
            print(f"server {path}: {time.monotonic() - started:.1f} s after its start", flush=True)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *_exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class _Traffic:
    """Bytes the server sends a page (WebSocket frames, HTTP bodies as sent), and when last."""

    def __init__(self, page):
        self.bytes, self.last = 0, time.perf_counter()
        page.on("websocket", lambda socket: socket.on("framereceived", self._frame))
        page.on("requestfinished", self._finished)

    def _frame(self, payload) -> None:
        self.bytes += len(payload)
        self.last = time.perf_counter()

    def _finished(self, request) -> None:
        try:
            self.bytes += request.sizes()["responseBodySize"]
        except Exception:  # noqa: BLE001 (a request without a body)
            return
        self.last = time.perf_counter()

    def quiet(self) -> int:
        """Wait until the server has sent nothing for QUIET seconds; the bytes so far."""
        while time.perf_counter() - self.last < QUIET:
            time.sleep(0.1)
        return self.bytes


def _measure(base_url: str, database: str, mode: str) -> dict:
    from playwright.sync_api import sync_playwright

    db = open_database(database)
    tokens = [sessions.open_session(db, COMMANDANT_70, via="password").token for _ in range(2)]
    db.dispose()
    found: dict = {"views": []}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, token in zip(OPENS, (*tokens, tokens[-1]), strict=True):
            if label != "returning":  # a browser of its own
                context = browser.new_context(viewport={"width": 1366, "height": 768})
                if label == "cold":  # it showed the sign-in page before: the app's scripts are in its cache
                    _signin_page(context, base_url)
                context.add_cookies([{"name": COOKIE, "value": token, "url": base_url}])
            else:  # a new tab of the warm open's browser, a few seconds later
                time.sleep(3)
            page = context.new_page()
            traffic = _Traffic(page)
            started = time.perf_counter()
            page.goto(f"{base_url}/carte", wait_until="commit")
            frame = _drawn_frame(page, mode)
            found[f"open_{label}"] = time.perf_counter() - started
            found[f"open_{label}_bytes"] = traffic.quiet()
            print(
                f"[{mode}] open {label}: {found[f'open_{label}']:.2f} s, {found[f'open_{label}_bytes'] / 1e6:.2f} MB",
                flush=True,
            )
            if label == "cold":
                context.close()
            elif label == "warm":
                page.close()
        for lat, lon, zoom in VIEWS:
            before = traffic.quiet()
            started = time.perf_counter()
            _move(frame, mode, lat, lon, zoom)
            seconds = time.perf_counter() - started
            found["views"].append((zoom, seconds, traffic.quiet() - before, _shown(frame, mode)))
            print(f"[{mode}] view {found['views'][-1]}", flush=True)
        found["filter"], found["filter_bytes"] = _filter_change(page, frame, mode, traffic)
        browser.close()
    return found


def _signin_page(context, base_url: str) -> None:
    """The sign-in page shown in `context` (no session yet), as a commander sees it before signing in."""
    page = context.new_page()
    page.goto(base_url)
    page.get_by_role("button", name="Se connecter").wait_for(timeout=LIMIT_MS)
    page.wait_for_timeout(1_000)
    page.close()


def _drawn_frame(page, mode: str):
    page.wait_for_selector(MAP_IFRAME, state="attached", timeout=LIMIT_MS)
    frame = page.frame_locator(MAP_IFRAME).first
    if mode == "viewport":
        frame.locator('.leaflet-container[data-psq-state="drawn"]').wait_for(timeout=LIMIT_MS)
    else:
        frame.locator("canvas.psq-points[data-drawn]").wait_for(state="attached", timeout=LIMIT_MS)
    return page.locator(MAP_IFRAME).first.element_handle().content_frame()


def _move(frame, mode: str, lat: float, lon: float, zoom: int) -> None:
    """Move the map as the wheel or a drag does; return once the new view is drawn."""
    if mode == "viewport":
        asked = int(frame.evaluate("() => document.querySelector('.leaflet-container').dataset.psqRequests || 0"))
        frame.evaluate(f"([a, b, z]) => {{ {FIND} map.setView([a, b], z, {{animate: false}}); }}", [lat, lon, zoom])
        frame.wait_for_function(
            "(asked) => { const c = document.querySelector('.leaflet-container');"
            " return c.dataset.psqState === 'drawn' && Number(c.dataset.psqRequests) > asked; }",
            arg=asked,
            timeout=LIMIT_MS,
            polling=20,
        )
        return
    # All points are in the page: the canvas redraws at once (streamlit-folium then reports the view).
    frame.evaluate(
        f"([a, b, z]) => {{ {FIND} const p = Object.values(map._layers).find(l => l instanceof L.PsqPoints);"
        " const t = p._drawnAt; map.setView([a, b], z, {animate: false});"
        " return new Promise(r => { const w = () => p._drawnAt !== t ? r() : requestAnimationFrame(w); w(); }); }",
        [lat, lon, zoom],
    )


def _shown(frame, mode: str) -> str:
    if mode == "viewport":
        box = frame.evaluate("() => Object.assign({}, document.querySelector('.leaflet-container').dataset)")
        return f"{box.get('psqMode')} {box.get('psqTotal')}"
    return frame.evaluate("() => document.querySelector('canvas.psq-points').dataset.drawn") + " points"


def _filter_change(page, frame, mode: str, traffic: _Traffic) -> tuple[float, int]:
    option = page.get_by_role("option", name="Critique")
    for _attempt in range(20):  # the page may still be running the map's last report of its view
        page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=LIMIT_MS)
        page.get_by_label("Gravité").first.click()
        try:
            option.wait_for(timeout=3_000)
            break
        except Exception:  # noqa: BLE001 (the list did not open: the page was redrawn under the click)
            page.keyboard.press("Escape")
            page.wait_for_timeout(2_000)
    before = traffic.quiet()
    if mode == "viewport":
        asked = int(frame.evaluate("() => document.querySelector('.leaflet-container').dataset.psqRequests || 0"))
        started = time.perf_counter()
        option.click()
        frame.wait_for_function(
            "(asked) => { const c = document.querySelector('.leaflet-container');"
            " return c.dataset.psqState === 'drawn' && Number(c.dataset.psqRequests) > asked; }",
            arg=asked,
            timeout=LIMIT_MS,
            polling=20,
        )
    else:
        caption = "() => (Array.from(document.querySelectorAll('p')).map(p => p.textContent)"
        caption += ".find(t => t.includes('retenue(s)')) || '').split(' ')[0]"
        shown = page.evaluate(caption)
        started = time.perf_counter()
        option.click()
        # The caption gives the new count first; then the map's frame is rebuilt with those points.
        page.wait_for_function(
            "(shown) => { const f = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]');"
            " const c = f && f.contentDocument && f.contentDocument.querySelector('canvas.psq-points');"
            " const now = (Array.from(document.querySelectorAll('p')).map(p => p.textContent)"
            "   .find(t => t.includes('retenue(s)')) || '').split(' ')[0];"
            " return now !== shown && c && c.dataset.drawn === now; }",
            arg=shown,
            timeout=LIMIT_MS,
            polling=50,
        )
    seconds = time.perf_counter() - started
    return seconds, traffic.quiet() - before


def _print(mode: str, found: dict) -> None:
    print(f"\n== PSQ_MAP_VIEW={mode}")
    print(f"first open, cold: {found['open_cold']:.2f} s, {found['open_cold_bytes'] / 1e6:.2f} MB")
    for label in OPENS[1:]:
        print(f"first open, {label}: {found[f'open_{label}']:.2f} s, {found[f'open_{label}_bytes'] / 1e6:.2f} MB")
    for zoom, seconds, sent, shown in found["views"]:
        print(f"view at zoom {zoom:2}: {seconds:.2f} s, {sent / 1e3:8.1f} KB  ({shown})")
    seconds, sizes = [v[1] for v in found["views"]], [v[2] for v in found["views"]]
    print(
        f"views: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s; "
        f"median {statistics.median(sizes) / 1e3:.1f} KB, max {max(sizes) / 1e3:.1f} KB; load average {_load()}"
    )
    print(f"filter change (Critique): {found['filter']:.2f} s, {found['filter_bytes'] / 1e3:.1f} KB", flush=True)


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _ratios(before: dict, after: dict) -> None:
    print("\n== ratios all-points / viewport (same run)")
    for key in (*(f"open_{label}" for label in OPENS), "filter"):
        time_ratio, bytes_ratio = before[key] / after[key], before[key + "_bytes"] / max(after[key + "_bytes"], 1)
        print(f"{key:10}: time {time_ratio:6.1f}x, bytes {bytes_ratio:6.1f}x")
    times = [statistics.median(v[1] for v in found["views"]) for found in (before, after)]
    sizes = [statistics.median(v[2] for v in found["views"]) for found in (before, after)]
    print(
        f"views     : median time {times[0]:.2f} s vs {times[1]:.2f} s, median bytes {sizes[0] / 1e3:.0f} KB vs "
        f"{sizes[1] / 1e3:.0f} KB ({sizes[0] / max(sizes[1], 1):.1f}x)"
    )


if __name__ == "__main__":
    sys.exit(main())
