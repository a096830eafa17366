"""The commanders' map at every zoom: what one view needs, computed in the database (issue 20).

A view is a box and a zoom level. The observations the actor may read that the filters keep,
with their drawing point inside the box, are counted in the database on a grid of square cells
of the Web Mercator plane (`CELL_PX` pixels of that zoom level: the grid halves at each zoom),
by gravité and statut. When the view holds at most `POINT_CAP` of them, their points come
(PSQ_MAP_POINTS) instead (same box, same filters), so a person zooming in sees cells turn into points.

The cell of a point, in the same SQL on SpatiaLite and PostGIS (`ln`, `tan`, `cos`, `radians`,
`floor` exist in both):

    x = floor((lon + 180) / 360 · 2^zoom · 256 / CELL_PX)
    y = floor((1/2 − ln(tan φ + sec φ) / 2π) · 2^zoom · 256 / CELL_PX)

which are Leaflet's pixel coordinates of that zoom divided by the cell's size. Up to
`GRID_ZOOM` a view adds up the cells of one grid of that zoom, counted once per scope, filters
and data version for the whole scope (a département's: one scan, about 1.3 s of CPU at
1,000,000 observations) and kept in the process: pans and zooms out cost milliseconds. Up to zoom
`INDEX_FROM_ZOOM` the box covers a town or more: it is tested on the stored drawing point of
every row the scope and the filters keep (reading half a million R*Tree candidates for a
département costs more than that); from it on the box drives the query through the spatial
index, as every box query (tests/test_box_plans.py).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Integer, cast, func, select

from diagnostics import config, dataversion, taxonomy
from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.models import Observation
from diagnostics.services.observations import (
    BBox,
    ObservationFilter,
    _filtered,
    drawing_lat,
    drawing_lon,
    observation_points,
)

CELL_PX = 64
POINT_CAP: int | None = None  # PSQ_MAP_POINTS when None
INDEX_FROM_ZOOM = 11
GRID_ZOOM = 12  # up to this zoom, views add up the scope's grid of this zoom (see _scope_grid)
GRID_ENTRIES = 32
GROUP_COLUMNS = ["x", "y", "severity", "status", "n", "lon", "lat"]
_grids: OrderedDict = OrderedDict()
_grids_lock = threading.Lock()
MIN_ZOOM, MAX_ZOOM = 1, 19
SEVERITY_CODES = tuple(taxonomy.SEVERITIES)  # 1 … 4
STATUS_CODES = tuple(taxonomy.STATUSES)  # nouvelle … classee
CELL_COLUMNS = ("x", "y", "lat", "lon", "n", *(f"g{s}" for s in SEVERITY_CODES), *(f"s_{c}" for c in STATUS_CODES))


@dataclass(frozen=True)
class View:
    bbox: BBox  # west, south, east, north (WGS84)
    zoom: int


@dataclass(frozen=True)
class ViewData:
    """One view: `cells` (a frame of CELL_COLUMNS, lat/lon the mean drawing point) or `points`
    (observation_points' frame); `total` observations in the box either way."""

    zoom: int
    total: int
    cells: pd.DataFrame | None = None
    points: pd.DataFrame | None = None

    @property
    def mode(self) -> str:
        return "points" if self.points is not None else "cells"


def view_criteria(criteria: ObservationFilter, view: View) -> ObservationFilter:
    """The page's filters narrowed to the view's box (drawing point inside it)."""
    if view.zoom >= INDEX_FROM_ZOOM:
        return dataclasses.replace(criteria, bbox=view.bbox, point_box=view.bbox)
    return dataclasses.replace(criteria, bbox=None, point_box=view.bbox)


def view_data(
    db: Database, actor: Actor, criteria: ObservationFilter, view: View, *, cap: int | None = None
) -> ViewData:
    """What the commanders' map draws for `view`: cells with counts, or at most `cap` points.

    The box is first widened to whole cells of its zoom (`snapped`), so that a cell is in the
    view or out of it, and the cells' counts add up to the box's count exactly."""
    require(actor, "command_map")  # a maire reads observations, not this map (teams, units)
    scope = observation_scope(actor)
    view = snapped(view)
    narrowed = view_criteria(criteria, view)
    with db.session() as session:
        if view.zoom <= GRID_ZOOM:
            groups = _coarsened(_scope_grid(db, session, scope, criteria), view)
        else:
            rows = session.execute(_filtered(db, _cell_statement(view.zoom), narrowed, scope)).all()
            groups = pd.DataFrame(rows, columns=GROUP_COLUMNS)
        total = int(groups["n"].sum()) if len(groups) else 0
        if total <= (cap or POINT_CAP or config.map_points()):
            points = observation_points(db, actor, narrowed, session=session)
            return ViewData(zoom=view.zoom, total=len(points), points=points)
    return ViewData(zoom=view.zoom, total=total, cells=fold_cells(groups))


def snapped(view: View) -> View:
    """The view's box widened to whole cells of its zoom."""
    west, south, east, north = view.bbox
    (x0, y0), (x1, y1) = _cell_of(west, north, view.zoom), _cell_of(east, south, view.zoom)
    left, _, _, top = cell_bounds(x0, y0, view.zoom)
    _, bottom, right, _ = cell_bounds(x1, y1, view.zoom)
    return View((max(left, -180.0), max(bottom, -85.06), min(right, 180.0), min(top, 85.06)), view.zoom)


def _scope_grid(db: Database, session, scope, criteria: ObservationFilter) -> pd.DataFrame:
    """Counts by (cell, gravité, statut) at GRID_ZOOM of everything the scope and the filters
    keep, whatever the box: one query per scope, filters and data version, kept in this process
    and shared by every reader of that scope (coarser zooms add its cells up, exactly)."""
    versions = (
        dataversion.observation_versions(session, scope.departments),
        dataversion.current(session, dataversion.REFERENCE),
    )
    key = (db.cache_key, versions, scope, dataclasses.replace(criteria, bbox=None, point_box=None))
    with _grids_lock:
        found = _grids.get(key)
        if found is not None:
            _grids.move_to_end(key)
            return found
    rows = session.execute(_filtered(db, _cell_statement(GRID_ZOOM), key[3], scope)).all()
    found = pd.DataFrame(rows, columns=GROUP_COLUMNS).astype(
        {"x": "int64", "y": "int64", "severity": "int64", "n": "int64", "lon": "float64", "lat": "float64"}
    )
    with _grids_lock:
        _grids[key] = found
        while len(_grids) > GRID_ENTRIES:
            _grids.popitem(last=False)
    return found


def _coarsened(grid: pd.DataFrame, view: View) -> pd.DataFrame:
    """The grid's counts inside the view's cells, at the view's zoom (a cell of zoom z holds
    the 4^(GRID_ZOOM - z) cells of GRID_ZOOM under it)."""
    shift = GRID_ZOOM - view.zoom
    west, south, east, north = view.bbox
    inward = 1e-9  # the snapped box's edges are cell edges: the cells just inside them
    (x0, y0) = _cell_of(west + inward, north - inward, view.zoom)
    (x1, y1) = _cell_of(east - inward, south + inward, view.zoom)
    x, y = grid["x"].to_numpy() >> shift, grid["y"].to_numpy() >> shift
    inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    kept = grid[inside].assign(x=x[inside], y=y[inside])
    return kept.groupby(["x", "y", "severity", "status"], as_index=False, observed=True)[["n", "lon", "lat"]].sum()


def forget_grids() -> None:
    """Empty this process's grids (tests)."""
    with _grids_lock:
        _grids.clear()


def extent(db: Database, actor: Actor, criteria: ObservationFilter) -> BBox | None:
    """West, south, east, north of the drawing points `criteria` keeps (None: none)."""
    require(actor, "command_map")
    box = select(func.min(drawing_lon()), func.min(drawing_lat()), func.max(drawing_lon()), func.max(drawing_lat()))
    with db.session() as session:
        found = session.execute(_filtered(db, box.select_from(Observation), criteria, observation_scope(actor))).one()
    return None if found[0] is None else tuple(float(v) for v in found)


def cell_index(zoom: int):
    """SQL: the (x, y) cell of the drawing point at `zoom` (the same SQL on both backends)."""
    per_world = float(2**zoom * 256 / CELL_PX)
    lon, lat = drawing_lon(), func.radians(drawing_lat())
    x = func.floor((lon + 180.0) / 360.0 * per_world)
    mercator = func.ln(func.tan(lat) + 1.0 / func.cos(lat))
    y = func.floor((0.5 - mercator / (2 * np.pi)) * per_world)
    return cast(x, Integer), cast(y, Integer)


def cell_bounds(x: int, y: int, zoom: int) -> BBox:
    """West, south, east, north of a cell (for checks and tests)."""
    per_world = 2**zoom * 256 / CELL_PX

    def lat_of(row: float) -> float:
        return float(np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * row / per_world)))))

    return x / per_world * 360 - 180, lat_of(y + 1), (x + 1) / per_world * 360 - 180, lat_of(y)


