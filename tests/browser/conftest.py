"""Browser tests: a real Streamlit server on loopback, driven by Debian's Chromium.

Every request the browser makes is recorded; anything that is not for 127.0.0.1/localhost
is aborted and fails the test, because police intranets have no internet.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from tests.servers import free_port as free_port_now
from tests.servers import missing, wait_healthy

if TYPE_CHECKING:
    from diagnostics.db import Database

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return free_port_now()


def _streamlit_command() -> list[str]:
    venv_streamlit = REPO / ".venv" / "bin" / "streamlit"
    if venv_streamlit.exists():
        return [str(venv_streamlit)]
    return [sys.executable, "-m", "streamlit"]


def _stage_app(app_path: Path, workdir: Path) -> Path:
    """Copy the app next to a link to the repo's static/.

    Streamlit serves the `static` folder that sits beside the main script, not the one in
    the working directory; the real app's main script lives at the repo root, beside it.
    """
    if (app_path.parent / "static").exists():
        return app_path  # already beside static/, like streamlit_app.py: its page paths stay valid
    staged = workdir / app_path.name
    shutil.copy2(app_path, staged)
    (workdir / "static").symlink_to(REPO / "static", target_is_directory=True)
    return staged


@contextlib.contextmanager
def _servers(first_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """start(app_path, env=None) starts the app and returns its base URL; all stop on exit.

    Run from the repo root so that .streamlit/config.toml applies; the repo is on
    PYTHONPATH so the app can import `diagnostics`.
    """
    started: list[subprocess.Popen] = []
    by_url: dict[str, subprocess.Popen] = {}

    def start(app_path: str | Path, env: dict[str, str] | None = None) -> str:
        port = first_port if not started else free_port_now()
        workdir = tmp_path_factory.mktemp("streamlit_app")
        staged = _stage_app(Path(app_path).resolve(), workdir)
        full_env = dict(os.environ)
        full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full_env.get("PYTHONPATH")]))
        full_env.update(env or {})
        log = workdir / "streamlit.log"
        cmd = [
            *_streamlit_command(),
            "run",
            str(staged),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
        ]
        with log.open("wb") as out:
            proc = subprocess.Popen(
                cmd, cwd=REPO, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append(proc)
        base_url = f"http://127.0.0.1:{port}"
        by_url[base_url] = proc
        wait_healthy(f"{base_url}/_stcore/health", proc, log)
        return base_url

    start.process = by_url.get  # the process serving a base URL (a test may kill it)
    try:
        yield start
    finally:
        for proc in started:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def streamlit_server(free_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., str]]:
    """Factory: streamlit_server(app_path, env=None) starts the app and returns its base URL.
    Servers are stopped at teardown."""
    with _servers(free_port, tmp_path_factory) as start:
        yield start


@dataclass
class NetworkLog:
    """What the browser asked for during a test."""

    requests: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)  # aborted: not for loopback
    errors: list[str] = field(default_factory=list)  # loopback answers with status >= 400

    def problems(self) -> list[str]:
        return [f"left loopback: {url}" for url in self.offsite] + self.errors


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        return True  # data:, blob:, about:srcdoc never reach the network
    return (parts.hostname or "") in LOOPBACK_HOSTS


@pytest.fixture
def network_log() -> NetworkLog:
    return NetworkLog()


PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


def require_chromium() -> None:
    """Debian's Chromium must be there: a failure in CI (CI=true), a skip on a developer's machine."""
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} not found: install Debian's chromium package")


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a module's tests, each of which opens its own contexts (fresh profiles)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(request, tmp_path_factory: pytest.TempPathFactory, network_log: NetworkLog):
    """A Playwright page in Debian's Chromium, with a fresh profile and no way off loopback.

    Tests marked `@pytest.mark.phone` get a touch phone: 390×844, touch events, mobile viewport.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    def route(route_, request) -> None:
        if _is_loopback(request.url):
            route_.continue_()
        else:
            network_log.offsite.append(request.url)
            route_.abort("blockedbyclient")

    def on_response(response) -> None:
        # No allowance for Streamlit's look for itself under a page's path (/carte/_stcore/health, a 404):
        # web.boot_hints tells it where its server is, so that request is an error now.
        if response.status >= 400 and _is_loopback(response.url):
            network_log.errors.append(f"HTTP {response.status}: {response.url}")

    def on_websocket(ws) -> None:
        network_log.requests.append(ws.url)
        if not _is_loopback(ws.url):
            network_log.offsite.append(ws.url)

    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            **(PHONE if request.node.get_closest_marker("phone") else {"viewport": {"width": 1200, "height": 900}}),
        )
        context.route("**/*", route)
        context.on("request", lambda request: network_log.requests.append(request.url))
        context.on("response", on_response)
        page = context.pages[0] if context.pages else context.new_page()
        page.on("websocket", on_websocket)
        try:
            yield page
        finally:
            context.close()
    if network_log.problems():
        pytest.fail("browser network problems:\n" + "\n".join(network_log.problems()))


_DEMO_TEMPLATE: dict[str, Path] = {}


def init_demo(database_url: str, timeout: int = 300) -> None:
    """`python -m diagnostics init --demo` on a database (what `make init` does)."""
    subprocess.run(
        [sys.executable, "-m", "diagnostics", "init", "--demo"],
        cwd=REPO,
        check=True,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        timeout=timeout,
    )


def _demo_template() -> Path:
    """One `init --demo` SpatiaLite file per test process, built on first use.

    Building it takes seconds (schema, 1,028 communes, argon2 hashes of the demo accounts);
    each server then gets its own byte copy, so tests still never share rows.
    """
    if "path" not in _DEMO_TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="psq-demo-template-"))
        atexit.register(shutil.rmtree, folder, True)
        init_demo(f"sqlite:///{folder / 'demo.sqlite'}")
        _DEMO_TEMPLATE["path"] = folder / "demo.sqlite"
    return _DEMO_TEMPLATE["path"]


def demo_database_file(target: Path) -> str:
    """A fresh demo database at `target` (a copy of the process's template); its URL."""
    shutil.copyfile(_demo_template(), target)
    return f"sqlite:///{target}"


def _demo_database(path: Path) -> str:
    return demo_database_file(path / "demo.sqlite")


@pytest.fixture
def demo_app(streamlit_server, tmp_path) -> str:
    """The real app on a fresh demo database (SpatiaLite), with its demo accounts."""
    url = _demo_database(tmp_path)
    return streamlit_server(REPO / "server.py", env={"DATABASE_URL": url})


@dataclass(frozen=True)
class DemoServer:
    url: str  # the app's base URL
    database_url: str  # its demo database, for the test to read or change as another user would


@contextlib.contextmanager
def demo_server(
    tmp_path_factory: pytest.TempPathFactory,
    env: dict[str, str] | None = None,
    prepare: Callable[[Database], None] | None = None,
) -> Iterator[DemoServer]:
    """The real app on a fresh demo database, with extra settings `env`, stopped on exit;
    `prepare(db)` changes the database (more observations, a renamed zone…) before it starts."""
    database_url = _demo_database(tmp_path_factory.mktemp("demo"))
    if prepare is not None:
        from diagnostics.db import open_database

        db = open_database(database_url)
        try:
            prepare(db)
        finally:
            db.dispose()
    with _servers(free_port_now(), tmp_path_factory) as start:
        yield DemoServer(start(REPO / "server.py", env={"DATABASE_URL": database_url, **(env or {})}), database_url)


@pytest.fixture(scope="module")
def module_demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """One real app on one demo database for every test of a module (tests share its data)."""
    with demo_server(tmp_path_factory) as server:
        yield server
