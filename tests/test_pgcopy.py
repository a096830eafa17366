"""PostgreSQL's binary COPY stream (diagnostics.pgcopy), read by a real server: every type the
bulk writer sends comes back as it was given, NULLs and edge values included, and a value the
column cannot hold is refused rather than written otherwise."""

from __future__ import annotations

import datetime as dt

import psycopg
import pyarrow as pa
import pytest
import shapely
from sqlalchemy.engine import make_url

from diagnostics import pgcopy

pytestmark = pytest.mark.parametrize("backend", ["postgis"], indirect=True)

COLUMNS = {
    "small": "smallint",
    "whole": "integer",
    "big": "bigint",
    "single": "real",
    "number": "double precision",
    "flag": "boolean",
    "day": "date",
    "moment": "timestamp",
    "words": "text",
    "label": "varchar(20)",
    "shape": "geometry(GEOMETRY, 4326)",
}
SHAPES = [
    shapely.Point(6.15, 47.62),
    None,
    shapely.LineString([(5.59, 47.44), (5.6, 47.45)]),
    shapely.Polygon([(5.5, 46.6), (5.6, 46.6), (5.6, 46.7), (5.5, 46.6)]),
]
VALUES = {
    "small": [1, None, -32768, 32767],
    "whole": [0, -1, None, 2_147_483_647],
    "big": [None, 2**40, -(2**62), 7],
    "single": [0.5, None, -1.25, 3.0],
    "number": [6.1502837461, -0.0, None, 1e300],
    "flag": [True, False, None, True],
    "day": [dt.date(2026, 12, 4), dt.date(1999, 12, 31), dt.date(2000, 1, 1), None],
    "moment": [dt.datetime(2026, 12, 4, 18, 5, 1, 123456), None, dt.datetime(1970, 1, 1), dt.datetime(2000, 1, 1)],
    "words": ["Candélabres éteints « rue de l'Île »", "", None, 'a;b,"c"\n\\N'],
    "label": ["nouvelle", None, "traitée", ""],
}


@pytest.fixture
def connection(empty_database_url):
    url = make_url(empty_database_url)
    with psycopg.connect(host=url.host, port=url.port, user=url.username, dbname=url.database) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        definitions = ", ".join(f"{name} {kind}" for name, kind in COLUMNS.items())
        connection.execute(f"CREATE TABLE sample (id serial PRIMARY KEY, {definitions})")
        connection.commit()
        yield connection


def _table(values: dict) -> pa.Table:
    arrays = {
        "small": pa.array(values["small"], type=pa.int64()),
        "whole": pa.array(values["whole"], type=pa.int64()),
        "big": pa.array(values["big"], type=pa.int64()),
        "single": pa.array(values["single"], type=pa.float64()),
        "number": pa.array(values["number"], type=pa.float64()),
        "flag": pa.array(values["flag"], type=pa.bool_()),
        "day": pa.array(values["day"], type=pa.date32()),
        "moment": pa.array(values["moment"], type=pa.timestamp("us")),
        "words": pa.array(values["words"], type=pa.string()),
        "label": pa.array(values["label"], type=pa.string()),
        "shape": pa.array(
            [None if s is None else shapely.to_wkb(shapely.set_srid(s, 4326), include_srid=True) for s in SHAPES],
            type=pa.binary(),
        ),
    }
    return pa.table({name: arrays[name] for name in values} | {"shape": arrays["shape"]})


def _copy(connection, table: pa.Table, block: int = 100_000) -> None:
    with connection.cursor() as cursor:
        types = pgcopy.column_types(cursor, "sample")
        with cursor.copy(f"COPY sample ({', '.join(table.column_names)}) FROM STDIN (FORMAT binary)") as copy:
            for piece in pgcopy.encode(table, types, block):
                copy.write(piece)


@pytest.mark.parametrize("block", [100_000, 3, 1])
def test_every_type_comes_back_as_it_was_given(connection, block):
    _copy(connection, _table(VALUES), block)
    names = [*VALUES]
    rows = connection.execute(
        f"SELECT {', '.join(names)}, ST_AsBinary(shape), ST_SRID(shape) FROM sample ORDER BY id"
    ).fetchall()
    assert len(rows) == len(SHAPES)
    for position, row in enumerate(rows):
        expected = [VALUES[name][position] for name in names]
        assert list(row[: len(names)]) == expected
        shape = SHAPES[position]
        if shape is None:
            assert row[-2:] == (None, None)
        else:
            assert shapely.from_wkb(bytes(row[-2])).equals_exact(shape, 0)
            assert row[-1] == 4326


def test_a_slice_of_a_larger_table_writes_its_own_rows(connection):
    table = _table(VALUES).slice(1, 2)
    _copy(connection, table)
    assert connection.execute("SELECT whole, words FROM sample ORDER BY id").fetchall() == [(-1, ""), (None, None)]


def test_a_number_too_large_for_its_column_is_refused_not_wrapped(connection):
    values = VALUES | {"whole": [0, 2**31, 1, 2]}
    with pytest.raises(pa.ArrowInvalid):
        _copy(connection, _table(values))
    connection.rollback()
    assert connection.execute("SELECT count(*) FROM sample").fetchone()[0] == 0


def test_a_column_of_an_unknown_type_is_refused_before_anything_is_sent(connection):
    connection.execute("ALTER TABLE sample ADD COLUMN extra jsonb")
    table = _table(VALUES).append_column("extra", pa.array(["{}"] * len(SHAPES)))
    with pytest.raises(TypeError, match="extra"):
        _copy(connection, table)
