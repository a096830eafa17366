"""Snapshots of every commune of a département, for the mayors.

The data are read once (communes, observations of the period, sectors, zones, sites), redacted
for partners, and each commune's layers are cut from those frames in memory; the rendering, which
is most of the time, runs in worker processes that write the files themselves. A commune that
fails is reported and counted; the others go on.
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

import geopandas as gpd
import pandas as pd

from diagnostics import localtime
from diagnostics.auth import Actor, require, require_commune
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.redaction import redact_for_partners
from diagnostics.services import audit, reference
from diagnostics.services.exports import SNAPSHOT_FORMATS, render_snapshot, snapshot_file_name
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.snapshots import SnapshotLayers

Period = tuple[dt.date | None, dt.date | None]
WRITTEN, SKIPPED, FAILED = "written", "skipped", "failed"
NEIGHBOUR_DISTANCE = 1e-5  # degrees, as reference.neighbours_frame: boundaries that merely touch


@dataclass(frozen=True)
class DepartmentData:
    """Everything needed to draw each commune of a département, read once. WGS84 frames."""

    department: str
    communes: gpd.GeoDataFrame  # every commune in the database: neighbours may be across the border
    targets: pd.DataFrame  # insee, name of the département's communes, by INSEE code
    observations: dict[str, gpd.GeoDataFrame]  # redacted, by commune INSEE code
    sectors: gpd.GeoDataFrame
    patrol_zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    empty_observations: gpd.GeoDataFrame


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
def load_department(db: Database, actor: Actor, department: str, period: Period | None = None) -> DepartmentData:
    """Read once what the snapshots of a whole département need, observations redacted."""
    require(actor, "export_snapshot")
    communes = reference.communes_frame(db)
    targets = communes.loc[communes["department"] == department, ["insee", "name"]].reset_index(drop=True)
    if targets.empty:
        raise DiagnosticsError(f"Aucune commune pour le département {department}")
    for insee in targets["insee"]:
        require_commune(actor, insee, department)
    start, end = period or (None, None)
    criteria = ObservationFilter(start=start, end=end, communes=tuple(targets["insee"]))
    observations = redact_for_partners(observations_frame(db, actor, criteria))
    return DepartmentData(
        department=department,
        communes=communes,
        targets=targets,
        observations={insee: group for insee, group in observations.groupby("commune_insee", sort=False)},
        sectors=reference.sectors_frame(db),
        patrol_zones=reference.patrol_zones_frame(db),
        sites=reference.sites_frame(db),
        empty_observations=observations.iloc[0:0],
    )


def commune_layers(data: DepartmentData, insee: str) -> SnapshotLayers:
    """One commune's layers cut from the preloaded frames (no database)."""
    communes = data.communes
    position = communes.index[communes["insee"] == insee]
    if len(position) == 0:
        raise DiagnosticsError(f"Commune inconnue : {insee}")
    commune = communes.loc[position]
    boundary = commune.geometry.iloc[0]
    nearby = communes.sindex.query(boundary, predicate="dwithin", distance=NEIGHBOUR_DISTANCE)
    neighbours = communes.iloc[sorted(nearby)]
    return SnapshotLayers(
        commune=commune.reset_index(drop=True),
        neighbours=neighbours[neighbours["insee"] != insee].reset_index(drop=True),
        observations=data.observations.get(insee, data.empty_observations).reset_index(drop=True),
        sectors=_touching(data.sectors, boundary),
        patrol_zones=_touching(data.patrol_zones, boundary),
        sites=_touching(data.sites, boundary),
    )


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
    data = load_department(db, actor, department, period)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = BatchReport(department, fmt)
    total = len(data.targets)

    def done(result: CommuneResult) -> None:
        report.results.append(result)
        if on_result is not None:
            on_result(result, len(report.results), total)

    to_render = []
    for insee, name in data.targets.itertuples(index=False):
        if skip_empty and insee not in data.observations:
            done(CommuneResult(insee, name, SKIPPED))
        else:
            to_render.append((insee, name))
    job = _Job(data, fmt, out_dir, issued_on or dt.date.today(), period)
    workers = max(1, min(jobs or os.cpu_count() or 1, len(to_render) or 1))
    if workers == 1:
        for insee, name in to_render:
            done(job.run(insee, name))
    else:
        _run_in_workers(job, to_render, workers, done)
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
    data: DepartmentData
    fmt: str
    out_dir: Path
    issued_on: dt.date
    period: Period | None

    def run(self, insee: str, name: str) -> CommuneResult:
        started = time.perf_counter()
        path = self.out_dir / snapshot_file_name(insee, name, self.fmt)
        try:
            content = render_snapshot(
                commune_layers(self.data, insee), self.fmt, issued_on=self.issued_on, period=self.period
            )
            partial = path.with_name(path.name + ".part")  # no half-written file under the real name
            partial.write_bytes(content)
            partial.replace(path)
        except Exception as exc:  # one commune's failure is reported, the batch goes on
            return CommuneResult(insee, name, FAILED, error=f"{type(exc).__name__}: {exc}".strip())
        return CommuneResult(insee, name, WRITTEN, path, seconds=time.perf_counter() - started)


_WORKER_JOB: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def _run_in_worker(insee: str, name: str) -> CommuneResult:
    assert _WORKER_JOB is not None
    return _WORKER_JOB.run(insee, name)


def _run_in_workers(job: _Job, communes: list[tuple[str, str]], workers: int, done) -> None:
    # fork shares the preloaded frames with the workers without pickling them.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    pending = dict.fromkeys(communes)
    try:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(job,)) as pool:
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


def _touching(frame: gpd.GeoDataFrame, boundary) -> gpd.GeoDataFrame:
    if frame.empty:
        return frame
    return frame.iloc[sorted(frame.sindex.query(boundary, predicate="intersects"))].reset_index(drop=True)
