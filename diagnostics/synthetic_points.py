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
        # The commune's observations, diagnostic after diagnostic, drawn in one call (the same
        # numbers as one call per diagnostic: normal draws follow each other in the stream).
        counts = sizes[diagnostics]
        first = np.repeat(np.cumsum(counts) - counts, counts)
        rows = np.repeat(offsets[diagnostics], counts) + np.arange(len(first)) - first
        lon[rows], lat[rows] = _around(rng, polygon, np.repeat(centres, counts, axis=0))
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


def _around(rng, polygon, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One point scattered around each of `centres` (its diagnostic's place)."""
    points = centres + rng.normal(0.0, SPREAD_DEGREES, size=centres.shape) * (1.0, 0.7)
    outside = ~shapely.contains_xy(polygon, points[:, 0], points[:, 1])
    points[outside] = centres[outside]  # near the boundary: fall back to the place itself
    return points[:, 0], points[:, 1]
