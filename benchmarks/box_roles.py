"""The map-points query in a box, per role, against the unindexed scan measured in the same run.

    .venv/bin/python benchmarks/box_roles.py                        # SpatiaLite, 1,000,000 observations
    .venv/bin/python benchmarks/box_roles.py --url postgresql+psycopg://…/bench   # a loaded PostGIS

Each role reads through its own scope (administrator: everything; commandant: Haute-Saône;
agent: the groupe de cohésion de Vesoul; maire: Vesoul) with the filters a commander sets
(gravité 3-4, still open). The baseline is the same query with the box tested on every row of
the scope (no spatial index). Times are the best of `--repeat` runs. The SpatiaLite file is the
one `map_scale.py` builds under /tmp/psq-bench (built here when missing); a PostGIS database
must already hold the observations (`init --demo --observations N`).

Two queries per box: the geometry meeting the box (`bbox`, through the R*Tree or the GiST: the
feed's and the table's) and the drawing point inside it as well (`point_box` too: the map's
points, read from ix_observations_points alone, services.point_boxes), each against its scan.
For the roles that read the commanders' map, a line more per role: what the map reads for the
town box (a zoom-13 view summed from the scope's precomputed grid, services.viewport, or its
points when few), against the scan of the map's points query. A maire has no such map.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from sqlalchemy import and_, func  # noqa: E402

from diagnostics.auth import ADMIN, AGENT, COMMANDANT, MAIRE, Actor, can  # noqa: E402
from diagnostics.db import Database, open_database  # noqa: E402
from diagnostics.models import SRID, Observation  # noqa: E402
from diagnostics.services import observations as observation_service  # noqa: E402
from diagnostics.services import viewport  # noqa: E402
from diagnostics.services.observations import observation_points  # noqa: E402

ROLES = {
    "admin": Actor("bench-admin", ADMIN),
    "commandant (70)": Actor("bench-commandant", COMMANDANT, departments=("70",)),
    "agent (GCPP Vesoul)": Actor("bench-agent", AGENT, team_id=1),
    "maire (Vesoul)": Actor("bench-maire", MAIRE, commune_insee="70550"),
}


def main() -> int:
    import map_scale

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a PostGIS (or SpatiaLite) URL already loaded; default: the SpatiaLite file")
    parser.add_argument("--observations", type=int, default=1_000_000, help="size of the SpatiaLite file")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "psq-bench")
    args = parser.parse_args()
    if args.url:
        db = open_database(args.url)
    else:
        args.work.mkdir(parents=True, exist_ok=True)
        template = map_scale._reference_database(args.work / "reference.sqlite")
        db = map_scale._million_database(template, args.work, args.observations)
    total = observation_service.count_observations(db, ROLES["admin"])
    backend = "SpatiaLite" if db.is_sqlite else "PostGIS"
    print(f"{backend}, {total:,} observations; best of {args.repeat} runs\n")
    print(f"{'role':22} | {'box':44} | {'points':>7} | {'indexed':>9} | {'scan':>9} | ratio")
    print("-" * 110)
    for role, actor in ROLES.items():
        for box_name, bbox in map_scale.QUERY_BOXES.items():
            criteria = dataclasses.replace(map_scale.QUERY_FILTER, bbox=bbox)
            for label, query_criteria in (
                (box_name, criteria),
                ("  drawing point in it (the map's points)", dataclasses.replace(criteria, point_box=bbox)),
            ):
                scanned = _indexed_and_scanned(db, actor, role, label, query_criteria, args.repeat)
            if box_name.startswith("town") and can(actor, "command_map"):
                _map_view(db, actor, role, criteria, scanned, args.repeat)
    db.dispose()
    return 0


def _indexed_and_scanned(db: Database, actor: Actor, role: str, label: str, criteria, repeat: int) -> float:
    """Prints the points query's time through its index and scanned; returns the scan's."""
    query = functools.partial(observation_points, db, actor, criteria)
    indexed, points = _best(query, repeat)
    with _without_spatial_index(db):
        scanned, same = _best(query, max(1, repeat // 2))
    assert len(points) == len(same), "both queries must agree"
    print(
        f"{role:22} | {label:44} | {len(points):7,} | {_ms(indexed):>9} | {_ms(scanned):>9} | {scanned / indexed:.0f}×",
        flush=True,
    )
    return scanned


def _map_view(db: Database, actor: Actor, role: str, criteria, scanned: float, repeat: int) -> None:
    """What the commanders' map reads for the town box: a zoom-13 view (the box fills a 1366-px
    map) added up from the scope's precomputed grid (services.viewport), against the same scan.
    The grid's own cost, once per scope, filters and data version, is printed beside it."""
    viewport.forget_grids()
    view = viewport.View(criteria.bbox, 13)
    filters = dataclasses.replace(criteria, bbox=None)
    started = time.perf_counter()
    data = viewport.view_data(db, actor, filters, view)
    grid = time.perf_counter() - started
    best, data = _best(functools.partial(viewport.view_data, db, actor, filters, view), repeat)
    print(
        f"{role:22} | {'  the map: town box at zoom 13, from the grid':44} | {data.total:7,} | {_ms(best):>9} | "
        f"{_ms(scanned):>9} | {scanned / best:.0f}×   (grid counted once: {_ms(grid)}; {data.mode})",
        flush=True,
    )


@contextlib.contextmanager
def _without_spatial_index(db: Database):
    saved = {name: getattr(observation_service, name) for name in ("_in_bbox", "_commune_driven", "points_in_box")}
    observation_service._in_bbox = _box_test_on_every_row
    observation_service._commune_driven = lambda _db, _scope: False  # the whole table, scanned
    observation_service.points_in_box = functools.partial(_point_test_on_every_row, db)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(observation_service, name, value)


def _point_test_on_every_row(db: Database, box, severities=()):
    """points_in_box's rows, each row tested: the gravités first, as the query tests them
    when no points index reads them (services.observations._filtered)."""
    west, south, east, north = (float(value) for value in box)
    severity, lon, lat = (
        observation_service._unindexed(db, column)
        for column in (Observation.severity, Observation.lon, Observation.lat)
    )
    grades = [severity.in_(severities)] if severities else []
    return and_(*grades, lon.between(west, east), lat.between(south, north))


def _box_test_on_every_row(db: Database, bbox):
    west, south, east, north = (float(value) for value in bbox)
    if db.is_sqlite:
        return func.MbrIntersects(Observation.geom, func.BuildMbr(west, south, east, north, SRID)) == 1
    # ST_Envelope(geom) has no index: the box is tested row by row, as MbrIntersects is above.
    envelope = func.ST_MakeEnvelope(west, south, east, north, SRID)
    return func.ST_Intersects(func.ST_Envelope(Observation.geom), envelope)


def _best(action, repeat: int):
    best, result = None, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


if __name__ == "__main__":
    sys.exit(main())
