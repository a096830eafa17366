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
`GRID_ZOOM` (15: cells of about 200 m) a view adds up the cells of one grid of that zoom, counted
once per scope, filters and data version for the whole scope (a département's: one scan, about
1.3 s of CPU at 1,000,000 observations) and kept in the process with its coarser copy at
`COARSE_ZOOM` (12) for the wide views: pans and zooms cost milliseconds, however dense the box
(40,000 observations around Vesoul at zoom 13 took 1.0–1.5 s counted in SQL). Beyond it, the
grid bounds the box's count: few enough, its points come; else the box's cells are counted in
SQL, driven by the spatial index as every box query (tests/test_box_plans.py). Up to zoom
`INDEX_FROM_ZOOM` a box for points covers a town or more: it is tested on the stored drawing
point of every row the scope and the filters keep (reading half a million R*Tree candidates for
a département costs more than that).
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Integer, case, cast, func, select

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
GRID_ZOOM = 15  # up to this zoom, views add up the scope's grid of this zoom (see _scope_grid)
COARSE_ZOOM = 12  # views up to this zoom add up the grid's copy at this zoom (fewer rows)
GRID_ENTRIES = 32
GRID_BYTES = 256 * 2**20  # and at most this much memory for them all
_grids: OrderedDict = OrderedDict()
_grids_lock = threading.Lock()
_computing: dict[tuple, threading.Lock] = {}  # key → the lock of the grid's one computation
MIN_ZOOM, MAX_ZOOM = 1, 19
SEVERITY_CODES = tuple(taxonomy.SEVERITIES)  # 1 … 4
STATUS_CODES = tuple(taxonomy.STATUSES)  # nouvelle … classee
COUNT_COLUMNS = ("n", *(f"g{s}" for s in SEVERITY_CODES), *(f"s_{c}" for c in STATUS_CODES))
CELL_COLUMNS = ("x", "y", "lat", "lon", *COUNT_COLUMNS)
# A cell's counts as SQL gives them: lon and lat are sums (means once the cells are added up).
GROUP_COLUMNS = ("x", "y", *COUNT_COLUMNS, "lon", "lat")


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
    cap = cap or POINT_CAP or config.map_points()
    with db.session() as session:
        # Past GRID_ZOOM the grid only helps when it is there already (a bookmark at zoom 17
        # does not wait for the whole scope's grid).
        grid = _scope_grid(db, session, scope, criteria, compute=view.zoom <= GRID_ZOOM)
        if view.zoom <= GRID_ZOOM:
            groups = _coarsened(grid, view)
        elif grid is not None and _bound(grid, view) <= cap:  # a few points in the grid's cells around the box
            groups = None
        else:
            groups = _cells_frame(session.execute(_filtered(db, _cell_statement(view.zoom), narrowed, scope)).all())
        total = 0 if groups is None or groups.empty else int(groups["n"].sum())
        if groups is None or total <= cap:
            points = observation_points(db, actor, narrowed, session=session)
            if criteria.outside_zones:  # all of them: circled as outside every zone
                points = points.assign(outside=True)
            return ViewData(zoom=view.zoom, total=len(points), points=points)
    return ViewData(zoom=view.zoom, total=total, cells=fold_cells(groups))


def snapped(view: View) -> View:
    """The view's box widened to whole cells of its zoom."""
    west, south, east, north = view.bbox
    (x0, y0), (x1, y1) = _cell_of(west, north, view.zoom), _cell_of(east, south, view.zoom)
    left, _, _, top = cell_bounds(x0, y0, view.zoom)
    _, bottom, right, _ = cell_bounds(x1, y1, view.zoom)
    return View((max(left, -180.0), max(bottom, -85.06), min(right, 180.0), min(top, 85.06)), view.zoom)


