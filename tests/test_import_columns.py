"""The import preview checks a file column by column (services/imports/columns.py): the same
messages, row numbers and order within a row as the row-by-row checks it replaced, whatever the
file's size."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from diagnostics.services import imports
from diagnostics.services.imports import columns, rows, shapes
from diagnostics.services.imports.specs import SPECS
from tests.conftest import ADMIN_ACTOR

TODAY = dt.date(2026, 11, 30)
HEADER = "categorie;gravite;date;latitude;longitude;constat;statut;identifiant_de_soumission;partenaire"
# One row per kind of problem an observation can have, and the report the row-by-row checks gave
# for it (captured from them before they were replaced).
ROWS = [
    ("eclairage;1;15/09/2026;47,4452;5,5925;ok;;k1;Mairie", []),
    (";2;2026-09-16;47.4450;5.5922;;nouvelle;k2;", ["Catégorie manquant(e)"]),
    ("Tags;;2026-09-16;47.4450;5.5922;;Transmise;k3;", ["Gravité manquant(e)"]),
    (
        "pas une catégorie;9;32/13/2026;47.4450;5.5922;;bizarre;k5;",
        [
            "catégorie « pas une catégorie » inconnue",
            "gravité « 9 » invalide : 1 (faible) à 4 (critique) attendu",
            "date « 32/13/2026 » illisible (AAAA-MM-JJ ou JJ/MM/AAAA attendu)",
            "statut « bizarre » inconnu",
        ],
    ),
    ("autre;Critique;2027-01-01;47.4450;5.5922;;;k6;", ["date 01/01/2027 dans le futur"]),
    ("autre;faible;1999-12-31;47.4450;5.5922;;;k7;", ["date 31/12/1999 antérieure à 2000"]),
    (
        "autre;2;2026-01-01;47.4450;5.5922;" + "x" * 5001 + ";;k8;",
        ["Description trop long (5001 caractères, 5000 au plus)"],
    ),
    ("autre;2;2026-01-01;;;;;k9;", ["géométrie absente ou illisible"]),
    (
        "autre;2;2026-01-01;5.5922;47.4450;;;k10;",
        [
            "latitude (5.59220) et longitude (47.44500) semblent inversées : échangez les deux colonnes (en "
            "Haute-Saône et dans le Jura, la latitude vaut environ 46 à 48, la longitude 5 à 7)"
        ],
    ),
    (
        "autre;2;2026-01-01;95;5.5;;;k11;",
        [
            "coordonnées impossibles (longitude 5.5, latitude 95) : en degrés, la latitude va de -90 à 90 et la "
            "longitude de -180 à 180 ; vérifiez ces colonnes"
        ],
    ),
    (
        "autre;2;2026-01-01;6708100;893950;;;k12;",
        [
            "coordonnées en mètres (893950, 6708100) alors que le fichier annonce des degrés (WGS84) : "
            "choisissez le système Lambert-93 (EPSG:2154)"
        ],
    ),
    (
        "autre;2;2026-01-01;48.8566;2.3522;;;k13;",
        ["position hors de la Haute-Saône et du Jura (latitude 48.85660, longitude 2.35220)"],
    ),
    (
        "autre;2;2026-01-01;47.2380;6.0240;;;k14;",
        ["position hors des communes couvertes (latitude 47.23800, longitude 6.02400)"],
    ),
    ("Vidéoprotection;2,0;2026-01-01T10:00;47.6231;6.1558;;;;", []),
    ("'=cmd;2;01.02.2026;47.6231;6.1558;;;k15;", ["catégorie « =cmd » inconnue"]),
    (
        "   ;  ;  ;;;  ;;  ;",
        ["Catégorie manquant(e)", "Gravité manquant(e)", "Date manquant(e)", "géométrie absente ou illisible"],
    ),
    (
        "stationnement;4.0;2026/02/03;47,6231;6,1558;;classée;k16;" + "p" * 300,
        ["Partenaire trop long (300 caractères, 120 au plus)"],
    ),
]


def _write(tmp_path, lines: list[str], name: str = "constats.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def _issues(preview) -> list[tuple[int, str]]:
    return [(issue.row, issue.message) for issue in preview.issues]


def test_every_kind_of_problem_is_told_as_the_row_by_row_checks_told_it(db, tmp_path):
    path = _write(tmp_path, [line for line, _ in ROWS])
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path, today=TODAY)
    expected = [(number, message) for number, (_, messages) in enumerate(ROWS, start=2) for message in messages]
    assert _issues(preview) == expected
    assert list(preview.frame["statut"]) == [imports.REJECTED if m else imports.VALID for _, m in ROWS]
    assert preview.frame["commune_insee"].iloc[0] == "70279" and preview.frame["category"].iloc[13] == "videoprotection"


def test_a_large_file_tells_each_copy_of_its_rows_as_the_small_one(db, tmp_path):
    lines = [line for line, _ in ROWS]
    small = imports.preview_import(db, ADMIN_ACTOR, "observations", _write(tmp_path, lines), today=TODAY)
    copies = 400  # 6,800 rows
    numbered = [line.replace(";k", f";c{copy}-k") for copy in range(copies) for line in lines]
    large = imports.preview_import(
        db, ADMIN_ACTOR, "observations", _write(tmp_path, numbered, "large.csv"), today=TODAY
    )
    shifted = [(row + copy * len(lines), message) for copy in range(copies) for row, message in _issues(small)]
    assert _issues(large) == shifted
    assert list(large.frame["statut"]) == list(small.frame["statut"]) * copies
    kept = ["category", "severity", "observed_on", "status", "description", "commune_insee"]
    repeated = pd.concat([small.frame[kept]] * copies, ignore_index=True)
    pd.testing.assert_frame_equal(large.frame[kept], repeated)


def test_rows_without_a_submission_id_are_each_added(db, tmp_path):
    lines = ["autre;2;2026-01-01;47.6231;6.1558;;;;", "autre;2;2026-01-02;47.6231;6.1558;;;k1;"] * 3
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", _write(tmp_path, lines), today=TODAY)
    assert list(preview.frame["action"]) == ["ajout", "ajout", "ajout", "inchangé", "ajout", "inchangé"]
    assert _issues(preview) == [
        (5, "même identifiant de soumission qu'à la ligne 3 : importée une seule fois"),
        (7, "même identifiant de soumission qu'à la ligne 3 : importée une seule fois"),
    ]


def test_problems_are_told_by_row_then_stage_then_as_found():
    problems = columns.Problems(4)
    problems.add(np.array([3, 1]), 2, "erreur", "c")
    problems.add_row(1, 0, [("réparé", "a"), ("erreur", "b")])
    problems.add(np.array([1]), 0, "avertissement", "a2")
    problems.add_row(0, 5, [("réparé", "z")])
    told = problems.issues(10, "ligne", rows.RowIssue)
    assert [(i.row, i.message) for i in told] == [(10, "z"), (11, "a"), (11, "b"), (11, "a2"), (11, "c"), (13, "c")]
    assert list(problems.statuses("v", "f", "r")) == ["f", "r", "v", "r"]


def test_distinct_values_are_parsed_once_and_their_rows_found():
    calls = []

    def parse(value, found):
        calls.append(value)
        if value.startswith("?"):
            found.append(("erreur", f"bad {value}"))
        return value.upper()

    values = np.array(["a", "?x", None, "a", "?y", "?x"], dtype=object)
    parsed, found = columns.parsed(values, parse)
    assert list(parsed) == ["A", "?X", None, "A", "?Y", "?X"] and sorted(calls) == ["?x", "?y", "a"]
    assert [(list(rows), problems) for rows, problems in found] == [
        ([1, 5], [("erreur", "bad ?x")]),
        ([4], [("erreur", "bad ?y")]),
    ]
    typed, _ = columns.parsed(np.array([1, True, 1.0, None], dtype=object), lambda v, p: type(v).__name__)
    assert list(typed) == ["int", "bool", "float", None]  # 1, True and 1.0 apart, as the matchers see them


@pytest.mark.parametrize(
    ("column", "expected"),
    [
        (pd.Series(["  a ", "", "\u00a0", "b"]), ["a", None, None, "b"]),
        (pd.Series(["x", None, np.nan], dtype=object), ["x", None, None]),
        (pd.Series([1, 2]), [1, 2]),
        (pd.Series([1.5, np.nan]), [1.5, None]),
        (pd.Series([True, False]), [True, False]),
        (pd.Series([["a"], " b ", 3], dtype=object), [["a"], "b", 3]),
    ],
)
def test_cells_are_what_the_row_by_row_reading_gave(column, expected):
    got = columns.cells(column, rows.cell)
    assert list(got) == expected == [rows.cell(value) for value in column]
    assert all(type(a) is type(b) for a, b in zip(got, [rows.cell(value) for value in column], strict=True))


SHAPES = [
    shapely.Point(5.59, 47.44),
    shapely.Point(5.59, 47.44, 300),
    shapely.MultiPoint([(5.59, 47.44)]),
    shapely.MultiPoint([(5.59, 47.44), (5.6, 47.45)]),
    shapely.LineString([(5.59, 47.44), (5.6, 47.45)]),
    shapely.Polygon([(5.59, 47.44), (5.6, 47.45), (5.6, 47.44), (5.59, 47.45)]),  # bow-tie: repaired
    shapely.box(5.59, 47.44, 5.6, 47.45),
    shapely.MultiPolygon([shapely.box(5.59, 47.44, 5.6, 47.45)]),
    shapely.GeometryCollection([shapely.Point(5.59, 47.44)]),
    shapely.Point(),
    None,
    shapely.LineString([(5.59, 47.44), (5.59, 47.44)]),
    shapely.Point(2.35, 48.85),
    shapely.Point(47.44, 5.59),
    shapely.Point(np.inf, 47.0),
]


@pytest.mark.parametrize("layer", ["observations", "zones", "sites"])
def test_shapes_checked_at_once_are_those_checked_one_by_one(layer):
    checker = shapes.ShapeChecker(SPECS[layer], "EPSG:4326", (4.9, 45.9, 7.2, 48.1))
    raw = gpd.GeoDataFrame(geometry=gpd.GeoSeries(SHAPES), crs="EPSG:4326")
    told: dict[int, list] = {}
    checked = checker.check_all(raw, lambda row, found: told.setdefault(row, found))
    projected = checker.reprojected(raw)
    for row, source in enumerate(SHAPES):
        problems: list = []
        alone = checker.check(source, projected[row], problems)
        assert told.get(row, []) == problems, row
        assert (alone is None and checked[row] is None) or alone.equals_exact(checked[row], 0), row
        assert alone is None or alone.geom_type == checked[row].geom_type, row
