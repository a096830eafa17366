"""Many commanders opening the Carte de commandement at once: what it costs the server.

    .venv/bin/python benchmarks/map_opens.py                          # 1, 5, 10, 20 at once, GC on and off
    .venv/bin/python benchmarks/map_opens.py --users 1,5 --gc off     # quicker

For each setting of Streamlit's `runner.postScriptGC` a fresh app server (server.py, as
`make run` starts it) serves a SpatiaLite database of `--observations` synthetic observations.
Each round opens the map in N Chromium pages at once, each signed in as a commandant of
Haute-Saône through a server-side session made beforehand (so no password hashing is
measured). Reported per round: the server's CPU seconds and resident memory growth per open,
bytes the server sent per open (WebSocket frames and HTTP bodies), and the time from the start
of the round to the last WebSocket message the server sent (the browsers' own drawing, on the
same cores, is not waited for). The first open of each server warms its caches and is
reported apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from diagnostics.auth import COMMANDANT, Actor, system_actor  # noqa: E402
from diagnostics.db import open_database  # noqa: E402
from diagnostics.demo import load_demo_accounts  # noqa: E402
from diagnostics.services import sessions  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402
from diagnostics.web.auth import COOKIE  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.servers import free_port  # noqa: E402

COMMANDANT_70 = Actor("commandant.70", COMMANDANT, departments=("70",))
QUIET_SECONDS = 3.0  # no server message for this long: the open is served
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--users", default="1,5,10,20", help="commanders opening at once, per round")
    parser.add_argument("--gc", default="on,off", help="runner.postScriptGC settings to compare")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "psq-bench")
    args = parser.parse_args()
    database = _database(args.work, args.observations)
    users = [int(value) for value in args.users.split(",")]
    print(f"{args.observations:,} observations (SpatiaLite); commandant (70) opening the Carte de commandement\n")
    print(
        f"{'postScriptGC':12} | {'at once':>7} | {'CPU/open':>8} | {'RSS/open':>8} | {'RSS':>7} | "
        f"{'sent/open':>9} | {'last message':>12} | median"
    )
    print("-" * 100)
    for gc in args.gc.split(","):
        with _Server(database, gc == "on", args.work) as (base_url, pid):
            _round(base_url, pid, database, 1)  # warms the caches: not reported
            for count in users:
                row = _round(base_url, pid, database, count)
                print(
                    f"{gc:12} | {count:7} | {row['cpu']:7.2f}s | {row['rss']:6.0f}MB | {row['total_rss']:5.0f}MB | "
                    f"{row['bytes'] / 1e6:7.2f}MB | {row['last']:11.2f}s | {row['median']:.2f}s",
                    flush=True,
                )
    return 0


def _database(work: Path, count: int) -> str:
    path = work / f"opens-{count}.sqlite"
    url = f"sqlite:///{path}"
    if not path.exists():
        import map_scale  # noqa: PLC0415 (beside this file)

        template = map_scale._reference_database(work / "reference.sqlite")
        shutil.copyfile(template, path)
        db = open_database(url)
        load_demo_accounts(db)
        load_synthetic(db, system_actor(), count)
        db.dispose()
    return url


class _Server:
    def __init__(self, database: str, gc: bool, work: Path):
        self.port = free_port()
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
                "--runner.postScriptGC",
                "true" if gc else "false",
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


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _round(base_url: str, pid: int, database: str, count: int) -> dict:
    """`count` pages open the map at the same moment; measured until the server goes quiet."""
    db = open_database(database)
    tokens = [sessions.open_session(db, COMMANDANT_70, via="password").token for _ in range(count)]
    db.dispose()
    return asyncio.run(_opens(base_url, pid, tokens))


async def _opens(base_url: str, pid: int, tokens: list[str]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        pages = [await _signed_in_page(browser, base_url, token) for token in tokens]
        cpu, rss, started = _cpu_seconds(pid), _rss_mb(pid), time.perf_counter()
        results = await asyncio.gather(*(_open(page, base_url) for page in pages))
        measured = {
            "cpu": (_cpu_seconds(pid) - cpu) / len(tokens),
            "rss": (_rss_mb(pid) - rss) / len(tokens),
            "total_rss": _rss_mb(pid),
        }
        await browser.close()
    ends = [result["last"] - started for result in results]
    return measured | {
        "bytes": statistics.mean(result["bytes"] for result in results),
        "last": max(ends),
        "median": statistics.median(ends),
    }


async def _signed_in_page(browser, base_url: str, token: str):
    context = await browser.new_context(viewport={"width": 1366, "height": 768})
    await context.add_cookies([{"name": COOKIE, "value": token, "url": base_url}])
    return await context.new_page()


async def _open(page, base_url: str) -> dict:
    """One commander opens the map; the server's messages and bytes are counted until it is quiet."""
    received = {"bytes": 0, "last": None}

    def on_frame(payload):
        received["bytes"] += len(payload)
        received["last"] = time.perf_counter()

    async def on_response(response):
        with contextlib.suppress(Exception):  # redirects and aborted requests have no body
            received["bytes"] += len(await response.body())

    page.on("websocket", lambda socket: socket.on("framereceived", on_frame))
    page.on("response", on_response)
    await page.goto(f"{base_url}/carte", wait_until="commit")
    # The server is quiet while the browser loads Streamlit's scripts: wait for the map first.
    await page.wait_for_selector(MAP_IFRAME, state="attached", timeout=180_000)
    seen, quiet_since = None, time.perf_counter()
    while time.perf_counter() - quiet_since < QUIET_SECONDS:
        await asyncio.sleep(0.25)
        if received["last"] != seen:
            seen, quiet_since = received["last"], time.perf_counter()
    return {"bytes": received["bytes"], "last": received["last"] or time.perf_counter()}


if __name__ == "__main__":
    sys.exit(main())
