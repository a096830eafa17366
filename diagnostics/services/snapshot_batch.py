"""Snapshots of every commune of a département, for the mayors.

Each worker process reads a commune's layers with `exports.snapshot_layers`, the one builder of
what a snapshot shows (read through the spatial indexes, redacted for partners), through its own
database engine, renders them and writes the file. A commune that fails is reported and
counted; the others go on.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from diagnostics import localtime
from diagnostics.auth import Actor, require, require_commune
from diagnostics.db import Database, open_database
from diagnostics.errors import DiagnosticsError
from diagnostics.services import audit, reference
from diagnostics.services.exports import SNAPSHOT_FORMATS, render_snapshot, snapshot_file_name, snapshot_layers
from diagnostics.services.observations import ObservationFilter, count_observations

Period = tuple[dt.date | None, dt.date | None]
WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"


@dataclass(frozen=True)
class CommuneResult:
    insee: str
    name: str
    status: str  # written | skipped | failed
    path: Path | None = None
    error: str = ""
    seconds: float = 0.0  # rendering and writing, in the worker


@dataclass
class BatchReport:
    department: str
    fmt: str
    results: list[CommuneResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(result.status == status for result in self.results)

    @property
    def failed(self) -> list[CommuneResult]:
        return [result for result in self.results if result.status == FAILED]

    def median_seconds(self) -> float:
        times = [result.seconds for result in self.results if result.status == WRITTEN]
        return statistics.median(times) if times else 0.0

    def summary(self) -> str:
        return (
            f"{len(self.results)} communes : {self.count(WRITTEN)} écrite(s), {self.count(FAILED)} en échec, "
            f"{self.count(SKIPPED)} sans fichier (aucune observation), {localtime.format_decimal(self.seconds)} s"
        )


@audit.refusals_recorded
def department_communes(db: Database, actor: Actor, department: str) -> list[tuple[str, str]]:
    """(insee, name) of the département's communes, once the actor may export every one."""
    require(actor, "export_snapshot")
    communes = [c for c in reference.list_communes(db, (department,))]
    if not communes:
        raise DiagnosticsError(f"Aucune commune pour le département {department}")
    for commune in communes:
        require_commune(actor, commune.insee, department)
    return sorted((c.insee, c.name) for c in communes)


def export_department(
    db: Database,
    actor: Actor,
    department: str,
    fmt: str,
    out_dir: Path,
    *,
    period: Period | None = None,
    issued_on: dt.date | None = None,
    skip_empty: bool = False,
    jobs: int | None = None,
    on_result: Callable[[CommuneResult, int, int], None] | None = None,
) -> BatchReport:
    """Write one snapshot per commune of `department` into `out_dir`.

    `on_result(result, done, total)` is called in this process as each commune finishes.
    `jobs` worker processes render (default: one per CPU); 1 renders here, without workers.
    """
    if fmt not in SNAPSHOT_FORMATS:
        raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: {', '.join(SNAPSHOT_FORMATS)}")
    started = time.perf_counter()
    targets = department_communes(db, actor, department)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport(department, fmt)
    total = len(targets)

    def done(result: CommuneResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result, len(report.results), total)

    job = _Job(actor, fmt, out_dir, issued_on or dt.date.today(), period, skip_empty)
    workers = max(1, min(jobs or os.cpu_count() or 1, total))
    if workers == 1:
        for insee, name in targets:
            done(job.run(db, insee, name))
    else:
        _run_in_workers(job, db.engine.url.render_as_string(hide_password=False), targets, workers, done)
    report.results.sort(key=lambda result: result.insee)
    report.seconds = time.perf_counter() - started
    audit.record_now(
        db,
        actor,
        "export",
        entity="departement",
        entity_id=department,
        detail=f"cartes {fmt.upper()} : {report.count(WRITTEN)} écrites, {report.count(FAILED)} en échec",
    )
    return report


@dataclass(frozen=True)
class _Job:
    actor: Actor
    fmt: str
    out_dir: Path
    issued_on: dt.date
    period: Period | None
    skip_empty: bool

    def _criteria(self, insee: str) -> ObservationFilter:
        start, end = self.period or (None, None)
        return ObservationFilter(start=start, end=end, communes=(insee,))

    def run(self, db: Database, insee: str, name: str) -> CommuneResult:
        """Read the commune's layers (the one builder, `snapshot_layers`), render and write them."""
        started = time.perf_counter()
        path = self.out_dir / snapshot_file_name(insee, name, self.fmt)
        try:
            if self.skip_empty and not count_observations(db, self.actor, self._criteria(insee)):
                return CommuneResult(insee, name, SKIPPED)
            layers = snapshot_layers(db, self.actor, insee, self.period)
            content = render_snapshot(layers, self.fmt, issued_on=self.issued_on, period=self.period)
            partial = path.with_name(path.name + ".part")  # no half-written file under the real name
            partial.write_bytes(content)
            partial.replace(path)
        except Exception as exc:  # one commune's failure is reported, the batch goes on
            return CommuneResult(insee, name, FAILED, error=f"{type(exc).__name__}: {exc}".strip())
        return CommuneResult(insee, name, WRITTEN, path, seconds=time.perf_counter() - started)


_WORKER: tuple[_Job, Database] | None = None


def _start_worker(job: _Job, url: str) -> None:
    """Each worker reads through its own engine: connections are never shared across a fork."""
    global _WORKER
    _WORKER = (job, open_database(url))


def _run_in_worker(insee: str, name: str) -> CommuneResult:
    assert _WORKER is not None
    job, db = _WORKER
    return job.run(db, insee, name)


def _run_in_workers(job: _Job, url: str, communes: list[tuple[str, str]], workers: int, done) -> None:
    # fork: workers start without re-importing the application (spawn elsewhere).
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pending = dict.fromkeys(communes)
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(job, url)) as pool:
            futures = {pool.submit(_run_in_worker, insee, name): (insee, name) for insee, name in communes}
            for future in as_completed(futures):
                insee, name = futures[future]
                pending.pop((insee, name), None)
                try:
                    done(future.result())
                except Exception as exc:  # the worker itself died
                    done(CommuneResult(insee, name, FAILED, error=f"{type(exc).__name__}: {exc}".strip()))
    except BrokenProcessPool as exc:
        for insee, name in pending:
            done(CommuneResult(insee, name, FAILED, error=f"worker stopped: {exc}"))
