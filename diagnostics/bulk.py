"""Fast writer for many observations at once: `COPY` (binary, see `pgcopy`) on PostGIS, one
prepared statement on SpatiaLite.

The caller gives the observations column by column (`{name: values}`, a value alone meaning the
same for every row) and their drawing points (longitude, latitude, WGS84); without `geometries`
the geometry is that point, else each row's shapely geometry. The rows go through the session's
own connection, so they belong to the caller's transaction: a failure anywhere leaves nothing
behind. What the ORM would have done beside the rows is done here too: the geometry carries its
SRID, the observations' data version is bumped, and the spatial index is valid afterwards (on
SpatiaLite the R*Tree is filled in one statement after the rows, SpatiaLite's per-row triggers
being set aside meanwhile; on PostGIS the statistics are refreshed with ANALYZE so that the box
query keeps its plan).

A load at least as large as the table it goes into (and of `REBUILD_AT` rows or more) drops the
table's secondary indexes and builds them again after the rows, in the same transaction: sorting
once is several times cheaper than inserting a million keys in random order into each B-tree
(on PostGIS the table is locked meanwhile; such loads are the initial ones).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import struct
from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa
import shapely
from sqlalchemy import Boolean, Date, DateTime, Float, Integer
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from diagnostics import dataversion, pgcopy
from diagnostics.models import SRID, Observation

TABLE = "observations"
REBUILD_AT = 50_000  # rows: below, the indexes are kept up row by row
_BLOCK = 100_000  # rows per block written to the COPY stream
_LOAD_CACHE_KIB = 512 * 1024  # SQLite page cache during a load (grown on demand, then given back)
# PostgreSQL's memory for each index's sort during a load's CREATE INDEX, shared by the parallel
# workers: 1,000,000 observations' eleven indexes in 8.8 s instead of 10.5-10.8 s with 256 MB.
_INDEX_MEMORY = "1GB"
_SORT_THREADS = 2  # SQLite's helper threads for sorting during a load's CREATE INDEX
_OBSERVATIONS = Observation.__table__


def write_observations(
    session: Session,
    columns: Mapping[str, object],
    lon: Sequence[float],
    lat: Sequence[float],
    *,
    geometries: Sequence | None = None,
) -> int:
    """Insert the observations given by `columns` (and `lon`, `lat`, `geometries`); return how many."""
    connection = session.connection()
    dataversion.bump_all_observations(session)  # first: it opens the transaction if needed
    count = len(lon)
    if not count:
        return 0
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    values = {name: _broadcast(value, count) for name, value in columns.items()}
    with _as_sqlalchemy_errors(connection):
        if connection.dialect.name == "sqlite":
            _write_spatialite(connection, values, lon, lat, geometries)
        else:
            _write_postgis(connection, values, lon, lat, geometries)
    return count


@contextlib.contextmanager
def _as_sqlalchemy_errors(connection):
    """The driver's errors as SQLAlchemy's (IntegrityError, OperationalError…), as the ORM path
    raises them: callers tell a duplicate or a busy database apart the same way."""
    driver_error = connection.dialect.loaded_dbapi.Error
    try:
        yield
    except driver_error as exc:
        raise DBAPIError.instance(None, None, exc, driver_error, dialect=connection.dialect) from exc


def write_rows(session: Session, table, columns: Mapping[str, object], count: int) -> int:
    """Insert `count` plain rows (no geometry) into `table` (a SQLAlchemy Table) the same way:
    one COPY on PostGIS, one prepared statement on SpatiaLite. The caller bumps data versions."""
    connection = session.connection()
    if not count:
        return 0
    values = {name: _broadcast(value, count) for name, value in columns.items()}
    cursor = connection.connection.driver_connection.cursor()
    try:
        with _as_sqlalchemy_errors(connection):
            if connection.dialect.name == "sqlite":
                marks = ", ".join("?" for _ in values)
                streams = [_sqlite_values(connection.dialect, table, name, value) for name, value in values.items()]
                statement = f"INSERT INTO {table.name} ({', '.join(values)}) VALUES ({marks})"
                with _sqlite_load_settings(cursor), _set_aside_sqlite(cursor, table.name, count):
                    cursor.executemany(statement, zip(*streams, strict=True))
            else:
                arrays = pa.table({name: _arrow(table, name, v) for name, v in values.items()})
                with _set_aside_postgis(cursor, table.name, count):
                    _copy(cursor, table.name, arrays)
    finally:
        cursor.close()
    return count


def _copy(cursor, name: str, table: pa.Table) -> None:
    types = pgcopy.column_types(cursor, name)
    with cursor.copy(f"COPY {name} ({', '.join(table.column_names)}) FROM STDIN (FORMAT binary)") as copy:
        for piece in pgcopy.encode(table, types, _BLOCK):
            copy.write(piece)


def spatial_order(lon, lat, bits: int = 16) -> np.ndarray:
    """The permutation that puts points in Hilbert-curve order over their bounds: rows written in
    that order sit, a town's together, on few pages (a box query reads fewer of them)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if len(lon) < 2:
        return np.arange(len(lon))
    side = 1 << bits
    x, y = (_cells(values, side) for values in (lon, lat))
    distance = np.zeros(len(x), dtype=np.int64)
    step = side >> 1
    while step:
        rx, ry = (x & step) > 0, (y & step) > 0
        distance += step * step * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        turn = ~ry
        flip = turn & rx
        x, y = np.where(flip, side - 1 - x, x), np.where(flip, side - 1 - y, y)
        x, y = np.where(turn, y, x), np.where(turn, x, y)
        step >>= 1
    return np.argsort(distance, kind="stable")


