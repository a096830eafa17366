"""Lambert-93 geometry for the static snapshots: parts, matplotlib paths, clipping, true north.

Projection itself is `diagnostics.crs.to_lambert93`.

Pure functions over shapely arrays; nothing here draws.
"""

from __future__ import annotations

import contextlib
import math
import threading

import geopandas
import numpy as np
import shapely
from matplotlib.path import Path
from pyproj import Transformer

from diagnostics.crs import LAMBERT93, WGS84

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax


def flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-part geometries of ``geoms`` (collections exploded) and the index of their source."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    for _ in range(2):  # GeometryCollections may hold multi-geometries
        nested = shapely.get_type_id(parts) >= 4
        if not nested.any():
            break
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
    keep = ~shapely.is_empty(parts)
    return parts[keep], index[keep]


def polygons_path(polygons: np.ndarray) -> Path | None:
    """One compound Path for Polygon parts, rings oriented so holes stay empty when filled."""
    if len(polygons) == 0:
        return None
    polygons = shapely.orient_polygons(polygons)  # exterior CCW, holes CW: non-zero rule works
    rings = shapely.get_rings(polygons)
    coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return None
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    starts = np.r_[0, np.flatnonzero(np.diff(ring_index)) + 1]
    ends = np.r_[starts[1:] - 1, len(coords) - 1]
    codes[starts] = Path.MOVETO
    codes[ends] = Path.CLOSEPOLY
    return Path(coords, codes)


def line_segments(lines: np.ndarray) -> list[np.ndarray]:
    coords, line_index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return []
    splits = np.flatnonzero(np.diff(line_index)) + 1
    return np.split(coords, splits)


def by_type(geoms: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Parts of ``geoms`` grouped as points / lines / polygons, with their source row index."""
    parts, index = flat_parts(geoms)
    type_ids = shapely.get_type_id(parts)
    groups = {"points": type_ids == 0, "lines": (type_ids == 1) | (type_ids == 2), "polygons": type_ids == 3}
    return {name: (parts[mask], index[mask]) for name, mask in groups.items()}


def prepare(geoms: np.ndarray, clip: Box, tolerance: float) -> np.ndarray:
    """Clip large reference geometries to (a bit more than) the view and simplify below a pixel."""
    with contextlib.suppress(shapely.errors.GEOSException):  # very broken input: draw it unclipped
        geoms = shapely.clip_by_rect(geoms, *clip)
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return geoms


def padded(limits: Box, fraction: float = 0.05) -> Box:
    xmin, ymin, xmax, ymax = limits
    pad = fraction * (xmax - xmin)
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def site_points(sites: geopandas.GeoDataFrame) -> np.ndarray:
    return shapely.point_on_surface(sites.geometry.to_numpy())  # tolerate non-point sites


_LOCAL = threading.local()


def _transformers() -> tuple[Transformer, Transformer]:
    """Lambert-93 → WGS84 and back, built once per thread (pages render in Streamlit's threads):
    each costs 3 to 25 ms, which made up a tenth of a département batch when built per commune."""
    pair = getattr(_LOCAL, "transformers", None)
    if pair is None:
        pair = (
            Transformer.from_crs(LAMBERT93, WGS84, always_xy=True),
            Transformer.from_crs(WGS84, LAMBERT93, always_xy=True),
        )
        _LOCAL.transformers = pair
    return pair


def true_north_angle(x: float, y: float) -> float:
    """Angle (radians, counter-clockwise from the map's up) of geographic north at (x, y) in L93."""
    to_wgs, to_l93_ = _transformers()
    lon, lat = to_wgs.transform(x, y)
    x2, y2 = to_l93_.transform(lon, lat + 0.01)
    return math.atan2(-(x2 - x), y2 - y)
