"""Imports: French spreadsheets, Lambert-93, swapped axes, repairs, all or nothing, permissions, CLI."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from sqlalchemy import func, select

from diagnostics.__main__ import main
from diagnostics.errors import DiagnosticsError, PermissionDenied
from diagnostics.io.files import FileRefused
from diagnostics.models import CommuneDispositif, Diagnostic, Observation, PatrolZone, ReferenceChange
from diagnostics.services import imports
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70

# Gray's centre in Lambert-93 (EPSG:2154), about 47.4450 N, 5.5922 E.
GRAY_L93 = ("893 950,5", "6 708 100,0")


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_french_spreadsheet_semicolon_decimal_comma_windows_1252(db, tmp_path):
    text = (
        "Catégorie;GRAVITÉ;Date;Constat;Latitude;Longitude\r\n"
        "Éclairage;Forte;15/09/2026;Candélabre éteint;47,4452;5,5925\r\n"
        "vidéoprotection;2;2026-09-16;Caméra masquée;47,4450;5,5922\r\n"
    )
    path = write(tmp_path, "constats.csv", text, "cp1252")
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert preview.rejected == 0, preview.report()
    assert list(preview.frame["category"]) == ["eclairage", "videoprotection"]
    assert imports.match_category("Tags") == "degradations" and imports.match_category("a") is None
    assert list(preview.frame["severity"]) == [3, 2]
    assert preview.frame["observed_on"].iloc[0] == dt.date(2026, 9, 15)
    assert list(preview.frame["commune_insee"]) == ["70279", "70279"]
    assert preview.frame["description"].iloc[0] == "Candélabre éteint"


def test_lambert_93_columns_are_reprojected(db, tmp_path):
    path = write(
        tmp_path, "l93.csv", f'categorie,gravite,date,X,Y\nautre,1,2026-01-05,"{GRAY_L93[0]}","{GRAY_L93[1]}"\n'
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert preview.rejected == 0, preview.report()
    point = preview.frame.geometry.iloc[0]
    assert abs(point.y - 47.445) < 0.01 and abs(point.x - 5.59) < 0.02
    assert "Lambert-93" in preview.source_crs


def test_position_columns_named_by_the_user_keep_their_coordinate_system_guessed(db, tmp_path):
    row = f'Kiosque provisoire;kiosque;"{GRAY_L93[0]}";"{GRAY_L93[1]}"'
    path = write(tmp_path, "sites.csv", f"nom;type;Est;Nord\n{row}\n")
    with pytest.raises(DiagnosticsError, match="Aucune colonne de position reconnue"):
        imports.preview_import(db, ADMIN_ACTOR, "sites", path)
    preview = imports.preview_import(db, ADMIN_ACTOR, "sites", path, position={"x": "Est", "y": "Nord"})
    assert preview.rejected == 0, preview.report()
    assert "Lambert-93" in preview.source_crs
    assert abs(preview.frame.geometry.iloc[0].y - 47.445) < 0.01


def test_swapped_axes_and_metres_in_degrees_are_reported_in_french(db, tmp_path):
    text = (
        "categorie;gravite;date;latitude;longitude\n"
        "autre;1;2026-01-05;5.5925;47.4452\nautre;1;2026-01-05;6708100;893950\n"
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", write(tmp_path, "x.csv", text))
    messages = [str(issue) for issue in preview.issues]
    assert "Ligne 2 : latitude (5.59250) et longitude (47.44520) semblent inversées" in messages[0]
    assert "Ligne 3" in messages[1] and "Lambert-93 (EPSG:2154)" in messages[1]
    assert preview.rejected == 2


def test_unknown_values_are_reported_per_row(db, tmp_path):
    text = (
        "categorie;gravite;date;latitude;longitude\nlicornes;9;32/13/2026;47.4452;5.5925\nautre;1;2026-01-05;43.3;5.4\n"
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", write(tmp_path, "x.csv", text))
    text = preview.report()
    assert "Ligne 2 : catégorie « licornes » inconnue" in text
    assert "gravité « 9 » invalide" in text and "date « 32/13/2026 » illisible" in text
    assert "Ligne 3 : position hors de la Haute-Saône et du Jura" in text


ZONES = """{"type":"FeatureCollection","features":[
{"type":"Feature","properties":{"Nom":"Zone nouvelle","Unité":"BTA Gray","Horaires":"lundi-vendredi"},
 "geometry":{"type":"Polygon","coordinates":[[[5.58,47.44],[5.60,47.44],[5.60,47.45],[5.58,47.45],[5.58,47.44]]]}},
{"type":"Feature","properties":{"Nom":"Noeud papillon"},
 "geometry":{"type":"Polygon","coordinates":[[[5.58,47.44],[5.60,47.45],[5.60,47.44],[5.58,47.45],[5.58,47.44]]]}},
{"type":"Feature","properties":{"Nom":"Ligne"},
 "geometry":{"type":"LineString","coordinates":[[5.58,47.44],[5.60,47.45]]}}
]}"""


def test_all_or_nothing_then_keep_valid_rows(db, tmp_path):
    path = write(tmp_path, "zones.geojson", ZONES)
    preview = imports.preview_import(db, ADMIN_ACTOR, "zones", path)
    assert list(preview.frame["statut"]) == ["valide", "réparée", "rejetée"]
    assert "Objet 2 : géométrie invalide réparée (le contour se recoupe)" in preview.report()
    assert "Objet 3 : Un polygone est attendu, le fichier contient une ligne" in preview.report()
    before = count(db, PatrolZone)
    with pytest.raises(imports.ImportRefused, match="1 ligne\\(s\\) rejetée\\(s\\) : rien n'a été écrit"):
        imports.commit_import(db, ADMIN_ACTOR, preview)
    assert count(db, PatrolZone) == before
    result = imports.commit_import(db, ADMIN_ACTOR, preview, keep_valid=True)
    assert (result.added, result.skipped) == (2, 1)
    assert count(db, PatrolZone) == before + 2
    with db.session() as session:
        zone = session.scalars(select(PatrolZone).where(PatrolZone.name == "Zone nouvelle")).one()
        assert (zone.unit, zone.schedule, zone.commune_insee) == ("BTA Gray", "lundi-vendredi", "70279")
        assert session.scalar(select(func.count()).select_from(ReferenceChange)) == 2


def test_only_administrators_import(db, tmp_path):
    with pytest.raises(PermissionDenied):
        imports.preview_import(db, COMMANDANT_70, "zones", write(tmp_path, "zones.geojson", ZONES))


def test_a_file_that_is_not_what_it_claims_is_refused_before_parsing(db, tmp_path):
    with pytest.raises(FileRefused, match="n'est pas ce que son nom annonce"):
        imports.preview_import(db, ADMIN_ACTOR, "zones", write(tmp_path, "zones.gpkg", ZONES))
    with pytest.raises(FileRefused, match="n'est pas ce que son nom annonce"):
        imports.preview_import(db, ADMIN_ACTOR, "zones", write(tmp_path, "zones.csv", ZONES))


def test_a_file_too_large_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PSQ_IMPORT_MAX_MB", "1")
    path = write(tmp_path, "big.csv", "a;b\n" + "1;2\n" * 400_000)
    with pytest.raises(FileRefused, match="trop volumineux"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", path)


def test_zip_with_path_traversal_or_bomb_is_refused(db, tmp_path):
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../etc/zones.shp", b"x")
    with pytest.raises(Exception, match="Nom de fichier dangereux"):
        imports.preview_import(db, ADMIN_ACTOR, "zones", evil)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zones.dbf", b"\0" * 600_000_000)
    with pytest.raises(Exception, match="décompressée"):
        imports.preview_import(db, ADMIN_ACTOR, "zones", bomb)


def test_observations_go_to_one_import_diagnostic_per_commune_once(db, team_id, tmp_path):
    text = (
        "categorie;gravite;date;latitude;longitude\n"
        "eclairage;2;2026-03-01;47.4452;5.5925\nautre;1;2026-03-02;47.6231;6.1558\n"
    )
    path = write(tmp_path, "obs.csv", text)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    with pytest.raises(imports.ImportRefused, match="Choisissez l'équipe"):
        imports.commit_import(db, ADMIN_ACTOR, preview)
    assert imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id).added == 2
    with db.session() as session:
        diagnostics = session.scalars(select(Diagnostic).where(Diagnostic.reference.like("import-%"))).all()
        assert sorted(d.commune_insee for d in diagnostics) == ["70279", "70550"]
        assert {d.place for d in diagnostics} == {"Import : obs.csv"}
    again = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    with pytest.raises(imports.ImportRefused, match="déjà été importé"):
        imports.commit_import(db, ADMIN_ACTOR, again, team_id=team_id)
    assert count(db, Observation) == 2


def test_dispositifs_by_commune_name_or_code(db, tmp_path):
    text = "Commune;Dispositif;Depuis\nGray;Participation citoyenne;12/03/2018\n70550;voisins solidaires;2019-01-10\n"
    preview = imports.preview_import(db, ADMIN_ACTOR, "dispositifs", write(tmp_path, "d.csv", "\ufeff" + text))
    assert preview.rejected == 0, preview.report()
    assert imports.commit_import(db, ADMIN_ACTOR, preview).added == 2
    assert count(db, CommuneDispositif) == 2


def test_cli_import_dry_run_then_for_real_then_export_filtered(db, tmp_path, capsys):
    path = write(tmp_path, "zones.geojson", ZONES)
    assert main(["import", "zones", str(path), "--dry-run"]) == 1
    assert "Objet 3 : Un polygone est attendu" in capsys.readouterr().out
    assert main(["import", "zones", str(path)]) == 1
    assert "rien n'a été écrit" in capsys.readouterr().err
    assert main(["import", "zones", str(path), "--keep-valid"]) == 0
    assert "2 ajouté(s)" in capsys.readouterr().out
    out = tmp_path / "obs.kml"
    assert main(["export", "observations", "--format", "kml", "--out", str(out), "--commune", "70279"]) == 0
    assert out.read_bytes().startswith(b"<?xml")
    for wrong in (["zones", "--severity", "2"], ["observations", "--category", "nope"]):
        with pytest.raises(SystemExit) as exit_:
            main(["export", *wrong, "--format", "csv", "--out", str(out)])
        assert exit_.value.code == 2


def test_a_latitude_of_999_is_out_of_range_not_metres(db, tmp_path):
    text = "categorie;gravite;date;latitude;longitude\nautre;1;2026-01-05;999;5.59\nautre;1;2026-01-05;6708100;893950\n"
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", write(tmp_path, "x.csv", text))
    first, second = (issue.message for issue in preview.issues)
    assert "coordonnées impossibles" in first and "latitude 999" in first and "mètres" not in first
    assert "coordonnées en mètres" in second  # Lambert-93 values really are metres


def test_png_bytes_named_geojson_are_called_an_image(db, tmp_path):
    path = tmp_path / "zones.geojson"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(FileRefused, match="image PNG") as refused:
        imports.preview_import(db, ADMIN_ACTOR, "zones", path)
    assert "son contenu est une image PNG" in str(refused.value) and "texte" not in str(refused.value)


def test_cli_export_shp_refuses_a_name_that_is_not_a_zip(db, tmp_path, capsys):
    out = tmp_path / "obs.shp"
    assert main(["export", "observations", "--format", "shp", "--out", str(out)]) == 1
    assert not out.exists() and "« obs.zip »" in capsys.readouterr().err
    assert main(["export", "observations", "--format", "shp", "--out", str(tmp_path / "obs.zip")]) == 0
    assert zipfile.is_zipfile(tmp_path / "obs.zip")
