"""PostgreSQL's binary COPY format (`COPY … FROM STDIN (FORMAT binary)`), made for whole Arrow
columns at once.

The server reads binary values without parsing text: about half the time of the same rows as
CSV (a million observations: 3.5 s against 6-6.7 s of the server's own time, PostGIS 3 on
PostgreSQL 15), and no CSV has to be written on this side either. Each row is its number of
fields (int16) then, per field, the length of its value (int32, -1 for NULL) and the value in
network byte order (`encode`); the rows of a block are put together by Arrow in one call
(`binary_join_element_wise` over every column's lengths and values), never row by row in Python.

A value is written as the column's type in the database (`column_types`): an int64 column
going into an `integer` is checked to fit (Arrow's safe cast) rather than sent as 8 bytes the
server would refuse. Geometries are sent as (E)WKB, which PostGIS's binary input reads.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)  # no OIDs, no header extension
TRAILER = struct.pack(">h", -1)
_NULL = struct.pack(">i", -1)
_DAYS_1970_TO_2000 = 10_957  # PostgreSQL counts dates and times from 2000-01-01
_MICROSECONDS_1970_TO_2000 = _DAYS_1970_TO_2000 * 86_400 * 1_000_000
# the database's type → (Arrow type the column is cast to, NumPy type of its value on the wire)
_FIXED = {
    "int2": (pa.int16(), ">i2"),
    "int4": (pa.int32(), ">i4"),
    "int8": (pa.int64(), ">i8"),
    "float4": (pa.float32(), ">f4"),
    "float8": (pa.float64(), ">f8"),
    "bool": (pa.uint8(), "u1"),
    "date": (pa.int32(), ">i4"),
    "timestamp": (pa.int64(), ">i8"),
}
_VARIABLE = ("text", "varchar", "bpchar", "geometry", "bytea")


def column_types(cursor, table: str) -> dict[str, str]:
    """Each column of `table` (in the current schema) with its type's name (int4, varchar…)."""
    rows = cursor.execute(
        "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        (table,),
    ).fetchall()
    return dict(rows)


def encode(table: pa.Table, types: Mapping[str, str], block: int = 100_000) -> Iterator[bytes]:
    """The COPY stream of `table`'s rows (its columns named as the database's), in pieces of
    `block` rows: the signature first, the trailer last."""
    for name in table.column_names:
        if types.get(name) not in _FIXED and types.get(name) not in _VARIABLE:
            raise TypeError(f"no binary COPY for column {name!r} of type {types.get(name)!r}")
    yield SIGNATURE
    fields = struct.pack(">h", table.num_columns)
    for start in range(0, table.num_rows, block):
        part = table.slice(start, block)
        count = part.num_rows
        parts = [_repeat(fields, count)]
        for name in part.column_names:
            parts += _field(part.column(name).combine_chunks(), types[name])
        rows = pc.binary_join_element_wise(*parts, b"", null_handling="replace", null_replacement="")
        yield _data(rows)
    yield TRAILER


def _field(values: pa.Array, kind: str) -> list[pa.Array]:
    """The lengths (with -1 for NULL) and the values (empty for NULL) of one column's cells."""
    valid = _validity(values)
    if kind in _FIXED:
        arrow_type, wire = _FIXED[kind]
        numbers = _numbers(values, kind, arrow_type)
        width = np.dtype(wire).itemsize
        raw = np.ascontiguousarray(numbers.astype(wire, copy=False)).view(np.uint8)
        data = _binary(raw, np.full(len(values), width, dtype=np.int64), valid)
        lengths = np.where(valid, width, -1).astype(">i4")
    else:
        data = values.cast(pa.binary()) if values.type != pa.binary() else values
        sizes = pc.binary_length(data).fill_null(-1).to_numpy(zero_copy_only=False)
        lengths = np.where(valid, sizes, -1).astype(">i4")
    return [_binary(lengths.view(np.uint8), np.full(len(values), 4, dtype=np.int64)), data]


def _numbers(values: pa.Array, kind: str, arrow_type: pa.DataType) -> np.ndarray:
    if kind == "date":
        days = values.cast(pa.date32()).cast(pa.int32()).fill_null(0)
        return days.to_numpy() - np.int32(_DAYS_1970_TO_2000)
    if kind == "timestamp":
        micros = values.cast(pa.timestamp("us")).cast(pa.int64()).fill_null(0)
        return micros.to_numpy() - np.int64(_MICROSECONDS_1970_TO_2000)
    return values.cast(arrow_type).fill_null(0).to_numpy()


def _validity(values: pa.Array) -> np.ndarray:
    if values.null_count == 0:
        return np.ones(len(values), dtype=bool)
    return values.is_valid().to_numpy(zero_copy_only=False)


def _binary(raw: np.ndarray, sizes: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """A binary array over the bytes `raw`, cut in pieces of `sizes` (NULL where not `valid`)."""
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    if offsets[-1] >= 2**31:
        raise ValueError("a block of more than 2 GiB: write fewer rows at a time")
    mask = None if valid is None or valid.all() else pa.array(valid).buffers()[1]
    buffers = [mask, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(raw)]
    return pa.Array.from_buffers(pa.binary(), len(sizes), buffers)


def _repeat(value: bytes, count: int) -> pa.Array:
    raw = np.tile(np.frombuffer(value, dtype=np.uint8), count)
    return _binary(raw, np.full(count, len(value), dtype=np.int64))


def _data(rows: pa.Array) -> memoryview:
    """The bytes of a binary array's values, one after the other (its data buffer's used part)."""
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    return memoryview(rows.buffers()[2])[offsets[0] : offsets[-1]]
