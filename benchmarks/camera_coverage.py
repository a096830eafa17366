"""Observations outside every camera's field of view (issue 17), against a plain read of the same rows.

    .venv/bin/python benchmarks/camera_coverage.py --count 100000            # SpatiaLite and PostGIS
    .venv/bin/python benchmarks/camera_coverage.py --count 100000 --backend spatialite

For each backend, on a fresh database (migrated, reference layers, the demo cellules' partners and
the twelve demo cameras of Dole, `--count` synthetic observations of the 70 and the 39 plus
`--dole` observations scattered over Dole's centre): the time of
`services.cameras.uncovered_observations` over every commune of the Jura for the whole period,
and the time of the same select without the coverage condition (the baseline, same run), and
their ratio. Best of `--repeat` runs each; the load average (1 minute) is printed beside them.
PostGIS runs on a throwaway cluster (tests/postgres_cluster.py).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sqlalchemy import create_engine, select, text  # noqa: E402

from diagnostics import config  # noqa: E402
from diagnostics.auth import system_actor  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.demo_cameras import load_demo_cameras  # noqa: E402
from diagnostics.demo_cellules import load_demo_cellules  # noqa: E402
from diagnostics.models import Commune, Observation  # noqa: E402
from diagnostics.services import cameras, fieldwork  # noqa: E402
from diagnostics.services.reference import list_teams, load_reference_layers  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402

START, END = dt.date(2000, 1, 1), dt.date(2100, 1, 1)


def main() -> int:
    args = arguments(__doc__, count=100_000, dole_help="observations in Dole's centre, some in view")
    return run_on_backends(args, _measure)


def arguments(doc: str, *, count: int, dole_help: str) -> argparse.Namespace:
    """The options this benchmark shares with meeting_pack_map.py."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--count", type=int, default=count, help="synthetic observations (70 and 39)")
    parser.add_argument("--dole", type=int, default=200, help=dole_help)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["spatialite", "postgis", "both"], default="both")
    return parser.parse_args()


def run_on_backends(args: argparse.Namespace, measure) -> int:
    """Fill a throwaway database per backend asked for, then `measure(db, backend, repeat)` on it."""
    for backend in ["spatialite", "postgis"] if args.backend == "both" else [args.backend]:
        with _database(backend) as url:
            db = open_database(url)
            try:
                _fill(db, args.count, args.dole)
                measure(db, backend, args.repeat)
            finally:
                db.dispose()
    return 0


def _fill(db, count: int, dole: int) -> None:
    actor = system_actor()
    load_reference_layers(db, config.geodata_dir())
    load_demo_cellules(db, actor)
    load_demo_cameras(db, actor)
    load_synthetic(db, actor, count)
    team = next(t.id for t in list_teams(db) if t.name == "Commissariat de Lons-le-Saunier")
    diagnostic = fieldwork.start_diagnostic(
        db,
        actor,
        fieldwork.DiagnosticDraft(
            team_id=team, commune_insee="39198", place="Centre", visited_on=dt.date(2026, 11, 20)
        ),
    )
    rng = np.random.default_rng(17)
    for lat, lon in zip(rng.uniform(47.0885, 47.0970, dole), rng.uniform(5.4880, 5.4995, dole), strict=True):
        draft = fieldwork.ObservationDraft(
            category="videoprotection", severity=2, description="Angle mort", latitude=lat, longitude=lon
        )
        fieldwork.record_observation(db, actor, diagnostic, draft)


def _measure(db, backend: str, repeat: int) -> None:
    with db.session() as session:
        communes = tuple(session.scalars(select(Commune.insee).where(Commune.department == "39")))
        plain = select(Observation.id).where(
            Observation.commune_insee.in_(communes), Observation.observed_on >= START, Observation.observed_on < END
        )
        baseline, rows = _best(repeat, lambda: session.execute(plain).all())
        coverage, outside = _best(repeat, lambda: cameras.uncovered_observations(session, communes, START, END))
    load = os.getloadavg()[0]
    print(
        f"{backend}: {len(rows)} observations of the Jura, {len(outside)} outside every camera; "
        f"coverage query {coverage:.3f} s, plain read {baseline:.3f} s, ratio {coverage / baseline:.1f} "
        f"(load average {load:.1f})"
    )


def _best(repeat: int, run):
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


@contextlib.contextmanager
def _database(backend: str):
    with tempfile.TemporaryDirectory(prefix="psq-coverage-") as directory:
        if backend == "spatialite":
            url = f"sqlite:///{Path(directory) / 'coverage.sqlite'}"
            upgrade_schema(open_database(url))
            yield url
            return
        sys.path.insert(0, str(REPO / "tests"))
        from postgres_cluster import remove_cluster, start_cluster

        cluster = start_cluster()
        admin = create_engine(cluster.database_url("postgres"), isolation_level="AUTOCOMMIT")
        name = f"coverage_{uuid.uuid4().hex[:8]}"
        try:
            with admin.connect() as connection:
                connection.execute(text(f"CREATE DATABASE {name}"))
            url = cluster.database_url(name)
            upgrade_schema(open_database(url))
            yield url
        finally:
            admin.dispose()
            remove_cluster(cluster)


if __name__ == "__main__":
    raise SystemExit(main())
