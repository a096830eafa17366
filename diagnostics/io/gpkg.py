"""GeoPackage (OGC, SQLite): every layer of the file is read; one layer is written per export.

GDAL's GeoPackage driver crashes the process (segmentation fault) when it starts after SpatiaLite
was loaded into another SQLite library of the same process, which the app always does first.
Reading and writing therefore happen in a fresh worker process (spawned, not forked: a fork
would inherit the loaded SpatiaLite).
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import geopandas as gpd

from diagnostics.io.frames import concat_layers, plain_dates


def read(path: Path) -> gpd.GeoDataFrame:
    """Every vector layer of the GeoPackage, one after the other, in the first layer's CRS."""
    return _in_worker(read_here, Path(path))


def write(frame: gpd.GeoDataFrame, path: Path, *, layer: str = "layer") -> int:
    return _in_worker(_write_here, plain_dates(frame), Path(path), layer)


def _in_worker(function, *args):
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def read_here(path: Path) -> gpd.GeoDataFrame:
    """Every vector layer, read in this process (one where SpatiaLite was never loaded)."""
    import pyogrio

    layers = [name for name, geometry_type in pyogrio.list_layers(path) if geometry_type is not None]
    if not layers:
        return gpd.GeoDataFrame(geometry=[], crs=None)
    return concat_layers([gpd.read_file(path, layer=name) for name in layers])


def _write_here(frame: gpd.GeoDataFrame, path: Path, layer: str) -> int:
    if path.exists():
        path.unlink()  # a fresh file: GDAL would otherwise add a layer to the old one
    frame.to_file(path, layer=layer, driver="GPKG")
    return len(frame)
