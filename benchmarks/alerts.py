"""Benchmark: targeting an alert — 10,000 subscribers, a drawn zone × 3 trades, on SpatiaLite and PostGIS.

    .venv/bin/python benchmarks/alerts.py [--subscribers 10000] [--backends spatialite,postgis]

Builds a throw-away database per backend (schema, reference layers, N subscribers each with the
outline of a random commune of 70 or 39 as their area and a random trade), then counts, in the
same run, the recipients of a zone drawn around Vesoul (about 12 × 9 km) for 3 trades:

- the service's query (`alerts.count_recipients`): the spatial index gives the candidates by
  bounding box, the exact test keeps those whose area meets the zone. Goal: ≤ 1 s;
- the baseline: the same exact test on every row, no index (`indexed=False`: SpatiaLite without
  its SpatialIndex, PostGIS `_ST_Intersects`).

Each is the best of 5 runs; both must give the same count. The ratio is baseline / indexed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import shapely  # noqa: E402
from geoalchemy2.shape import from_shape, to_shape  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from diagnostics import config  # noqa: E402
from diagnostics.alert_models import Subscriber, TradeCategory  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.models import SRID, Commune  # noqa: E402
from diagnostics.services.alerts import count_recipients  # noqa: E402
from diagnostics.services.reference import load_reference_layers  # noqa: E402

GOAL_SECONDS = 1.0
ZONE = shapely.box(6.08, 47.58, 6.24, 47.66)  # drawn around Vesoul
TRADES = ("bijouterie", "pharmacie", "tabac_presse")


def fill(db, count: int) -> None:
    rng = random.Random(16)
    with db.session() as session:
        communes = [
            (insee, to_shape(geom))
            for insee, geom in session.execute(select(Commune.insee, Commune.geom).order_by(Commune.insee))
        ]
        trades = list(session.scalars(select(TradeCategory.code).order_by(TradeCategory.code)))
        rows = []
        for number in range(count):
            insee, shape = rng.choice(communes)
            rows.append(
                {
                    "name": f"Abonné {number}",
                    "phone": f"+336{number:08d}",
                    "email": "",
                    "category": rng.choice(trades),
                    "convention": "CCI",
                    "consent_on": dt.date(2026, 6, 1),
                    "opted_out_by": "",
                    "communes": insee,
                    "geom": from_shape(shape, srid=SRID),
                }
            )
        session.execute(insert(Subscriber), rows)


def best_of(db, runs: int, *, indexed: bool) -> tuple[float, int]:
    best, found = float("inf"), -1
    for _ in range(runs):
        with db.session() as session:
            start = time.perf_counter()
            found = count_recipients(session, shapely.MultiPolygon([ZONE]), TRADES, indexed=indexed)
            best = min(best, time.perf_counter() - start)
    return best, found


def measure(name: str, url: str, count: int) -> dict:
    db = open_database(url)
    try:
        upgrade_schema(db)
        load_reference_layers(db, config.geodata_dir())
        fill(db, count)
        indexed, hits = best_of(db, 5, indexed=True)
        baseline, baseline_hits = best_of(db, 5, indexed=False)
    finally:
        db.dispose()
    assert hits == baseline_hits, (hits, baseline_hits)
    return {"backend": name, "indexed": indexed, "baseline": baseline, "recipients": hits}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--backends", default="spatialite,postgis")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            if backend == "spatialite":
                results.append(measure(backend, f"sqlite:///{Path(tmp) / 'bench.sqlite'}", args.subscribers))
            else:
                from tests.postgres_cluster import remove_cluster, start_cluster

                cluster = start_cluster()
                try:
                    name = f"bench_{uuid.uuid4().hex[:8]}"
                    admin = create_engine(cluster.database_url("postgres"), isolation_level="AUTOCOMMIT")
                    with admin.connect() as connection:
                        connection.execute(text(f"CREATE DATABASE {name}"))
                    admin.dispose()
                    results.append(measure(backend, cluster.database_url(name), args.subscribers))
                finally:
                    remove_cluster(cluster)
    print(f"{args.subscribers} subscribers, a drawn zone around Vesoul × {len(TRADES)} trades (best of 5):")
    ok = True
    for r in results:
        ratio = r["baseline"] / r["indexed"] if r["indexed"] else float("inf")
        verdict = "ok" if r["indexed"] <= GOAL_SECONDS else "TOO SLOW"
        ok &= r["indexed"] <= GOAL_SECONDS
        print(
            f"  {r['backend']:<10} indexed {r['indexed'] * 1000:7.1f} ms   baseline (no index) "
            f"{r['baseline'] * 1000:7.1f} ms   ratio {ratio:5.1f}×   {r['recipients']} recipients   {verdict}"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