def cells_spanned(view: View) -> int:
    """How many cells of its zoom the view's box spans (a bound on the cells it can return)."""
    west, south, east, north = view.bbox
    (x0, y0), (x1, y1) = _cell_of(west, north, view.zoom), _cell_of(east, south, view.zoom)
    return (x1 - x0 + 1) * (y1 - y0 + 1)


def _cell_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    per_world = 2**zoom * 256 / CELL_PX
    phi = np.radians(min(max(lat, -85.05), 85.05))
    y = (0.5 - np.log(np.tan(phi) + 1 / np.cos(phi)) / (2 * np.pi)) * per_world
    return int(np.floor((lon + 180) / 360 * per_world)), int(np.floor(y))


def _cell_statement(zoom: int):
    x, y = cell_index(zoom)
    x, y = x.label("x"), y.label("y")
    return (
        select(
            x,
            y,
            Observation.severity,
            Observation.status,
            func.count().label("n"),
            func.sum(drawing_lon()),
            func.sum(drawing_lat()),
        )
        .select_from(Observation)
        .group_by(x, y, Observation.severity, Observation.status)
    )


def fold_cells(groups: pd.DataFrame) -> pd.DataFrame:
    """One row per cell from the (cell, gravité, statut) counts: totals, counts by gravité and
    statut, mean drawing point; sorted by cell (x, then y) so both backends give the same rows."""
    if groups.empty:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in CELL_COLUMNS})
    groups = groups.astype({"x": "int64", "y": "int64", "n": "int64", "lon": "float64", "lat": "float64"})
    keys = ["x", "y"]
    by_cell = groups.groupby(keys, sort=True)
    cells = by_cell[["n", "lon", "lat"]].sum()
    cells["lon"] = cells["lon"] / cells["n"]
    cells["lat"] = cells["lat"] / cells["n"]
    severity = groups.pivot_table(index=keys, columns="severity", values="n", aggfunc="sum", fill_value=0)
    status = groups.pivot_table(index=keys, columns="status", values="n", aggfunc="sum", fill_value=0)
    for code in SEVERITY_CODES:
        cells[f"g{code}"] = severity.get(code, 0)
    for code in STATUS_CODES:
        cells[f"s_{code}"] = status.get(code, 0)
    return cells.reset_index()[list(CELL_COLUMNS)]