@dataclass(frozen=True)
class Grid:
    """One row per cell (GROUP_COLUMNS) of everything a scope and filters keep: `fine` at
    GRID_ZOOM, `coarse` the same added up at COARSE_ZOOM; both sorted by x (a view's columns of
    cells are one slice)."""

    fine: pd.DataFrame
    coarse: pd.DataFrame

    def at(self, zoom: int) -> tuple[pd.DataFrame, int]:
        coarse_zoom = min(COARSE_ZOOM, GRID_ZOOM)
        return (self.coarse, coarse_zoom) if zoom <= coarse_zoom else (self.fine, GRID_ZOOM)

    @property
    def nbytes(self) -> int:
        return int(self.fine.memory_usage().sum() + self.coarse.memory_usage().sum())


def _scope_grid(db: Database, session, scope, criteria: ObservationFilter, *, compute: bool = True) -> Grid | None:
    """The scope's Grid for these filters, whatever the box: one query per scope, filters and
    data version, kept in this process and shared by every reader of that scope (every view up to
    GRID_ZOOM adds its cells up, exactly). None when not kept yet and not to be `compute`d.

    Computed once at a time per key: the readers who ask while it is being computed (the map's
    first views, the page's prefetch) wait for that one computation instead of each running it
    on the same cores."""
    key = _grid_key(db, _versions(session, scope), scope, criteria)
    found = _kept_grid(key)
    if found is not None or not compute:
        return found
    with _grids_lock:
        computing = _computing.setdefault(key, threading.Lock())
    try:
        with computing:
            found = _kept_grid(key)
            if found is None:
                statement = _filtered(db, _cell_statement(GRID_ZOOM), key[3], scope)
                fine = _cells_frame(session.execute(statement).all())
                found = Grid(fine, _added_up(fine, GRID_ZOOM - min(COARSE_ZOOM, GRID_ZOOM)))
                _keep_grid(key, found)
    finally:
        with _grids_lock:
            _computing.pop(key, None)
    return found


def prefetch_grid(
    db: Database, actor: Actor, criteria: ObservationFilter, *, versions: tuple | None = None
) -> threading.Thread | None:
    """Start computing the scope's grid for these filters in the background (the page calls it
    before its own queries, so that the map's first view, asked by the browser a second later,
    finds it computed or joins its computation). None when it is kept or being computed.
    `versions`: the scope's (observation versions, reference version) when the caller has read
    them already (the page's Reader), so that a page run reads no counter twice."""
    require(actor, "command_map")
    scope = observation_scope(actor)
    if versions is None:
        with db.session() as session:
            versions = _versions(session, scope)
    key = _grid_key(db, versions, scope, criteria)
    with _grids_lock:
        if key in _grids or key in _computing:
            return None
    thread = threading.Thread(target=compute_grid, args=(db, actor, criteria), name="psq-grid", daemon=True)
    thread.start()
    return thread


def compute_grid(db: Database, actor: Actor, criteria: ObservationFilter) -> None:
    """The scope's grid for these filters, computed now unless kept (or joined if being computed)."""
    require(actor, "command_map")
    with db.session() as session:
        _scope_grid(db, session, observation_scope(actor), criteria)


def _versions(session, scope) -> tuple:
    return (
        dataversion.observation_versions(session, scope.departments),
        dataversion.current(session, dataversion.REFERENCE),
    )


def _grid_key(db: Database, versions: tuple, scope, criteria: ObservationFilter) -> tuple:
    criteria = dataclasses.replace(criteria, bbox=None, point_box=None)
    return (db.cache_key, versions, scope, criteria, GRID_ZOOM, COARSE_ZOOM)


def _kept_grid(key: tuple) -> Grid | None:
    with _grids_lock:
        found = _grids.get(key)
        if found is not None:
            _grids.move_to_end(key)
        return found


def _keep_grid(key: tuple, grid: Grid) -> None:
    with _grids_lock:
        _grids[key] = grid
        while len(_grids) > 1 and (
            len(_grids) > GRID_ENTRIES or sum(kept.nbytes for kept in _grids.values()) > GRID_BYTES
        ):
            _grids.popitem(last=False)


