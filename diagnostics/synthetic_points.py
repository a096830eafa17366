"""Where synthetic observations fall (diagnostics.synthetic): a place inside the commune for each
diagnostic, drawn uniformly, and its observations scattered a little around it, never outside.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

SPREAD_DEGREES = 0.002  # about 150-200 m around the place visited


def scattered_points(rng, communes: gpd.GeoDataFrame, commune_index, sizes) -> tuple[np.ndarray, np.ndarray]:
    """For each diagnostic, a place inside its commune and observations scattered around it."""
    count = int(sizes.sum())
    lon = np.empty(count)
    lat = np.empty(count)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    geometries = communes.geometry.to_numpy()
    for commune in np.unique(commune_index):
        polygon = geometries[commune]
        shapely.prepare(polygon)
        diagnostics = np.flatnonzero(commune_index == commune)
        centres = _inside(rng, polygon, len(diagnostics))
        for k, d in enumerate(diagnostics):
            start, stop = offsets[d], offsets[d + 1]
            lon[start:stop], lat[start:stop] = _around(rng, polygon, centres[k], stop - start)
    return lon, lat


def _inside(rng, polygon, n: int) -> np.ndarray:
    """`n` points drawn uniformly inside `polygon` (rejection sampling in its bounds)."""
    west, south, east, north = polygon.bounds
    found = np.empty((0, 2))
    while len(found) < n:
        tries = max(16, 3 * (n - len(found)))
        candidates = np.column_stack((rng.uniform(west, east, tries), rng.uniform(south, north, tries)))
        keep = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        found = np.vstack((found, candidates[keep]))
    return found[:n]


def _around(rng, polygon, centre, n: int) -> tuple[np.ndarray, np.ndarray]:
    points = centre + rng.normal(0.0, SPREAD_DEGREES, size=(n, 2)) * (1.0, 0.7)
    outside = ~shapely.contains_xy(polygon, points[:, 0], points[:, 1])
    if outside.any():  # near the boundary: fall back to the place itself
        points[outside] = centre
    return points[:, 0], points[:, 1]
