"""Bulk load of synthetic observations (`init --demo --observations N`), against the ORM path.

    .venv/bin/python benchmarks/bulk_load.py --count 1000000                 # SpatiaLite and PostGIS
    .venv/bin/python benchmarks/bulk_load.py --count 1000000 --backend spatialite
    .venv/bin/python benchmarks/bulk_load.py --count 1000000 --compare 0 --baseline 434cec3   # vs a revision

For each backend, on fresh databases (migrated, reference layers loaded): the ORM session's path
(`load_synthetic(..., fast=False)`) and the bulk path on `--compare` observations (the ratio),
then the bulk path alone on `--count`; with `--baseline REV`, the same load by that revision's
code (extracted with `git archive`, run in a child process) right before it, on its own fresh
database (the ratio of the two in the same run, whatever the machine's load). Each line gives
the load average (1 minute) when the load began. PostGIS runs on a throwaway cluster
(tests/postgres_cluster.py). Times are wall times of `load_synthetic`, everything included
(drawing, writing, index, commit).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from diagnostics import config  # noqa: E402
from diagnostics.auth import system_actor  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.services.reference import load_reference_layers  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000, help="observations for the bulk path alone")
    parser.add_argument("--compare", type=int, default=20_000, help="observations for bulk vs ORM (0: skip)")
    parser.add_argument("--backend", choices=["spatialite", "postgis", "both"], default="both")
    parser.add_argument("--baseline", help="a git revision whose bulk load is timed beside this one")
    args = parser.parse_args()
    backends = ["spatialite", "postgis"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with _fresh_databases(backend) as fresh:
            if args.compare:
                orm = _timed(fresh(), args.compare, fast=False)
                fast = _timed(fresh(), args.compare, fast=True)
                ratio = orm / fast
                print(f"{backend}: {args.compare:,} observations: ORM {orm:.1f} s, bulk {fast:.2f} s ({ratio:.0f}x)")
            if args.count and args.baseline:
                load = os.getloadavg()[0]
                before = _timed_at(args.baseline, fresh(), args.count)
                print(f"{backend}: {args.count:,} observations, {args.baseline}: {before:.1f} s (load {load:.1f})")
            if args.count:
                load = os.getloadavg()[0]
                now = _timed(fresh(), args.count, fast=True)
                ratio = f", {before / now:.1f}x faster" if args.baseline else ""
                print(f"{backend}: {args.count:,} observations, bulk: {now:.1f} s (load {load:.1f}){ratio}")
            sys.stdout.flush()
    return 0


def _timed(url: str, count: int, *, fast: bool) -> float:
    db = open_database(url)
    try:
        started = time.perf_counter()
        load_synthetic(db, system_actor(), count, fast=fast)
        return time.perf_counter() - started
    finally:
        db.dispose()


def _timed_at(revision: str, url: str, count: int) -> float:
    """`load_synthetic` of `revision`'s code, in a child process, on `url`: its wall time."""
    with tempfile.TemporaryDirectory(prefix="psq-baseline-") as tree:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", revision, "diagnostics"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
        child = (
            "import sys, time; sys.path.insert(0, sys.argv[1])\n"
            "from diagnostics.auth import system_actor\n"
            "from diagnostics.db import open_database\n"
            "from diagnostics.synthetic import load_synthetic\n"
            "db = open_database(sys.argv[2]); started = time.perf_counter()\n"
            "load_synthetic(db, system_actor(), int(sys.argv[3]))\n"
            "print(time.perf_counter() - started)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", child, tree, url, str(count)], check=True, capture_output=True, text=True
        )
        return float(done.stdout.split()[-1])


@contextlib.contextmanager
def _fresh_databases(backend: str):
    """A function giving the URL of a new migrated database with the reference layers, each call."""
    with tempfile.TemporaryDirectory(prefix="psq-bulk-") as directory:
        if backend == "spatialite":
            template = Path(directory) / "template.sqlite"
            _prepare(f"sqlite:///{template}")

            def fresh() -> str:
                path = Path(directory) / f"{uuid.uuid4().hex[:8]}.sqlite"
                path.write_bytes(template.read_bytes())
                return f"sqlite:///{path}"

            yield fresh
            return
        sys.path.insert(0, str(REPO / "tests"))
        from postgres_cluster import remove_cluster, start_cluster

        cluster = start_cluster()
        admin = create_engine(cluster.database_url("postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE bulk_template"))
            _prepare(cluster.database_url("bulk_template"))

            def fresh() -> str:
                name = f"bulk_{uuid.uuid4().hex[:8]}"
                with admin.connect() as connection:
                    connection.execute(text(f"CREATE DATABASE {name} TEMPLATE bulk_template"))
                return cluster.database_url(name)

            yield fresh
        finally:
            admin.dispose()
            remove_cluster(cluster)


def _prepare(url: str) -> None:
    db = open_database(url)
    try:
        upgrade_schema(db)
        load_reference_layers(db, config.geodata_dir())
    finally:
        db.dispose()


if __name__ == "__main__":
    sys.exit(main())
