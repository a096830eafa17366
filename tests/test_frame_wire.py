"""The parsing child's answer: one Arrow IPC stream that gives the parent the frame the readers
made (text as str objects, numbers and booleans with their blanks, any shape), and nothing the
parent accepts but such a stream."""

from __future__ import annotations

import io
import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from shapely.geometry import LineString, Point, Polygon

from diagnostics.errors import DiagnosticsError
from diagnostics.io import files, frame_wire, isolation

CRASHED = "arrêté brutalement"


def wire(frame, notes=()):
    out = io.BytesIO()
    frame_wire.write(frame_wire.encode(frame, list(notes)), out)
    return out.getvalue()


def mixed_frame(shapes):
    return gpd.GeoDataFrame(
        {
            "nom": ["Église", None, "Gare"],
            "arrow": pd.array(["a", None, "c"], dtype="str"),
            "entier": [1, 2, 3],
            "entier vide": [1, None, 3],
            "réel": [1.5, float("nan"), -0.0],
            "booléen": [True, False, True],
            "booléen vide": [True, None, False],
            "date": pd.to_datetime(["2026-12-01 08:30", None, "2026-01-05 00:00"]),
            "mêlé": [1, "deux", 3.5],
            "vide": [None, None, None],
        },
        geometry=shapes,
        crs=2154,
    )


@pytest.mark.parametrize(
    "shapes",
    [
        [Point(5.59, 47.44), None, Point(6.0, 47.0)],
        [LineString([(0, 0), (1, 1)]), Polygon([(0, 0), (1, 0), (1, 1)]), None],
        [Point(0, 0, 5), Point(1, 1, 2), Point(2, 2, 3)],
    ],
    ids=["points", "lines and polygons", "3D points"],
)
def test_a_frame_comes_back_as_the_json_lines_gave_it(shapes):
    frame, notes = frame_wire.decode(wire(mixed_frame(shapes), ["Lu en UTF-8."]))
    assert notes == ["Lu en UTF-8."]
    assert list(frame.columns) == [*mixed_frame(shapes).columns.drop("geometry"), "geometry"]
    assert list(frame["nom"]) == ["Église", None, "Gare"] and frame["nom"].dtype == object
    assert list(frame["arrow"]) == ["a", None, "c"] and frame["arrow"].dtype == object
    assert frame["entier"].dtype == np.int64 and list(frame["entier"]) == [1, 2, 3]
    assert frame["entier vide"].dtype == np.float64 and math.isnan(frame["entier vide"][1])
    assert frame["réel"][0] == 1.5 and math.isnan(frame["réel"][1])
    assert frame["booléen"].dtype == bool
    assert list(frame["booléen vide"]) == [True, None, False]
    assert list(frame["date"]) == ["2026-12-01T08:30:00", None, "2026-01-05T00:00:00"]
    assert list(frame["mêlé"]) == [1, "deux", 3.5]
    assert list(frame["vide"]) == [None, None, None]
    assert frame.crs.to_epsg() == 2154
    expected = [None if s is None else s.wkt for s in shapes]
    assert [None if s is None else s.wkt for s in frame.geometry] == expected
    assert frame.geometry.has_z.tolist() == [s is not None and s.has_z for s in shapes]


def test_duplicate_names_and_a_workbooks_sheets_survive():
    frame = gpd.GeoDataFrame([[1, 2]], columns=["a", "a"], geometry=[Point(0, 0)])
    frame.attrs["sheets"] = ["Feuil1", "Relevés"]
    back, _notes = frame_wire.decode(wire(frame))
    assert list(back.columns) == ["a", "a", "geometry"] and back.crs is None
    assert back.attrs["sheets"] == ["Feuil1", "Relevés"]


def test_the_real_child_answers_in_arrow(tmp_path, monkeypatch):
    path = tmp_path / "releves.csv"
    rows = ["categorie;gravite;date;latitude;longitude;note"]
    rows += [f"autre;{i % 3 + 1};2026-01-05;47.44;5.{i:03d};{'' if i % 2 else 'vu'}" for i in range(500)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    frame, notes = isolation.read_isolated(path, "csv", {})
    here, here_notes = files.read_with_notes(path, "csv")  # the same reader, in this process
    assert notes == here_notes and len(frame) == 500 and frame["note"].dtype == object
    assert frame["note"][0] == "vu" and isinstance(frame["note"][1], str)
    pd.testing.assert_frame_equal(
        pd.DataFrame(frame.drop(columns="geometry")),
        pd.DataFrame(here.drop(columns="geometry").astype(object)),
        check_dtype=False,
    )
    assert frame.geometry.geom_equals(here.geometry).all()


def forged(table, head=None):
    if head is not None:
        table = table.replace_schema_metadata({b"psq-head": json.dumps(head).encode()})
    out = io.BytesIO()
    with pa.ipc.new_stream(out, table.schema) as writer:
        writer.write_table(table)
    return out.getvalue()


GOOD = frame_wire.encode(gpd.GeoDataFrame({"nom": ["A", "B"]}, geometry=[Point(0, 0), Point(1, 1)]), [])
HEAD = json.loads(GOOD.schema.metadata[b"psq-head"])


@pytest.mark.parametrize(
    "answer",
    [
        b"",
        b"not arrow at all",
        wire(gpd.GeoDataFrame({"nom": ["A"]}, geometry=[Point(0, 0)]))[:-40],  # cut short
        forged(GOOD.replace_schema_metadata({})),  # no head
        forged(GOOD, {**HEAD, "rows": 3}),
        forged(GOOD, {**HEAD, "columns": ["nom", "autre"]}),
        forged(GOOD, {**HEAD, "shapes": "wkb"}),
        forged(GOOD, {**HEAD, "json": [5]}),
        forged(pa.table({"c0": pa.array([[1], [2]]), "x": [0.0, 1.0], "y": [0.0, 1.0]}), HEAD),  # a list column
        forged(pa.table({"c0": ["A", "B"], "wkb": pa.array([b"\x01\x02", b"x"])}), {**HEAD, "shapes": "wkb"}),
        forged(pa.table({"c0": ["A", "B"], "x": [0.0, None], "y": [0.0, 1.0]}), HEAD),
    ],
    ids=[
        "empty",
        "not arrow",
        "truncated",
        "no head",
        "more rows said",
        "more columns said",
        "other shapes said",
        "json flag out of range",
        "list column",
        "bad wkb",
        "null coordinate",
    ],
)
def test_an_answer_that_is_not_what_the_child_writes_is_refused_in_french(answer):
    with pytest.raises(DiagnosticsError, match=CRASHED):
        frame_wire.decode(answer)


def test_invalid_utf8_in_a_text_buffer_is_refused():
    raw = pa.Array.from_buffers(
        pa.string(), 1, [None, pa.py_buffer(np.array([0, 2], "<i4")), pa.py_buffer(b"\xff\xfe")]
    )
    table = pa.table({"c0": raw, "x": [0.0], "y": [0.0]})
    with pytest.raises(DiagnosticsError, match=CRASHED):
        frame_wire.decode(forged(table, {**HEAD, "rows": 1}))
