"""A camera's field of view: the circular sector seen from its position, computed in metres
(Lambert-93) and given back in WGS84. Pure: no database.

The bearing is measured from true north, clockwise; Lambert-93's grid north differs from it by the
meridian convergence (about 1.7° at Dole), which is corrected at the camera's position.
"""

from __future__ import annotations

import math

import pyproj
import shapely
from shapely.geometry import Point, Polygon

from diagnostics.crs import LAMBERT93, WGS84

ARC_STEP_DEGREES = 5.0  # one vertex every 5° of arc: under 0.1 % of area lost at any range
_TO_L93 = pyproj.Transformer.from_crs(WGS84, LAMBERT93, always_xy=True).transform
_TO_WGS84 = pyproj.Transformer.from_crs(LAMBERT93, WGS84, always_xy=True).transform


def field_of_view(lon: float, lat: float, bearing: float, angle: float, range_m: float) -> Polygon:
    """The sector of `angle` degrees centred on `bearing` (degrees from north) and `range_m`
    metres deep, seen from (lon, lat); a disc when `angle` is 360. WGS84 polygon."""
    if range_m <= 0 or angle <= 0:
        raise ValueError("range and angle must be positive")
    x, y = _TO_L93(lon, lat)
    if angle >= 360:
        return _wgs84(Point(x, y).buffer(range_m, quad_segs=18))
    north = _grid_bearing_of_north(lon, lat, x, y)
    start = bearing + north - angle / 2
    steps = max(2, math.ceil(angle / ARC_STEP_DEGREES))
    arc = []
    for i in range(steps + 1):
        azimuth = math.radians(start + angle * i / steps)
        arc.append((x + range_m * math.sin(azimuth), y + range_m * math.cos(azimuth)))
    return _wgs84(Polygon([(x, y), *arc, (x, y)]))


def _wgs84(polygon: Polygon) -> Polygon:
    return shapely.transform(polygon, lambda x, y: _TO_WGS84(x, y), interleaved=False)


def _grid_bearing_of_north(lon: float, lat: float, x: float, y: float) -> float:
    """The angle (degrees, clockwise) from Lambert-93's grid north to true north at (lon, lat)."""
    nx, ny = _TO_L93(lon, lat + 0.001)
    return math.degrees(math.atan2(nx - x, ny - y))


def normalised_bearing(bearing: float) -> float:
    """A bearing in [0, 360)."""
    return float(bearing) % 360.0
