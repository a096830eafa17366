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

which are Leaflet's pixel coordinates of that zoom divided by the cell's size. Up to zoom
`INDEX_FROM_ZOOM` the box covers a town or more: it is tested on the stored drawing point of
every row the scope and the filters keep (reading half a million R*Tree candidates for a
département costs more than that); from it on the box drives the query through the spatial
index, as every box query (tests/test_box_plans.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Integer, cast, func, select

from diagnostics import config, taxonomy
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
    """What the commanders' map draws for `view`: cells with counts, or at most `cap` points."""
    require(actor, "command_map")  # a maire reads observations, not this map (teams, units)
    scope = observation_scope(actor)
    narrowed = view_criteria(criteria, view)
    with db.session() as session:
        rows = session.execute(_filtered(db, _cell_statement(view.zoom), narrowed, scope)).all()
        groups = pd.DataFrame(rows, columns=["x", "y", "severity", "status", "n", "lon", "lat"])
        total = int(groups["n"].sum()) if len(groups) else 0
        if total <= (cap or POINT_CAP or config.map_points()):
            points = observation_points(db, actor, narrowed, session=session)
            return ViewData(zoom=view.zoom, total=len(points), points=points)
    return ViewData(zoom=view.zoom, total=total, cells=fold_cells(groups))


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
