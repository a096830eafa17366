"""Large imports of observations go through diagnostics.bulk (COPY on PostGIS): the same rows as
the ORM path, the same checks and French messages, all or nothing, and no duplicate on retry."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from diagnostics.models import Diagnostic, Observation
from diagnostics.services import imports
from diagnostics.services.imports import commit
from tests.conftest import ADMIN_ACTOR

LARGE = 6_000  # above commit.BULK_ROWS: the bulk path without lowering its threshold


def _csv(tmp_path, count: int, name: str = "constats.csv", *, bad_row: int | None = None):
    """`count` observations around Gray and Vesoul, each with a submission id; one row with an
    unknown catégorie when `bad_row` is given."""
    rng = np.random.default_rng(count)
    lines = ["categorie;gravite;date;latitude;longitude;constat;partageable;identifiant_de_soumission"]
    places = ((47.4452, 5.5925), (47.6231, 6.1558))
    for i in range(count):
        lat, lon = places[i % 2]
        category = "pas une catégorie" if i == bad_row else ("eclairage", "Tags", "autre")[i % 3]
        lat, lon = lat + rng.normal(0, 0.002), lon + rng.normal(0, 0.002)
        day = f"2026-0{1 + i % 9}-1{i % 10}"
        lines.append(f'{category};{1 + i % 4};{day};{lat:.6f};{lon:.6f};"Vu ""{i}""";{i % 2};k-{i}')
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _imported(db) -> pd.DataFrame:
    columns = [
        Diagnostic.reference,
        Observation.commune_insee,
        Observation.observed_on,
        Observation.category,
        Observation.severity,
        Observation.status,
        Observation.description,
        Observation.shareable,
        Observation.shared_fields,
        Observation.author,
        Observation.version,
        Observation.form_token,
        Observation.lon,
        Observation.lat,
        func.ST_X(Observation.geom).label("x"),
        func.ST_SRID(Observation.geom).label("srid"),
    ]
    with db.session() as session:
        rows = session.execute(
            select(*columns).join(Diagnostic, Diagnostic.id == Observation.diagnostic_id).order_by(Observation.id)
        ).all()
    return pd.DataFrame(rows, columns=[getattr(c, "key", None) or c.name for c in columns])


def _delete_imported(db) -> None:
    with db.session() as session:
        for observation in session.scalars(select(Observation)):
            session.delete(observation)
        session.flush()
        for diagnostic in session.scalars(select(Diagnostic).where(Diagnostic.reference.like("import-%"))):
            session.delete(diagnostic)


def test_the_bulk_path_imports_the_rows_of_the_orm_path(db, team_id, tmp_path, monkeypatch):
    path = _csv(tmp_path, 300)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id).added == 300
    reference = _imported(db)
    _delete_imported(db)
    monkeypatch.setattr(commit, "BULK_ROWS", 1)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id).added == 300
    written = _imported(db)
    pd.testing.assert_frame_equal(written, reference)
    assert (written["lon"] == written["x"]).all() and set(written["srid"]) == {4326}
    assert written["shareable"].any() and (written["shareable"] == (written["shared_fields"] != "")).all()


def test_a_large_csv_is_imported_once_in_bulk(db, team_id, tmp_path):
    path = _csv(tmp_path, LARGE)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert preview.rejected == 0, preview.report()
    result = imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    assert (result.added, result.skipped) == (LARGE, 0)
    written = _imported(db)
    assert len(written) == LARGE and {"70279", "70550"} <= set(written["commune_insee"])
    assert written["form_token"].is_unique and 'Vu "0"' in set(written["description"])
    # The same file again: refused in French, nothing added.
    again = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    with pytest.raises(imports.ImportRefused, match="déjà été importé"):
        imports.commit_import(db, ADMIN_ACTOR, again, team_id=team_id)
    # A copy under another name: its submissions are known, every row « inchangé ».
    copy = tmp_path / "copie.csv"
    copy.write_bytes(path.read_bytes() + b"\n")
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", copy)
    assert preview.action_counts()[imports.UNCHANGED] == LARGE
    assert len(_imported(db)) == LARGE


def test_a_large_geojson_with_one_bad_row_writes_nothing_unless_told(db, team_id, tmp_path):
    rows = pd.read_csv(_csv(tmp_path, LARGE, bad_row=4_000), sep=";")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row.longitude, row.latitude]},
            "properties": {"categorie": row.categorie, "gravite": int(row.gravite), "date": row.date},
        }
        for row in rows.itertuples()
    ]
    path = tmp_path / "constats.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert preview.rejected == 1 and "Objet 4001" in preview.report()
    with pytest.raises(imports.ImportRefused, match="rien n'a été écrit"):
        imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    assert _imported(db).empty
    result = imports.commit_import(db, ADMIN_ACTOR, preview, keep_valid=True, team_id=team_id)
    assert (result.added, result.skipped) == (LARGE - 1, 1)
    assert len(_imported(db)) == LARGE - 1


def test_a_failure_in_the_bulk_write_leaves_no_half_import(db, team_id, tmp_path, monkeypatch):
    path = _csv(tmp_path, 50)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    monkeypatch.setattr(commit, "BULK_ROWS", 1)
    monkeypatch.setattr(commit.submissions, "tokens", lambda keys: ["import:same"] * len(keys))  # a duplicate token
    # The database refuses the second row mid-COPY; the driver's error comes out as SQLAlchemy's
    # IntegrityError, which the import tells in French (as for the ORM path).
    with pytest.raises(imports.ImportRefused, match="rien n'a été écrit"):
        imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    with db.session() as session:
        assert session.scalar(select(func.count(Diagnostic.id)).where(Diagnostic.reference.like("import-%"))) == 0
    assert _imported(db).empty
