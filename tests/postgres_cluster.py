"""A throwaway PostgreSQL + PostGIS cluster on loopback, for the test suite.

Started once per test run in a temporary folder, on a free port, with trust authentication on
127.0.0.1 only; stopped at the end. As root the server runs as the `postgres` system user
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SUPERUSER = "psq"


class ClusterUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed here."""


@dataclass
class Cluster:
    directory: Path
    port: int
    bindir: Path
    run_as: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}"

    def database_url(self, name: str) -> str:
        return f"{self.url}/{name}"

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl("stop", "-m", mode, check=False)

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} -c fsync=off"
        self._pg_ctl("start", "-w", "-t", "60", "-o", options, "-l", str(self.directory / "server.log"))

    def _pg_ctl(self, *args: str, check: bool = True) -> None:
        command = [str(self.bindir / "pg_ctl"), "-D", str(self.directory / "data"), *args]
        _run(command, self.run_as, check=check)


def start_cluster() -> Cluster:
    bindir = _bindir()
    _require_postgis()
    run_as = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="psq-pg-"))
    if run_as:
        user = pwd.getpwnam(run_as)
        os.chown(directory, user.pw_uid, user.pw_gid)
    _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(directory / "data"),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        run_as,
    )
    cluster = Cluster(directory, _free_port(), bindir, run_as)
    cluster.start()
    return cluster


def remove_cluster(cluster: Cluster) -> None:
    cluster.stop("immediate")
    shutil.rmtree(cluster.directory, ignore_errors=True)


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if not candidates:
        raise ClusterUnavailable("PostgreSQL is not installed (Debian: apt-get install postgresql-15-postgis-3)")
    return Path(candidates[0]).parent


def _require_postgis() -> None:
    if not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
        raise ClusterUnavailable("PostGIS is not installed (Debian: apt-get install postgresql-15-postgis-3)")


def _run(command: list[str], run_as: str | None, check: bool = True) -> None:
    if run_as:
        command = ["runuser", "-u", run_as, "--", *command]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd="/")
    if check and result.returncode != 0:
        raise ClusterUnavailable(f"{' '.join(command)} failed: {result.stderr.strip() or result.stdout.strip()}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_accepting(cluster: Cluster, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", cluster.port)) == 0:
                return
        time.sleep(0.1)
    raise ClusterUnavailable(f"PostgreSQL did not accept connections on port {cluster.port}")