def _cells_frame(rows) -> pd.DataFrame:
    """SQL's cells as a frame of GROUP_COLUMNS sorted by x (then y): counts in int32 (a
    département's fine grid is some 10^5 cells, kept per scope and filters)."""
    # Plain tuples: numpy reads them about 30 times faster than SQLAlchemy's rows.
    table = np.array([tuple(row) for row in rows], dtype="float64").reshape(-1, len(GROUP_COLUMNS))
    frame = pd.DataFrame(table, columns=list(GROUP_COLUMNS))
    frame = frame.astype({name: "int32" for name in ("x", "y", *COUNT_COLUMNS)})
    return frame.sort_values(["x", "y"], ignore_index=True)


def _added_up(cells: pd.DataFrame, shift: int) -> pd.DataFrame:
    """The cells of a grid added up into the cells 2^shift times larger (sorted by x, y)."""
    bigger = cells.assign(x=cells["x"].to_numpy() >> shift, y=cells["y"].to_numpy() >> shift)
    return bigger.groupby(["x", "y"], as_index=False, sort=True).sum()


def _coarsened(grid: Grid, view: View) -> pd.DataFrame:
    """The grid's cells inside the view's cells, added up at the view's zoom (a cell of zoom z
    holds the 4^(zoom of the grid - z) cells under it)."""
    frame, zoom = grid.at(view.zoom)
    shift = zoom - view.zoom
    west, south, east, north = view.bbox
    inward = 1e-9  # the snapped box's edges are cell edges: the cells just inside them
    (x0, y0) = _cell_of(west + inward, north - inward, view.zoom)
    (x1, y1) = _cell_of(east - inward, south + inward, view.zoom)
    kept = _columns(frame, x0 << shift, ((x1 + 1) << shift) - 1)
    y = kept["y"].to_numpy() >> shift
    return _added_up(kept[(y >= y0) & (y <= y1)], shift)


def _columns(frame: pd.DataFrame, first: int, last: int) -> pd.DataFrame:
    """The rows of `frame` with first <= x <= last (both grids are sorted by x)."""
    xs = frame["x"].to_numpy()
    return frame.iloc[np.searchsorted(xs, first, "left") : np.searchsorted(xs, last, "right")]


def _bound(grid: Grid, view: View) -> int:
    """Observations in the grid's cells that meet the view's box: at least the box's count."""
    west, south, east, north = view.bbox
    (x0, y0), (x1, y1) = _cell_of(west, north, GRID_ZOOM), _cell_of(east, south, GRID_ZOOM)
    kept = _columns(grid.fine, x0, x1)
    y = kept["y"].to_numpy()
    return int(kept["n"].to_numpy()[(y >= y0) & (y <= y1)].sum())


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
    """SQL: one row per cell of `zoom` (GROUP_COLUMNS): counts, by gravité and statut, and the
    sums of the drawing points (CASE: the same SQL on both backends)."""
    x, y = cell_index(zoom)
    x, y = x.label("x"), y.label("y")
    by_severity = [func.sum(case((Observation.severity == code, 1), else_=0)) for code in SEVERITY_CODES]
    by_status = [func.sum(case((Observation.status == code, 1), else_=0)) for code in STATUS_CODES]
    return (
        select(x, y, func.count(), *by_severity, *by_status, func.sum(drawing_lon()), func.sum(drawing_lat()))
        .select_from(Observation)
        .group_by(x, y)
    )


def fold_cells(groups: pd.DataFrame) -> pd.DataFrame:
    """The cells as the map draws them (CELL_COLUMNS): mean drawing point, sorted by cell (x,
    then y) so both backends give the same rows."""
    cells = groups.astype({name: "int64" for name in ("x", "y", *COUNT_COLUMNS)}).sort_values(["x", "y"])
    if len(cells):
        cells["lon"] = cells["lon"] / cells["n"]
        cells["lat"] = cells["lat"] / cells["n"]
    return cells.reset_index(drop=True)[list(CELL_COLUMNS)]
