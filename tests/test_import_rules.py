"""Import rules a hostile or careless file tests: communes keep what the file does not say,
names are cleaned of invisible characters, shapes too detailed are refused in the preview, NUL
bytes never reach the database, and two imports of one file at once write it once."""

from __future__ import annotations

import json
import threading

import pytest
from shapely.geometry import Point, mapping
from sqlalchemy import func, select

from diagnostics.errors import DiagnosticsError
from diagnostics.models import Commune, Diagnostic, PatrolZone
from diagnostics.services import imports, reference
from diagnostics.services.imports import shapes
from tests.conftest import ADMIN_ACTOR


def feature_collection(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def feature(properties: dict, geometry) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_communes_without_population_keep_theirs_and_the_preview_says_what_happens(db, tmp_path):
    stored = reference.communes_frame(db, ("70279", "70550", "70428")).set_index("insee")
    gray, vesoul, pusey = (stored.loc[code] for code in ("70279", "70550", "70428"))
    new = Point(5.60, 47.45).buffer(0.02)  # over Gray: a merged commune, say
    path = write(
        tmp_path,
        "communes.geojson",
        feature_collection(
            [
                feature({"code": "70279", "nom": gray["name"]}, gray.geometry),
                feature({"code": "70550", "nom": "Vesoul-Nouveau"}, vesoul.geometry),
                feature({"code": "70428", "nom": pusey["name"]}, pusey.geometry.buffer(0.001)),
                feature({"code": "70999", "nom": "Gray-Arc"}, new),
            ]
        ),
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "communes", path)
    assert preview.columns["commune_insee"] == "code"  # `code` is an INSEE column name
    assert list(preview.frame["action"]) == ["inchangé", "mise à jour", "mise à jour", "ajout"]
    report = preview.report()
    assert "Si vous importez : 1 ajout(s), 2 mise(s) à jour, 1 inchangé(s)." in report
    assert (
        "Objet 2 : la commune 70550 s'appelle « Vesoul » dans la base : elle sera renommée « Vesoul-Nouveau »" in report
    )
    assert "Objet 4 : nouvelle commune qui recouvre" in report and "(70279)" in report
    assert "Population" in " ".join(preview.notes)  # the file has no population: kept as stored
    result = imports.commit_import(db, ADMIN_ACTOR, preview)
    assert (result.added, result.updated, result.unchanged) == (1, 2, 1)
    with db.session() as session:
        populations = dict(session.execute(select(Commune.insee, Commune.population)).all())
        assert populations["70279"] == gray["population"] > 0
        assert populations["70550"] == vesoul["population"] > 0
        assert populations["70999"] == 0
        assert session.get(Commune, "70550").name == "Vesoul-Nouveau"
        assert session.get(Commune, "70999").department == "70"


ZONE = Point(5.59, 47.445).buffer(0.004)


def test_invisible_and_bidi_characters_are_removed_from_names(db, tmp_path):
    names = ["Zone\u200b du marché", "Zone du marché", "\u202eZone\u2066 B\u2069", "Zone\u00a0C\ufeff"]
    path = write(
        tmp_path,
        "zones.geojson",
        feature_collection([feature({"nom": n}, ZONE.buffer(i / 1000)) for i, n in enumerate(names)]),
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "zones", path)
    assert list(preview.frame["name"]) == ["Zone du marché", "Zone du marché", "Zone B", "Zone\u00a0C"]
    assert "Objet 2 : « Zone du marché » figure déjà à la ligne 1 du fichier" in preview.report()
    imports.commit_import(db, ADMIN_ACTOR, preview, keep_valid=True)
    with db.session() as session:
        stored = set(session.scalars(select(PatrolZone.name)))
    assert {"Zone du marché", "Zone B"} <= stored
    assert not any(c in name for name in stored for c in "\u200b\u202e\u2066\u2069\ufeff")


def test_a_shape_with_too_many_vertices_is_refused_in_the_preview_with_the_reason(db, tmp_path, monkeypatch):
    monkeypatch.setattr(shapes, "MAX_VERTICES", 1_000)
    detailed = Point(5.59, 47.445).buffer(0.004, quad_segs=1_000)  # 4,001 vertices
    path = write(tmp_path, "zones.geojson", feature_collection([feature({"nom": "Détaillée"}, detailed)]))
    preview = imports.preview_import(db, ADMIN_ACTOR, "zones", path)
    assert preview.rejected == 1
    assert "forme trop détaillée (4 001 sommets, 1000 au plus)" in preview.report()


def test_nul_bytes_in_a_csv_are_refused_in_french_on_both_backends(db, tmp_path):
    rows = "eclairage;2;2026-03-01;47.4452;5.5925\n" * 200  # past the first 4 KB the sniffer reads
    path = tmp_path / "x.csv"
    path.write_bytes(f"categorie;gravite;date;latitude;longitude\n{rows}autre\x00;1;2026-03-01;47.44;5.59\n".encode())
    with pytest.raises(DiagnosticsError, match="caractères nuls"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", path)


def test_two_imports_of_the_same_file_at_once_write_it_once(db, team_id, tmp_path, monkeypatch):
    text = "categorie;gravite;date;latitude;longitude\neclairage;2;2026-03-01;47.4452;5.5925\n"
    path = write(tmp_path, "x.csv", text)
    previews = [imports.preview_import(db, ADMIN_ACTOR, "observations", path) for _ in range(2)]
    # Both pass the « already imported? » check before either writes: the database decides.
    from diagnostics.services.imports import commit

    barrier = threading.Barrier(2)
    checked = commit._refuse_if_imported

    def racing_check(session_or_db, preview):
        if not hasattr(session_or_db, "session"):  # the check inside the transaction
            barrier.wait(timeout=10)
            return None
        return checked(session_or_db, preview)

    monkeypatch.setattr(commit, "_refuse_if_imported", racing_check)
    outcomes: list[str] = []

    def run(preview):
        try:
            imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
            outcomes.append("imported")
        except imports.ImportRefused as exc:
            outcomes.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever escaped
            outcomes.append(f"traceback: {exc!r}")

    threads = [threading.Thread(target=run, args=(p,)) for p in previews]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert (
        sorted(outcomes)[0]
        == "Ce fichier a déjà été importé (diagnostic import-"
        + previews[0].digest[:12]
        + "-70279) : rien n'a été écrit."
        or "déjà été importé" in sorted(outcomes)[0]
    ), outcomes
    assert "imported" in outcomes and len(outcomes) == 2
    with db.session() as session:
        assert (
            session.scalar(select(func.count()).select_from(Diagnostic).where(Diagnostic.reference.like("import-%")))
            == 1
        )


def test_a_drawn_zone_with_text_past_its_column_is_refused_in_french(db):
    from diagnostics.errors import ValidationError
    from diagnostics.services import reference_edits

    draft = reference_edits.ReferenceDraft(layer="zones", name="Zone\u200b longue", geometry=ZONE, kind="k" * 41)
    with pytest.raises(ValidationError, match="trop long \\(41 caractères, 40 au maximum\\)"):
        reference_edits.save_drawn(db, ADMIN_ACTOR, draft)
    draft.kind = "vtt"
    assert reference_edits.save_drawn(db, ADMIN_ACTOR, draft)
    with db.session() as session:
        assert session.scalar(select(func.count()).where(PatrolZone.name == "Zone longue")) == 1
