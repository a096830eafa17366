"""Coordinate reference systems, named once.

Everything is stored in WGS84 (longitude, latitude); maps and snapshots for print are drawn in
Lambert-93, the French official projection, whose metres make scale bars and areas exact.
"""

from __future__ import annotations

WGS84 = "EPSG:4326"
WGS84_SRID = 4326
LAMBERT_93 = "EPSG:2154"
