"""Turning SQL results into GeoDataFrames (and the map's points into frames) the same way on
SpatiaLite and PostGIS."""

from __future__ import annotations

import contextlib
import functools
import gc

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Select, func
from sqlalchemy.orm import Session

from diagnostics import taxonomy

WGS84 = "EPSG:4326"


def geometry_as_wkb(column):
    """A select item giving plain WKB, which both backends return and shapely reads."""
    return func.ST_AsBinary(column).label("wkb")


def read_frame(session: Session, statement: Select) -> gpd.GeoDataFrame:
    """Run a select that has a `wkb` column and return a GeoDataFrame with `geometry`."""
    result = session.execute(statement)
    columns = list(result.keys())
    frame = pd.DataFrame(result.fetchall(), columns=columns)
    wkb = [bytes(value) if value is not None else None for value in frame.pop("wkb")]
    geometry = shapely.from_wkb(wkb) if wkb else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)


POINT_COLUMNS = ("id", "lon", "lat", "severity", "category", "status", "observed_on", "commune_insee")
POINT_DTYPE = np.dtype(
    [
        ("id", "i8"),
        ("lon", "f8"),
        ("lat", "f8"),
        ("severity", "i8"),
        ("category", "i8"),
        ("status", "i8"),
        ("observed_on", "i8"),
        ("commune_insee", "U5"),
    ]
)


def points_frame(rows: list[tuple]) -> pd.DataFrame:
    """The map's points (services.observations.observation_points) from their DB-API tuples,
    in POINT_COLUMNS' order (catégorie and statut as codes, the date as days since 1970):
    sorted by gravité then N°, catégorie and statut as categoricals, the date as datetime64.
    Typed arrays straight from the tuples (half the time of pandas' type inference), sorted
    before the frame is made (one take of the array, not one per column of the frame)."""
    return points_array_frame(np.fromiter(rows, dtype=POINT_DTYPE, count=len(rows)))


def points_array_frame(array: np.ndarray) -> pd.DataFrame:
    """points_frame's frame from a structured array of POINT_DTYPE."""
    array = array[np.lexsort((array["id"], array["severity"]))]
    categories, statuses = _point_dtypes()
    columns = {name: array[name] for name in POINT_COLUMNS}
    columns["category"] = pd.Categorical.from_codes(array["category"], dtype=categories, validate=False)
    columns["status"] = pd.Categorical.from_codes(array["status"], dtype=statuses, validate=False)
    columns["observed_on"] = np.datetime64("1970-01-01", "D") + array["observed_on"]
    return pd.DataFrame(columns)


@functools.cache
def _point_dtypes() -> tuple[pd.CategoricalDtype, pd.CategoricalDtype]:
    """The codes' categories: the positions in taxonomy's lists (services.observations._code)."""
    return pd.CategoricalDtype([c.code for c in taxonomy.CATEGORIES]), pd.CategoricalDtype(list(taxonomy.STATUSES))


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection while many rows are made into tuples (which hold no
    cycles): each 700 new tuples start a collection, and in a process holding millions of
    objects (a server's caches, a benchmark's grids) a town's 7,000 points triggered full ones,
    15 ms → 51 ms. The collector is process-wide: other threads go without it meanwhile, and
    only the pause that found it on turns it back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
