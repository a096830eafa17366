"""Commanders' review at scale: measures the goals of issue 3 and prints one table.

    .venv/bin/python benchmarks/map_scale.py                 # 100,000 and 1,000,000 observations
    .venv/bin/python benchmarks/map_scale.py --million 200000 --no-browser   # quicker

Every baseline is measured in the same run, on the same data. Timings are the best of
`--repeat` runs: wall-clock time, and CPU time of this process (Python and SQLite, which run in
it), which a busy machine disturbs less; ratios are given for both. Peak memory is the
process's peak resident size after the step. Databases are SpatiaLite files under --work (kept for reruns:
the 1,000,000-row file is reused when it is already there).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import folium  # noqa: E402
import pandas as pd  # noqa: E402
from sqlalchemy import func  # noqa: E402

from diagnostics import assets, config, maps, taxonomy  # noqa: E402
from diagnostics.auth import system_actor  # noqa: E402
from diagnostics.db import Database, open_database, upgrade_schema  # noqa: E402
from diagnostics.models import SRID, Observation  # noqa: E402
from diagnostics.services import observations as observation_service  # noqa: E402
from diagnostics.services import reference  # noqa: E402
from diagnostics.services.analysis import mark_outside_zones  # noqa: E402
from diagnostics.services.observations import ObservationFilter, observation_points, observations_frame  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402

ACTOR = system_actor()
# Boxes a commander zooms to (Vesoul is the densest place of the synthetic data), with the
# filters a commander would set: serious and still open.
QUERY_BOXES = {
    "quartier (Le Montmarin, Vesoul, 1 × 1 km)": (6.158, 47.630, 6.171, 47.639),
    "quartier (Vesoul centre, 3 × 3 km)": (6.13, 47.615, 6.17, 47.64),
    "town (Vesoul and Pusey, 10 × 11 km)": (6.08, 47.58, 6.22, 47.68),
}
QUERY_FILTER = ObservationFilter(
    bbox=QUERY_BOXES["quartier (Vesoul centre, 3 × 3 km)"],
    severities=(3, 4),
    statuses=("nouvelle", "transmise", "en_cours"),
)

rows: list[dict] = []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", type=int, default=100_000, help="observations on the map (100000)")
    parser.add_argument("--million", type=int, default=1_000_000, help="observations for the query test")
    parser.add_argument("--markers", type=int, default=10_000, help="points of the folium.Marker baseline")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "psq-bench")
    parser.add_argument("--no-browser", action="store_true", help="skip the Chromium measurement")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    template = _reference_database(args.work / "reference.sqlite")
    db = _fresh_copy(template, args.work / f"map-{args.observations}.sqlite")
    seconds, _ = _timed(lambda: load_synthetic(db, ACTOR, args.observations))
    _row(f"load {args.observations:,} synthetic observations (SpatiaLite)", seconds, target="< 15 s")

    base = maps.prepare_base(
        reference.communes_frame(db),
        reference.sectors_frame(db),
        reference.patrol_zones_frame(db),
        reference.sites_frame(db),
    )
    zones = reference.patrol_zones_frame(db)

    def full_build(criteria=None, heat=False, highlight=False):
        points = observation_points(db, ACTOR, criteria or ObservationFilter())
        if highlight:
            points["outside"] = mark_outside_zones(points, zones)
        payload = maps.points_payload(points)
        m = maps.build_review_map(
            base,
            payload,
            bounds=maps.points_bounds(points),
            heat=maps.heat_data(points) if heat else None,
            highlight_outside=highlight,
        )
        return _html(m), len(points)

    seconds, (html, count) = _best(full_build, args.repeat)
    _row(
        f"map of {count:,} obs.: query + filters + layer data + HTML",
        seconds,
        target="≤ 0.5 s",
        note=f"{len(html) / 1e6:.1f} MB HTML; reference layers prepared once",
    )
    map_html = html
    seconds, (html, count) = _best(lambda: full_build(ObservationFilter(severities=(3, 4))), args.repeat)
    _row(f"filter change (gravité 3-4): {count:,} obs.", seconds, target="≤ 0.5 s")
    seconds, (html, count) = _best(lambda: full_build(highlight=True), args.repeat)
    _row(f"… with out-of-zone highlight ({count:,} obs.)", seconds)
    seconds, (html, count) = _best(lambda: full_build(heat=True), args.repeat)
    _row(f"… with heatmap ({count:,} obs.)", seconds, note=f"{len(html) / 1e6:.1f} MB HTML")
    seconds, _ = _best(
        lambda: maps.prepare_base(
            reference.communes_frame(db),
            reference.sectors_frame(db),
            reference.patrol_zones_frame(db),
            reference.sites_frame(db),
        ),
        args.repeat,
    )
    _row("reference layers prepared (cached by the page)", seconds)

    # Baseline: one folium.Marker per point, against our layer on the same points (no query).
    sample = observation_points(db, ACTOR).head(args.markers)
    marker_seconds, _ = _timed(lambda: _html(_markers_map(sample)))
    canvas_seconds, _ = _best(lambda: _html(maps.build_review_map(base, maps.points_payload(sample))), args.repeat)
    _row(f"{len(sample):,} points, one folium.Marker each (baseline)", marker_seconds)
    _row(
        f"{len(sample):,} points, canvas layer",
        canvas_seconds,
        baseline=marker_seconds,
        target="≥ 50× faster",
    )

    if not args.no_browser:
        seconds = _chromium_draw_time(map_html, args.work)
        _row(f"drawn in Chromium ({count:,} obs., standalone HTML)", seconds, target="≤ 2 s")
    db.dispose()

    big = _million_database(template, args.work, args.million)
    for name, bbox in QUERY_BOXES.items():
        criteria = dataclasses.replace(QUERY_FILTER, bbox=bbox)
        for label, query in (
            ("count", lambda c=criteria: observation_service.count_observations(big, ACTOR, c)),
            ("map points", lambda c=criteria: observation_points(big, ACTOR, c)),
        ):
            indexed, found = _best(query, args.repeat * 2)
            with _without_spatial_index():
                scanned, same = _best(query, max(1, args.repeat // 2))
            size = found if isinstance(found, int) else len(found)
            assert size == (same if isinstance(same, int) else len(same)), "both queries must agree"
            _row(
                f"{name} bbox + filters over {args.million:,} obs., {label} → {size:,}",
                indexed,
                baseline=scanned,
                target="≤ 50 ms, ≥ 10×",
                note="baseline: same query, MbrIntersects without the index",
            )
    seconds, frame = _best(lambda: observations_frame(big, ACTOR, QUERY_FILTER), args.repeat)
    _row(f"quartier bbox + filters, full rows with text and geometry → {len(frame):,}", seconds)
    big.dispose()
    _print_table()
    return 0


def _reference_database(path: Path) -> Path:
    if not path.exists():
        db = open_database(f"sqlite:///{path}")
        upgrade_schema(db)
        reference.load_reference_layers(db, config.geodata_dir())
        db.dispose()
    return path


def _fresh_copy(template: Path, path: Path) -> Database:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(template.read_bytes())
    return open_database(f"sqlite:///{path}")


def _million_database(template: Path, work: Path, count: int) -> Database:
    path = work / f"query-{count}.sqlite"
    if path.exists():
        db = open_database(f"sqlite:///{path}")
        if observation_service.count_observations(db, ACTOR) == count:
            upgrade_schema(db)  # a file of an earlier revision gets the indexes the queries read now
            _row(f"load {count:,} synthetic observations", None, note="reused from an earlier run")
            return db
        db.dispose()
    db = _fresh_copy(template, path)
    seconds, _ = _timed(lambda: load_synthetic(db, ACTOR, count))
    _row(f"load {count:,} synthetic observations", seconds)
    return db


@contextlib.contextmanager
def _without_spatial_index():
    original = observation_service._in_bbox
    observation_service._in_bbox = _bbox_without_index
    try:
        yield
    finally:
        observation_service._in_bbox = original


def _bbox_without_index(db: Database, bbox):
    west, south, east, north = (float(value) for value in bbox)
    return func.MbrIntersects(Observation.geom, func.BuildMbr(west, south, east, north, SRID)) == 1


def _markers_map(points: pd.DataFrame) -> folium.Map:
    m = maps.base_map()
    for point in points.itertuples():
        folium.Marker(
            [point.lat, point.lon],
            tooltip=maps.escape_text(taxonomy.category_label(point.category)),
        ).add_to(m)
    return m


def _html(m: folium.Map) -> str:
    assets.localize(m, (REPO / "static" / "vendor").as_uri())
    return m.get_root().render()


def _chromium_draw_time(html: str, work: Path) -> float | None:
    """Seconds from navigation start until the canvas layer has drawn, no network."""
    from playwright.sync_api import sync_playwright

    page_path = work / "maps.html"
    page_path.write_text(html, encoding="utf-8")
    best = None
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        try:
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route("http*://**", lambda route: route.abort())
                page.goto(page_path.as_uri(), wait_until="commit")
                page.wait_for_selector("canvas.psq-points[data-drawn]", state="attached", timeout=60_000)
                elapsed = page.evaluate("performance.now()") / 1000
                best = elapsed if best is None else min(best, elapsed)
                page.close()
        finally:
            browser.close()
    return best


class Timing(NamedTuple):
    wall: float  # seconds on the clock
    cpu: float  # seconds of CPU used by this process (Python and SQLite): less sensitive to a busy machine


def _timed(action: Callable):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return Timing(time.perf_counter() - wall, time.process_time() - cpu), result


def _best(action: Callable, repeat: int):
    """The shortest wall time and the smallest CPU time of `repeat` runs."""
    timings, result = [], None
    for _ in range(repeat):
        timing, result = _timed(action)
        timings.append(timing)
    return Timing(min(t.wall for t in timings), min(t.cpu for t in timings)), result


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _row(label: str, timing, *, baseline=None, target: str = "", note: str = ""):
    wall = timing.wall if isinstance(timing, Timing) else timing
    cpu = timing.cpu if isinstance(timing, Timing) else None
    ratio = ""
    if isinstance(timing, Timing) and isinstance(baseline, Timing) and timing.cpu and timing.wall:
        ratio = f"{baseline.wall / timing.wall:.0f}× ({baseline.cpu / timing.cpu:.0f}× CPU)"
    rows.append(
        {
            "measure": label,
            "wall": _duration(wall),
            "CPU": _duration(cpu),
            "baseline wall (CPU)": f"{_duration(baseline.wall)} ({_duration(baseline.cpu)})" if baseline else "",
            "ratio": ratio,
            "target": target,
            "peak RSS": f"{_peak_mb():.0f} MB",
            "note": note,
        }
    )
    print(f"  … {label}: {_duration(wall)} (CPU {_duration(cpu)})", file=sys.stderr, flush=True)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _print_table() -> None:
    table = pd.DataFrame(rows)
    widths = {column: max(len(column), *(len(str(value)) for value in table[column])) for column in table}
    line = " | ".join(column.ljust(widths[column]) for column in table)
    print(line)
    print("-|-".join("-" * widths[column] for column in table))
    for _, row in table.iterrows():
        print(" | ".join(str(row[column]).ljust(widths[column]) for column in table))
    print(f"\n{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f} at the end of the run.")


if __name__ == "__main__":
    sys.exit(main())
