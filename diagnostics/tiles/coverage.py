"""Which tiles cover an area, and how many of them fit a size budget.

Web Mercator tiles (the XYZ scheme Leaflet uses). A budget keeps the lower zoom levels and drops
the highest ones first: a phone with streets at zoom 15 everywhere is better than zoom 18 on half
of a commune. Pure functions: the callers give the areas and a way to know a tile's size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

Bounds = tuple[float, float, float, float]  # west, south, east, north (WGS84 degrees)
Tile = tuple[int, int, int]  # z, x, y
MAX_LATITUDE = 85.05112878


def tile_x(lon: float, z: int) -> int:
    return _clamp(int((lon + 180.0) / 360.0 * (1 << z)), z)


def tile_y(lat: float, z: int) -> int:
    lat = max(-MAX_LATITUDE, min(MAX_LATITUDE, lat))
    y = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * (1 << z)
    return _clamp(int(y), z)


def _clamp(value: int, z: int) -> int:
    return max(0, min((1 << z) - 1, value))


def tile_bounds(z: int, x: int, y: int) -> Bounds:
    """West, south, east, north of a tile."""
    n = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tiles_in(bounds: Bounds, z: int) -> list[Tile]:
    """Every tile of zoom `z` that touches the box, row by row."""
    west, south, east, north = bounds
    xs = range(tile_x(west, z), tile_x(east, z) + 1)
    ys = range(tile_y(north, z), tile_y(south, z) + 1)
    return [(z, x, y) for y in ys for x in xs]


def intersection(a: Bounds, b: Bounds | None) -> Bounds | None:
    if b is None:
        return a
    west, south, east, north = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (west, south, east, north) if west <= east and south <= north else None


@dataclass(frozen=True)
class Selection:
    """The tiles kept, their total size, and the zoom levels kept and dropped."""

    tiles: tuple[Tile, ...]
    size: int
    budget: int
    zooms: tuple[int, ...]
    dropped: tuple[int, ...]


def select_tiles(
    areas: Iterable[Bounds],
    zooms: Iterable[int],
    size_of: Callable[[int, int, int], int | None],
    budget: int,
) -> Selection:
    """The tiles covering `areas` at `zooms` within `budget` bytes, highest zooms dropped first.

    `size_of(z, x, y)` gives a tile's size, or None when there is no such tile (it is skipped).
    """
    areas = list(areas)
    levels = sorted(set(zooms))
    kept: list[Tile] = []
    total = 0
    # Keeping the lowest levels that fit is dropping the highest first; levels past the first
    # that overflows are not even measured (a team's communes at zoom 18 are many lookups).
    for index, z in enumerate(levels):
        level = _level(areas, z, size_of)
        level_size = sum(size for _, size in level)
        if total + level_size > budget:
            return Selection(tuple(kept), total, budget, tuple(levels[:index]), tuple(levels[index:]))
        kept += [tile for tile, _ in level]
        total += level_size
    return Selection(tuple(kept), total, budget, tuple(levels), ())


def _level(areas: list[Bounds], z: int, size_of: Callable[[int, int, int], int | None]) -> list[tuple[Tile, int]]:
    seen: dict[Tile, int] = {}
    for area in areas:
        for tile in tiles_in(area, z):
            if tile not in seen:
                size = size_of(*tile)
                if size is not None:
                    seen[tile] = size
    return list(seen.items())