def _cells(values: np.ndarray, side: int) -> np.ndarray:
    low, span = values.min(), float(np.ptp(values)) or 1.0
    return np.minimum(((values - low) / span * side).astype(np.int64), side - 1)


def _broadcast(value, count: int):
    if isinstance(value, np.ndarray | list | tuple):
        if len(value) != count:
            raise ValueError(f"{len(value)} values for {count} rows")
        return value
    return _Same(value, count)


class _Same:
    """One value for every row."""

    def __init__(self, value, count: int):
        self.value, self.count = value, count


def _rebuild(cursor, count: int, table: str = TABLE) -> bool:
    if count < REBUILD_AT:
        return False
    return count >= cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# SpatiaLite


def _write_spatialite(connection, values: dict, lon, lat, geometries) -> None:
    names = [*values, "lon", "lat", "geom"]
    lon_at, lat_at = len(values) + 1, len(values) + 2
    marks = ", ".join(f"?{i}" for i in range(1, lat_at + 1))
    if geometries is None:  # the point made from the same two parameters as lon/lat
        geometry = f"MakePoint(?{lon_at}, ?{lat_at}, {SRID})"
        box = "lon, lon, lat, lat"
    else:
        geometry = f"GeomFromWKB(?{lat_at + 1}, {SRID})"
        box = "MbrMinX(geom), MbrMaxX(geom), MbrMinY(geom), MbrMaxY(geom)"
    statement = f"INSERT INTO {TABLE} ({', '.join(names)}) VALUES ({marks}, {geometry})"
    dialect = connection.dialect
    streams = [_sqlite_values(dialect, _OBSERVATIONS, name, column) for name, column in values.items()]
    streams += [lon.tolist(), lat.tolist()]
    if geometries is not None:
        streams.append(shapely.to_wkb(np.asarray(geometries, dtype=object)).tolist())
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
        with _sqlite_load_settings(cursor), _set_aside_sqlite(cursor, TABLE, len(lon)):
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            cursor.executemany(statement, zip(*streams, strict=True))
            cursor.execute(
                f"INSERT INTO idx_{TABLE}_geom (pkid, xmin, xmax, ymin, ymax) "
                f"SELECT id, {box} FROM {TABLE} WHERE id > ?",
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


@contextlib.contextmanager
def _sqlite_load_settings(cursor):
    """A large page cache during a load (grown on demand, then given back), and two threads for
    the sorts of CREATE INDEX (PRAGMA threads: about a third faster for the big indexes here)."""
    cache = cursor.execute("PRAGMA cache_size").fetchone()[0]
    threads = cursor.execute("PRAGMA threads").fetchone()[0]
    cursor.execute(f"PRAGMA cache_size = -{_LOAD_CACHE_KIB}")
    cursor.execute(f"PRAGMA threads = {_SORT_THREADS}")
    try:
        yield
    finally:
        cursor.execute(f"PRAGMA cache_size = {cache}")
        cursor.execute(f"PRAGMA threads = {threads}")


@contextlib.contextmanager
def _set_aside_sqlite(cursor, table: str, count: int):
    """For a load at least as large as `table` (`_rebuild`): its secondary indexes dropped during
    the block and built again after it (a failure rolls the DDL back with the rows)."""
    indexes = []
    if _rebuild(cursor, count, table):
        indexes = cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
            (table,),
        ).fetchall()
    if indexes and not cursor.connection.in_transaction:
        cursor.execute("BEGIN")  # the driver opens none before DDL: the caller's transaction starts here
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _, sql in indexes:
        cursor.execute(sql)


