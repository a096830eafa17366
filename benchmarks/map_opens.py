"""Many commanders opening the Carte de commandement at once: what it costs the server.

    .venv/bin/python benchmarks/map_opens.py                          # 1, 5, 10, 20 at once (SpatiaLite)
    .venv/bin/python benchmarks/map_opens.py --users 1,5 --gc on,off  # with and without the post-run GC
    .venv/bin/python benchmarks/map_opens.py --backend postgis        # one process on a throwaway PostGIS
    .venv/bin/python benchmarks/map_opens.py --processes 2            # two processes behind nginx, one PostGIS
    .venv/bin/python benchmarks/map_opens.py --client chromium        # real browsers (they share the cores)

By default each commander is a Python client speaking Streamlit's own protocol
(benchmarks/protocol_client.py: the WebSocket, the rerun, the ForwardMsgs until the script
finished, then the map route's fetches the map's script does), so that nothing but the server
burns the cores and the times are the server's. `--client chromium` opens real pages instead.

For each setting of Streamlit's `runner.postScriptGC` a fresh app server (server.py, as
`make run` starts it) serves a SpatiaLite database of `--observations` synthetic observations.
Each round opens the map in N Chromium pages at once, each signed in as a commandant of
Haute-Saône through a server-side session made beforehand (so no password hashing is
measured). Reported per round: the server's CPU seconds and resident memory growth per open,
bytes the server sent per open (WebSocket frames and HTTP bodies; the protocol client counts them
as they came over the socket, compressed where the server compresses, and shows the decoded size
apart; Chromium's mode counts them decoded; without the static files that
a browser caches: Streamlit's and the map's scripts, fonts, shown apart; the browsers have them
in their cache, fetched from the server once per run, unless `--cold`), and the time from the start
of the round to the last WebSocket message the server sent (the browsers' own drawing, on the
same cores, is not waited for). The first open of each server warms its caches and is
reported apart. With `--processes N` (PostGIS) N servers run behind nginx as the README sets it
up (tests/nginx.py); CPU and memory are summed over the N servers, and each page gets its
process from nginx's route cookie, as a browser does.

The map fetches its view from the app's route (/api/map/observations, cells at the opening
zoom): its answers count in the bytes and the time to the last message, and are also shown
apart. `--all-points` opens the map with the heat map on (`?heat=1`), which still sends every
point of the selection over the WebSocket, for comparison; with `--no-draw` the map
component's files (Leaflet, the canvas layer, under /component/) are not loaded, so that the
browsers on the same cores burn no CPU drawing (the route is then never asked: use it only
with `--all-points`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import protocol_client  # noqa: E402 (beside this file)

from diagnostics.auth import COMMANDANT, Actor, system_actor  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.demo import load_demo_accounts  # noqa: E402
from diagnostics.services import sessions  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402
from diagnostics.web.auth import COOKIE  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.nginx import nginx  # noqa: E402
from tests.servers import free_port  # noqa: E402

COMMANDANT_70 = Actor("commandant.70", COMMANDANT, departments=("70",))
QUIET_SECONDS = 3.0  # no server message for this long: the open is served
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
STATIC = re.compile(r"/static/|/component/|\.(js|css|woff2?|svg|png|ico)(\?|$)")
MAP_ROUTE = "/api/map/"  # the map's own data route (diagnostics/web/map_api.py)
POSTMASTER: list[int] = []  # the PostGIS server's pid, when the benchmark started one
BROWSER_CACHE: dict[str, dict] = {}  # per server: static files as a browser caches them
PROFILE: list[Path] = []  # where py-spy writes, for the round under way (--profile)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--users", default="1,5,10,20", help="commanders opening at once, per round")
    parser.add_argument("--gc", default="off", help="runner.postScriptGC settings to compare (on,off)")
    parser.add_argument("--watcher", default="none", help="server.fileWatcherType settings to compare (auto,none)")
    parser.add_argument(
        "--deflate", default="on", help="server.enableWebsocketCompression settings to compare (on,off)"
    )
    parser.add_argument("--backend", choices=("spatialite", "postgis"), default="spatialite")
    parser.add_argument("--processes", type=int, default=1, help="app processes (more than 1: behind nginx)")
    parser.add_argument("--client", choices=("protocol", "chromium"), default="protocol", help="who opens the map")
    parser.add_argument("--all-points", action="store_true", help="open with the heat map: every point sent")
    parser.add_argument("--no-draw", action="store_true", help="do not load the map component (browsers draw nothing)")
    parser.add_argument("--cold", action="store_true", help="browsers without the static files in their cache")
    parser.add_argument("--profile", type=Path, help="py-spy each round's servers into this folder (raw stacks)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "psq-bench")
    args = parser.parse_args()
    backend = "postgis" if args.processes > 1 else args.backend
    users = [int(value) for value in args.users.split(",")]
    with contextlib.ExitStack() as stack:
        database = _database(args.work, args.observations, backend, stack)
        print(
            f"{args.observations:,} observations ({backend}, {args.processes} process(es)"
            f"{' behind nginx' if args.processes > 1 else ''}{', all points' if args.all_points else ''}"
            f"{', browsers not drawing' if args.no_draw else ''}, {args.client} clients);"
            f" commandant (70) opening the Carte de commandement; load average {_load()}\n"
        )
        print(" | ".join(f"{title:>{width}}" for title, width, _ in COLUMNS) + " | load")
        print("-" * 150)
        settings = itertools.product(args.gc.split(","), args.watcher.split(","), args.deflate.split(","))
        for gc, watcher, deflate in settings:
            options = ["--runner.postScriptGC", str(gc == "on").lower(), "--server.fileWatcherType", watcher]
            options += ["--server.enableWebsocketCompression", str(deflate == "on").lower()]
            with _Cluster(database, options, args.work, args.processes) as (base_url, pids):
                # Warms every process's caches (nginx spreads 4 pages per process): not reported.
                _round(base_url, pids, database, 1 if args.processes == 1 else 4 * args.processes, args)
                for count in users:
                    row = _round(base_url, pids, database, count, args) | {
                        "gc": f"{gc}/{watcher}/{deflate}",
                        "count": count,
                    }
                    cells = [f"{show(row):>{width}}" for _title, width, show in COLUMNS]
                    print(" | ".join(cells) + f" | {_load()}", flush=True)
    return 0


COLUMNS = (  # title, width, cell
    ("GC/watcher/deflate", 18, lambda row: row["gc"]),
    ("at once", 7, lambda row: row["count"]),
    ("CPU/open", 8, lambda row: f"{row['cpu']:.2f}s"),
    ("RSS/open", 8, lambda row: f"{row['rss']:.1f}MB"),
    ("RSS", 7, lambda row: f"{row['total_rss']:.0f}MB"),
    ("sent/open", 9, lambda row: f"{row['bytes'] / 1e6:.3f}MB"),
    ("decoded", 7, lambda row: f"{row['decoded'] / 1e6:.3f}MB"),
    ("route", 7, lambda row: f"{row['route'] / 1e3:.0f}KB"),
    ("static", 7, lambda row: f"{row['static'] / 1e6:.2f}MB"),
    ("last message", 12, lambda row: f"{row['last']:.2f}s"),
    ("median", 6, lambda row: f"{row['median']:.2f}s"),
    ("DB CPU/open", 11, lambda row: f"{row['db_cpu']:.2f}s"),
)


def _load() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def _database(work: Path, count: int, backend: str, stack: contextlib.ExitStack) -> str:
    if backend == "postgis":
        return _postgis_database(count, stack)
    path = work / f"opens-{count}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():  # built beside, then renamed: an interrupted build is not reused
        import map_scale  # noqa: PLC0415 (beside this file)

        building = path.with_suffix(".building")
        template = map_scale._reference_database(work / "reference.sqlite")
        shutil.copyfile(template, building)
        _fill(f"sqlite:///{building}", count)
        building.rename(path)
    db = open_database(url)
    upgrade_schema(db)  # a database kept from an earlier run gets the migrations landed since
    db.dispose()
    return url


def _postgis_database(count: int, stack: contextlib.ExitStack) -> str:
    """A throwaway PostGIS cluster (as the test suite starts it) with `count` observations."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415

    from diagnostics import config  # noqa: PLC0415
    from diagnostics.services.reference import load_reference_layers  # noqa: PLC0415
    from tests.postgres_cluster import remove_cluster, start_cluster  # noqa: PLC0415

    cluster = start_cluster()
    stack.callback(remove_cluster, cluster)
    POSTMASTER.append(int((cluster.directory / "data" / "postmaster.pid").read_text().split()[0]))
    engine = create_engine(cluster.database_url("postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("CREATE DATABASE opens"))
    engine.dispose()
    url = cluster.database_url("opens")
    db = open_database(url)
    upgrade_schema(db)
    load_reference_layers(db, config.geodata_dir())
    db.dispose()
    _fill(url, count)
    return url


def _fill(url: str, count: int) -> None:
    db = open_database(url)
    load_demo_accounts(db)
    load_synthetic(db, system_actor(), count)
    db.dispose()


class _Cluster:
    """`processes` app servers; more than one behind nginx. Enters as (base URL, server pids)."""

    def __init__(self, database: str, options: list[str], work: Path, processes: int):
        self.servers = [_Server(database, options, work) for _ in range(processes)]
        self.stack = contextlib.ExitStack()

    def __enter__(self):
        urls_pids = [self.stack.enter_context(server) for server in self.servers]
        pids = [pid for _url, pid in urls_pids]
        if len(self.servers) == 1:
            return urls_pids[0][0], pids
        proxy = self.stack.enter_context(nginx([server.port for server in self.servers], self.servers[0].work))
        return proxy, pids

    def __exit__(self, *exc):
        return self.stack.__exit__(*exc)


class _Server:
    def __init__(self, database: str, options: list[str], work: Path):
        self.port, self.work = free_port(), work / f"nginx-{os.getpid()}"
        env = dict(os.environ, DATABASE_URL=database, PYTHONPATH=str(REPO))
        self.log = (work / f"server-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                str(REPO / ".venv" / "bin" / "streamlit"),
                "run",
                str(REPO / "server.py"),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                *options,
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def __enter__(self):
        import urllib.request

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_stcore/health", timeout=2):
                    break
            except OSError:
                time.sleep(0.3)
        return f"http://127.0.0.1:{self.port}", self.proc.pid

    def __exit__(self, *_exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _cpu_seconds(pid: int, children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime + stime
    if children:
        ticks += int(fields[13]) + int(fields[14])  # cutime + cstime: ended children
    return ticks / CLOCK_TICKS


def _database_cpu() -> float:
    """PostgreSQL's CPU seconds: the postmaster, its ended backends and its live ones."""
    if not POSTMASTER:
        return 0.0
    total = _cpu_seconds(POSTMASTER[0], children=True)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == POSTMASTER[0]:
                total += _cpu_seconds(int(stat.parent.name))
    return total


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _round(base_url: str, pids: list[int], database: str, count: int, args) -> dict:
    """`count` pages open the map at the same moment; measured until the server goes quiet."""
    db = open_database(database)
    tokens = [sessions.open_session(db, COMMANDANT_70, via="password").token for _ in range(count)]
    db.dispose()
    PROFILE[:] = [args.profile] if args.profile and count > 1 else []
    path = "/carte?heat=1" if args.all_points else "/carte"
    cache = None if args.cold else BROWSER_CACHE.setdefault(base_url, {})
    if args.client == "protocol":
        return asyncio.run(_protocol_opens(base_url, path, pids, tokens, cache))
    return asyncio.run(_opens(base_url + path, pids, tokens, not args.no_draw, cache))


async def _protocol_opens(base_url: str, path: str, pids: list[int], tokens: list[str], cache: dict | None) -> dict:
    """The commanders as Python clients of Streamlit's protocol: only the server works. They
    share one cache of the route's reference layers, a browser's; each starts empty with --cold."""
    async with contextlib.AsyncExitStack() as sockets:  # the tabs stay open until measured
        opens = [
            functools.partial(
                protocol_client.open_map, base_url, path, token, COOKIE, {} if cache is None else cache, sockets
            )
            for token in tokens
        ]
        return await _measured(pids, opens)


async def _opens(url: str, pids: list[int], tokens: list[str], draw: bool, cache: dict | None) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        base_url = url.split("/carte", 1)[0]
        pages = [await _signed_in_page(browser, base_url, token, draw, cache) for token in tokens]
        wait_route = draw and "heat=1" not in url
        measured = await _measured(pids, [functools.partial(_open, page, url, wait_route) for page in pages])
        await browser.close()
    return measured


async def _measured(pids: list[int], opens: list) -> dict:
    """Runs the `opens` (coroutine functions) at once; the servers' CPU and memory around them."""

    def cpu() -> float:
        return sum(_cpu_seconds(pid) for pid in pids)

    def rss() -> float:
        return sum(_rss_mb(pid) for pid in pids)

    spies = _spies(pids, len(opens))
    cpu_before, rss_before, started = cpu(), rss(), time.perf_counter()
    db_before = _database_cpu()
    results = await asyncio.gather(*(open_one() for open_one in opens))
    for spy in spies:  # py-spy writes its stacks on SIGINT
        spy.send_signal(signal.SIGINT)
        spy.wait(timeout=60)
    measured = {
        "cpu": (cpu() - cpu_before) / len(opens),
        "db_cpu": (_database_cpu() - db_before) / len(opens),
        "rss": (rss() - rss_before) / len(opens),
        "total_rss": rss(),
    }
    ends = [result["last"] - started for result in results]
    return (
        measured
        | {
            name: statistics.mean(result.get(name, result["bytes"]) for result in results)
            for name in ("bytes", "decoded", "route", "static")
        }
        | {"last": max(ends), "median": statistics.median(ends)}
    )


def _spies(pids: list[int], count: int) -> list[subprocess.Popen]:
    """py-spy (requirements-dev) sampling each server through the round, when --profile is set."""
    if not PROFILE:
        return []
    PROFILE[0].mkdir(parents=True, exist_ok=True)
    binary = shutil.which("py-spy") or str(REPO / ".venv" / "bin" / "py-spy")
    return [
        subprocess.Popen(
            [binary, "record", "--pid", str(pid), "--rate", "50", "--format", "raw"]
            + ["--output", str(PROFILE[0] / f"opens-{count}-{pid}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for pid in pids
    ]


async def _signed_in_page(browser, base_url: str, token: str, draw: bool, cache: dict | None):
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    await context.add_cookies([{"name": COOKIE, "value": token, "url": base_url}])
    if not draw:  # the map's iframe stays empty: its data still comes, nothing is drawn
        await context.route("**/component/**", lambda route: route.abort())
    if cache is not None:
        await context.route(STATIC, functools.partial(_from_cache, cache))
    return await context.new_page()


async def _from_cache(cache: dict, route) -> None:
    """A commander's browser has Streamlit's and the map's static files from earlier visits:
    each is fetched from the server once per run (the warm-up), then served from here."""
    url = route.request.url
    if url not in cache:
        response = await route.fetch()
        cache[url] = {"status": response.status, "headers": response.headers, "body": await response.body()}
    await route.fulfill(**cache[url])


async def _open(page, url: str, wait_route: bool) -> dict:
    """One commander opens the map; the server's messages and bytes are counted until it is quiet."""
    received = {"bytes": 0, "route": 0, "static": 0, "last": None}

    def on_frame(payload):
        received["bytes"] += len(payload)
        received["last"] = time.perf_counter()

    async def on_response(response):
        with contextlib.suppress(Exception):  # redirects and aborted requests have no body
            size = len(await response.body())
            if STATIC.search(response.url):  # the same files for every open: a browser caches them
                received["static"] += size
                return
            received["bytes"] += size
            if MAP_ROUTE in response.url:
                received["route"] += size
                received["last"] = time.perf_counter()

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    page.on("response", on_response)
    await page.goto(url, wait_until="commit")
    # The server is quiet while the browser loads Streamlit's scripts: wait for the map first.
    await page.wait_for_selector(MAP_IFRAME, state="attached", timeout=180_000)
    waited = time.perf_counter()
    while wait_route and not received["route"] and time.perf_counter() - waited < 120:
        await asyncio.sleep(0.25)  # the map's component loads, then asks the route for its view
    seen, quiet_since = None, time.perf_counter()
    while time.perf_counter() - quiet_since < QUIET_SECONDS:
        await asyncio.sleep(0.25)
        if received["last"] != seen:
            seen, quiet_since = received["last"], time.perf_counter()
    return received | {"last": received["last"] or time.perf_counter()}


if __name__ == "__main__":
    sys.exit(main())
