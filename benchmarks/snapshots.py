"""Benchmark: mayors' snapshots of every commune of Haute-Saône as PDF (goal: at most 90 s).

    .venv/bin/python benchmarks/snapshots.py [--observations 10000] [--jobs 2] [--jobs 1] [--keep DIR]

Builds a throw-away SpatiaLite database (reference layers, demo data and deterministic synthetic
observations from `diagnostics.synthetic`, spread over 70 and 39 by population), then measures in
the same run:

- the baseline: a bare PNG of a commune (no observation) rendered in this process, on a sample;
- the batch: `export_department(..., "70", "pdf")`, data read once, rendered by worker processes.

It prints a table: total seconds, per-commune median, peak memory (this process and its workers,
from resource.getrusage), and the batch's time as a ratio of 536 bare renders on one core.
Timings on a shared machine move from run to run; the ratio moves less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from diagnostics import config  # noqa: E402
from diagnostics.auth import system_actor  # noqa: E402
from diagnostics.db import open_database, upgrade_schema  # noqa: E402
from diagnostics.demo import load_demo  # noqa: E402
from diagnostics.services.exports import snapshot_layers  # noqa: E402
from diagnostics.services.reference import load_reference_layers  # noqa: E402
from diagnostics.services.snapshot_batch import department_communes, export_department  # noqa: E402
from diagnostics.snapshots import SnapshotLayers, render_commune_png  # noqa: E402
from diagnostics.synthetic import load_synthetic  # noqa: E402

DEPARTMENT = "70"
GOAL_SECONDS = 90.0
BASELINE_SAMPLE = 40
ISSUED = dt.date(2026, 9, 23)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--observations", type=int, default=10_000, help="synthetic observations (70 and 39)")
    parser.add_argument("--jobs", type=int, action="append", help="worker processes; repeat to compare")
    parser.add_argument("--keep", type=Path, help="keep the PDFs of the last run in this folder")
    args = parser.parse_args()
    jobs_list = args.jobs or [2]

    workdir = Path(tempfile.mkdtemp(prefix="psq-bench-snapshots-"))
    try:
        db = _demo_database(workdir / "bench.sqlite", args.observations)
        actor = system_actor()
        targets = department_communes(db, actor, DEPARTMENT)
        print(
            f"database: {len(targets)} communes in {DEPARTMENT}, "
            f"{args.observations} synthetic observations in 70 and 39 plus the demo"
        )
        baseline = _baseline(db, actor, targets)
        rows = [("baseline: bare PNG, 1 commune, this process", baseline, baseline, None, _peak_mib())]
        for jobs in jobs_list:
            out_dir = workdir / f"pdf-{jobs}"
            report = export_department(db, actor, DEPARTMENT, "pdf", out_dir, issued_on=ISSUED, jobs=jobs)
            if report.failed:
                print(f"{len(report.failed)} communes failed, e.g. {report.failed[0]}", file=sys.stderr)
                return 1
            written = len(list(out_dir.glob("*.pdf")))
            ratio = report.seconds / (len(report.results) * baseline)
            label = f"batch: {written} PDF, {jobs} worker{'s' if jobs > 1 else ''}"
            rows.append((label, report.seconds, report.median_seconds(), ratio, _peak_mib()))
            if args.keep:
                shutil.rmtree(args.keep, ignore_errors=True)
                shutil.copytree(out_dir, args.keep)
        db.dispose()
        _print_table(rows)
        best = min(row[1] for row in rows[1:])
        verdict = "met" if best <= GOAL_SECONDS else "NOT met"
        print(f"goal: {len(targets)} communes as PDF in at most {GOAL_SECONDS:.0f} s: {verdict} ({best:.1f} s)")
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _demo_database(path: Path, observations: int):
    started = time.perf_counter()
    db = open_database(f"sqlite:///{path}")
    upgrade_schema(db)
    load_reference_layers(db, config.geodata_dir())
    load_demo(db)
    load_synthetic(db, system_actor(), observations)
    print(f"set-up: demo database built in {time.perf_counter() - started:.1f} s")
    return db


def _baseline(db, actor, targets) -> float:
    """Median time of a bare PNG (commune, neighbours, reference layers, no observation)."""
    codes = [insee for insee, _ in targets]
    step = max(1, len(codes) // BASELINE_SAMPLE)
    times = []
    for insee in codes[::step][:BASELINE_SAMPLE]:
        layers = snapshot_layers(db, actor, insee)
        bare = SnapshotLayers(
            layers.commune,
            layers.neighbours,
            layers.observations.iloc[0:0],
            layers.sectors,
            layers.patrol_zones,
            layers.sites,
        )
        started = time.perf_counter()
        render_commune_png(bare, issued_on=ISSUED)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024  # kilobytes on Linux


def _print_table(rows) -> None:
    header = ("measure", "total s", "median s/commune", "× 536 bare PNG", "peak MiB")
    lines = [header]
    for label, total, median, ratio, peak in rows:
        lines.append((label, f"{total:.2f}", f"{median:.3f}", "—" if ratio is None else f"{ratio:.2f}", f"{peak:.0f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for n, line in enumerate(lines):
        cells = [line[0].ljust(widths[0])] + [
            cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)
        ]
        print("  ".join(cells))
        if n == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    sys.exit(main())