def _sqlite_values(dialect, table, name: str, column):
    """A column's values as SQLAlchemy stores them on SQLite (dates and times as its text),
    each distinct value converted once (a load has few: its dates and one « now »)."""
    kind = table.c[name].type
    process = kind.dialect_impl(dialect).bind_processor(dialect) if isinstance(kind, Date | DateTime) else None
    if isinstance(column, _Same):
        value = process(column.value) if process and column.value is not None else column.value
        return itertools.repeat(value, column.count)
    plain = column.tolist() if isinstance(column, np.ndarray) else list(column)
    if process is None:
        return plain
    convert = functools.cache(lambda value: None if value is None else process(value))
    return [convert(value) for value in plain]


# PostGIS


def _write_postgis(connection, values: dict, lon, lat, geometries) -> None:
    count = len(lon)
    if geometries is None:
        ewkb = _ewkb_points(lon, lat)
    else:
        geometries = shapely.set_srid(np.asarray(geometries, dtype=object), SRID)
        ewkb = pa.array(shapely.to_wkb(geometries, include_srid=True), type=pa.binary())
    arrays = {name: _arrow(_OBSERVATIONS, name, column) for name, column in values.items()}
    arrays |= {"lon": pa.array(lon), "lat": pa.array(lat), "geom": ewkb}
    table = pa.table(arrays)
    cursor = connection.connection.driver_connection.cursor()
    try:
        with _set_aside_postgis(cursor, TABLE, count):
            _copy(cursor, TABLE, table)
        cursor.execute(f"ANALYZE {TABLE}")
    finally:
        cursor.close()


@contextlib.contextmanager
def _set_aside_postgis(cursor, table: str, count: int):
    """For a load at least as large as `table` (`_rebuild`): its secondary indexes and foreign
    keys dropped during the block, then built again and checked once, in the same transaction.
    A foreign key checks each row by a lookup with a row lock (most of a COPY's time); checked
    again after the rows, it is one join."""
    indexes = []
    if _rebuild(cursor, count, table):
        indexes = cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND i.tablename = %s AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
            "WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
            (table, table),
        ).fetchall()
    keys = _foreign_keys(cursor, table) if indexes else []
    for name, _ in keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    if indexes:
        cursor.execute(f"SET LOCAL maintenance_work_mem = '{_INDEX_MEMORY}'")
        for _, sql in indexes:
            cursor.execute(sql)
        for name, definition in keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


_EWKB_HEADER = np.frombuffer(struct.pack("<BII", 1, 0x20000001, SRID), dtype=np.uint8)  # point with SRID


def _ewkb_points(lon: np.ndarray, lat: np.ndarray) -> pa.Array:
    """Each point's extended WKB (little-endian, with its SRID), built for all rows at once, as
    one Arrow binary array over one buffer."""
    count = len(lon)
    raw = np.empty((count, 25), dtype=np.uint8)
    raw[:, :9] = _EWKB_HEADER
    raw[:, 9:17] = lon.astype("<f8").view(np.uint8).reshape(count, 8)
    raw[:, 17:] = lat.astype("<f8").view(np.uint8).reshape(count, 8)
    offsets = pa.py_buffer(np.arange(0, 25 * (count + 1), 25, dtype=np.int64))
    return pa.Array.from_buffers(pa.large_binary(), count, [None, offsets, pa.py_buffer(raw)])


def _foreign_keys(cursor, table: str) -> list[tuple[str, str]]:
    return cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
        "AND contype = 'f' ORDER BY conname",
        (table,),
    ).fetchall()


_ARROW_TYPES = ((Boolean, pa.bool_()), (Integer, pa.int64()), (Float, pa.float64()))


def _arrow(table, name: str, column) -> pa.Array:
    kind = table.c[name].type
    if isinstance(kind, DateTime):
        arrow_type = pa.timestamp("us")
    elif isinstance(kind, Date):
        arrow_type = pa.date32()
    else:
        arrow_type = next((t for k, t in _ARROW_TYPES if isinstance(kind, k)), pa.string())
    if isinstance(column, _Same):
        if column.value is None:
            return pa.nulls(column.count, type=arrow_type)
        return pa.repeat(pa.scalar(_plain(column.value), type=arrow_type), column.count)
    return pa.array(column, type=arrow_type, from_pandas=True)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
