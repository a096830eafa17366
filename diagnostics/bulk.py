"""Fast writer for many observations at once: `COPY` on PostGIS, one prepared statement on SpatiaLite.

The caller gives the columns and an iterable of row tuples in that order, with the point as its
last two values (longitude, latitude, WGS84). The rows go through the session's own connection,
so they belong to the caller's transaction: a failure anywhere leaves nothing behind. What the
ORM would have done beside the rows is done here too: the geometry is the point with its SRID
(lon/lat are its drawing point, as the listener sets them), the observations' data version is
bumped, and the spatial index is valid afterwards (maintained row by row by SpatiaLite's
triggers; on PostGIS the GiST index is maintained by COPY and the statistics are refreshed with
ANALYZE so that the box query keeps its plan).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence

from sqlalchemy.orm import Session

from diagnostics import dataversion
from diagnostics.models import SRID

TABLE = "observations"
# Extended WKB of a point with an SRID, little-endian: the text form PostGIS reads fastest.
_EWKB_POINT = struct.Struct("<BIIdd")
_EWKB_POINT_WITH_SRID = 0x20000001


def write_observations(session: Session, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (values for `columns`, then lon, lat) into observations; return how many."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        written = _write_spatialite(connection, columns, rows)
    else:
        written = _write_postgis(connection, columns, rows)
    dataversion.bump(session, [dataversion.OBSERVATIONS])
    return written


def _write_spatialite(connection, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    names = ", ".join([*columns, "lon", "lat", "geom"])
    # The point is made from the same two parameters as lon/lat (numbered: bound once).
    lon_at, lat_at = len(columns) + 1, len(columns) + 2
    marks = ", ".join(f"?{i}" for i in range(1, lat_at + 1))
    statement = f"INSERT INTO {TABLE} ({names}) VALUES ({marks}, MakePoint(?{lon_at}, ?{lat_at}, {SRID}))"
    counted = _Counted(rows)
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.executemany(statement, counted)
    finally:
        cursor.close()
    return counted.count


def _write_postgis(connection, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    names = ", ".join([*columns, "lon", "lat", "geom"])
    counted = 0
    cursor = connection.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {TABLE} ({names}) FROM STDIN") as copy:
            for row in rows:
                lon, lat = row[-2], row[-1]
                point = _EWKB_POINT.pack(1, _EWKB_POINT_WITH_SRID, SRID, lon, lat).hex()
                copy.write_row((*row, point))
                counted += 1
        cursor.execute(f"ANALYZE {TABLE}")
    finally:
        cursor.close()
    return counted


class _Counted:
    """An iterator over rows that counts what it gave."""

    def __init__(self, rows: Iterable[tuple]) -> None:
        self.rows = iter(rows)
        self.count = 0

    def __iter__(self):
        return self

    def __next__(self) -> tuple:
        row = next(self.rows)
        self.count += 1
        return row
