"""Fast writer for many observations at once: `COPY` on PostGIS, one prepared statement on SpatiaLite.

The caller gives the columns and an iterable of row tuples in that order, with the point as its
last two values (longitude, latitude, WGS84). The rows go through the session's own connection,
so they belong to the caller's transaction: a failure anywhere leaves nothing behind. What the
ORM would have done beside the rows is done here too: the geometry is the point with its SRID
(lon/lat are its drawing point, as the listener sets them), the observations' data version is
bumped, and the spatial index is valid afterwards (on SpatiaLite the R*Tree is filled in one
statement after the rows, SpatiaLite's per-row triggers being set aside meanwhile; on PostGIS the
GiST index is maintained by COPY and the statistics are refreshed with ANALYZE so that the box
query keeps its plan).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Date, DateTime
from sqlalchemy.orm import Session

from diagnostics import dataversion
from diagnostics.models import SRID, Observation

TABLE = "observations"
# Extended WKB of a point with an SRID, little-endian: the text form PostGIS reads fastest.
_EWKB_POINT = struct.Struct("<BIIdd")
_EWKB_POINT_WITH_SRID = 0x20000001


def write_observations(session: Session, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (values for `columns`, then lon, lat) into observations; return how many."""
    connection = session.connection()
    dataversion.bump(session, [dataversion.OBSERVATIONS])  # first: it opens the transaction if needed
    if connection.dialect.name == "sqlite":
        written = _write_spatialite(connection, columns, rows)
    else:
        written = _write_postgis(connection, columns, rows)
    return written


def _write_spatialite(connection, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    names = ", ".join([*columns, "lon", "lat", "geom"])
    # The point is made from the same two parameters as lon/lat (numbered: bound once).
    lon_at, lat_at = len(columns) + 1, len(columns) + 2
    marks = ", ".join(f"?{i}" for i in range(1, lat_at + 1))
    statement = f"INSERT INTO {TABLE} ({names}) VALUES ({marks}, MakePoint(?{lon_at}, ?{lat_at}, {SRID}))"
    counted = [0]
    cursor = connection.connection.driver_connection.cursor()
    try:
        if not cursor.connection.in_transaction:  # DDL below must not commit on its own
            raise RuntimeError("the bulk writer needs the caller's open transaction")
        # SpatiaLite's per-row triggers (type check, R*Tree, timestamps) cost most of the time:
        # they are set aside for the load, in this transaction (no other writer can come in),
        # and their work is done once for all the new rows.
        triggers = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (TABLE,)
        ).fetchall()
        last = cursor.execute(f"SELECT coalesce(max(id), 0) FROM {TABLE}").fetchone()[0]
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        cursor.executemany(statement, _stored(connection.dialect, columns, rows, counted))
        cursor.execute(
            f"INSERT INTO idx_{TABLE}_geom (pkid, xmin, xmax, ymin, ymax) "
            f"SELECT id, MbrMinX(geom), MbrMaxX(geom), MbrMinY(geom), MbrMaxY(geom) FROM {TABLE} WHERE id > ?",
            (last,),
        )
        cursor.execute(
            "UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
            "WHERE lower(f_table_name) = ? AND lower(f_geometry_column) = 'geom'",
            (TABLE,),
        )
        for _, sql in triggers:
            cursor.execute(sql)
    finally:
        cursor.close()
    return counted[0]


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


def _stored(dialect, columns: Sequence[str], rows: Iterable[tuple], counted: list[int]) -> Iterator[tuple]:
    """Rows with dates and times as SQLAlchemy stores them on SQLite (its text format), each
    distinct value converted once (a load has few: its dates and one « now »); counted[0] counts."""
    table = Observation.__table__
    converters = []
    for position, name in enumerate(columns):
        if isinstance(table.c[name].type, Date | DateTime):
            process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            converters.append((position, functools.cache(process)))
    for row in rows:
        row = list(row)
        for position, convert in converters:
            row[position] = convert(row[position])
        counted[0] += 1
        yield row
