"""The map's points in a box, read from one covering index (issue 20, migration 0023).

A 10 km town box over 1,000,000 observations holds some 60,000 rows. Found by the R*Tree (or
the GiST), each was then read from the table to test the scope and the filters: 4-9 times a
scan's cost per row, so the box was only 4-9 times faster than a scan of the whole table.
ix_observations_points holds, per strip of latitude, gravité and longitude, every column the
map's points query reads and tests: the box reads a range of it per strip and gravité, and
nothing else (the gravités not chosen are not read: migration 0024).
"""

from __future__ import annotations

import math

from sqlalchemy import and_

from diagnostics import taxonomy
from diagnostics.models import POINT_STRIPS_PER_DEGREE, Observation, point_strip


def point_driven(criteria) -> bool:
    """Both boxes, the drawing point's inside the geometry's: a point inside it has its geometry
    (which holds the point) meet the other, so the point's box alone is tested, on its index."""
    if criteria.point_box is None or criteria.bbox is None:
        return False
    (west, south, east, north), (w, s, e, n) = criteria.point_box, criteria.bbox
    return w <= west and s <= south and east <= e and north <= n


MAX_STRIPS = 64  # beyond, the strips are one range (each read whole: the longitudes are a filter)


def points_in_box(box: tuple[float, float, float, float], severities: tuple[int, ...] = ()):
    """SQL: the stored drawing point inside `box`, of one of `severities` (all when empty), in
    the terms of ix_observations_points (one range of longitudes per strip of latitude the box
    meets and gravité), so that the rows are read from that index alone. Every writer stores the
    point (models' listener, bulk, migrations 0003 and 0023); a test for a missing one (OR)
    would have each row read from the table again. No gravité chosen names them all (the
    table's check: 1 to 4), so that the longitudes still bound each range."""
    west, south, east, north = (float(value) for value in box)
    strip = point_strip(Observation.lat)
    # Whether the database truncates or rounds, a latitude's strip lies between these.
    first, last = math.floor(south * POINT_STRIPS_PER_DEGREE), math.ceil(north * POINT_STRIPS_PER_DEGREE)
    strips = strip.in_(range(first, last + 1)) if last - first < MAX_STRIPS else strip.between(first, last)
    grades = Observation.severity.in_(sorted(severities or taxonomy.SEVERITIES))
    return and_(strips, grades, Observation.lon.between(west, east), Observation.lat.between(south, north))
