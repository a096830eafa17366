"""Spreadsheets: .xlsx and .ods read like CSV files (French numbers and dates, sheet choice),
refused in French when they cannot be read, and .xlsx exports with typed cells where text is
never a formula."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from diagnostics.__main__ import main
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.models import Observation
from diagnostics.services import imports, reference
from diagnostics.services.exports import commune_snapshot, export_layer
from diagnostics.services.observations import ObservationFilter, observations_frame
from tests.conftest import ADMIN_ACTOR, GRAY, MAIRE_GRAY, make_diagnostic, make_observation
from tests.test_io_roundtrip import validate_roundtrip

HEADER = ["Catégorie", "Gravité", "Date", "Latitude", "Longitude", "Constat"]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def french_rows() -> list[list]:
    return [
        HEADER,
        ["Éclairage", 3, dt.datetime(2026, 11, 30), 47.4452, 5.5922, "réel"],  # a date cell, real numbers
        ["tags", "2", "01/12/2026", "47,4449", "5,5925", "texte"],  # as typed in a French spreadsheet
    ]


def upload(path: Path, **options):
    return files.read_upload(path, files.check_file(path, max_bytes=50_000_000), **options)


def refused(path: Path, match: str, **options) -> str:
    with pytest.raises(DiagnosticsError, match=match) as error:
        upload(path, **options)
    assert "Traceback" not in str(error.value)
    return str(error.value)


# --- reading ------------------------------------------------------------------------------------


def test_xlsx_french_numbers_and_dates_as_text_or_date_cells(tmp_path):
    frame, _ = upload(workbook(tmp_path / "releves.xlsx", {"Relevés": french_rows(), "Notes": [["a"], ["b"]]}))
    assert list(frame["Date"]) == ["2026-11-30", "01/12/2026"]
    assert list(frame["Gravité"]) == ["3", "2"]
    assert [(round(p.x, 4), round(p.y, 4)) for p in frame.geometry] == [(5.5922, 47.4452), (5.5925, 47.4449)]
    assert frame.crs == "EPSG:4326" and frame.attrs["sheets"] == ["Relevés", "Notes"]


def test_ods_french_numbers_and_dates_as_text_or_date_cells(tmp_path):
    table = pd.DataFrame(
        {
            "Catégorie": ["Éclairage", "tags"],
            "Gravité": [3, 2],
            "Date": pd.to_datetime(["2026-11-30", "2026-12-01"]),  # date cells
            "Jour": ["30/11/2026", "01/12/2026"],  # dates typed as text
            "Latitude": ["47,4452", "47,4449"],
            "Longitude": [5.5922, 5.5925],
        }
    )
    path = tmp_path / "releves.ods"
    pyogrio.write_dataframe(table, path, driver="ODS", layer="Relevés")
    frame, _ = upload(path)
    assert list(frame["Date"]) == ["2026-11-30", "2026-12-01"]
    assert list(frame["Jour"]) == ["30/11/2026", "01/12/2026"] and list(frame["Gravité"]) == ["3", "2"]
    assert [(round(p.x, 4), round(p.y, 4)) for p in frame.geometry] == [(5.5922, 47.4452), (5.5925, 47.4449)]


def test_a_sheet_is_chosen_by_name_and_an_unknown_one_is_refused(tmp_path):
    other = [["Nom", "X", "Y"], ["Kiosque", 947_000, 6_735_000]]
    path = workbook(tmp_path / "classeur.xlsx", {"Relevés": french_rows(), "Sites L93": other})
    frame, _ = upload(path, sheet="Sites L93")
    assert list(frame["Nom"]) == ["Kiosque"] and frame.crs == "EPSG:2154"
    message = refused(path, "La feuille « Absente » n'existe pas", sheet="Absente")
    assert "« Relevés », « Sites L93 »" in message


def test_an_empty_sheet_is_refused_in_french(tmp_path):
    path = workbook(tmp_path / "vide.xlsx", {"Vide": [], "Entête seule": [HEADER]})
    refused(path, "La feuille « Vide » est vide")
    refused(path, "La feuille « Entête seule » est vide", sheet="Entête seule")


def test_protected_corrupt_and_disguised_workbooks_are_refused_in_french(tmp_path):
    protected = tmp_path / "protege.xlsx"  # Excel's encrypted files are OLE containers, not zips
    protected.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000)
    refused(protected, "protégé par un mot de passe")
    good = workbook(tmp_path / "bon.xlsx", {"Relevés": french_rows()})
    truncated = tmp_path / "abime.xlsx"
    truncated.write_bytes(good.read_bytes()[:-300])
    refused(truncated, "Classeur Excel \\(.xlsx\\) illisible ou abîmé")
    not_a_workbook = tmp_path / "zones.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("zones.shp", b"x" * 100)
    refused(not_a_workbook, "n'est pas un classeur Excel")
    encrypted_ods = tmp_path / "protege.ods"
    with zipfile.ZipFile(encrypted_ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", b"\x93\x12garbled")
        archive.writestr("META-INF/manifest.xml", "<manifest:encryption-data manifest:checksum='x'/>")
    refused(encrypted_ods, "protégé par un mot de passe")


def test_sheet_is_refused_for_a_file_that_is_not_a_workbook(db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("categorie;gravite;date;latitude;longitude\nautre;1;2026-01-05;47.44;5.59\n", encoding="utf-8")
    with pytest.raises(DiagnosticsError, match="--sheet ne vaut que pour un classeur"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", path, sheet="Feuil1")


# --- importing ----------------------------------------------------------------------------------


def test_observations_from_a_french_workbook_sheet_by_sheet(db, team_id, tmp_path):
    later = [HEADER, ["Dépôts sauvages", 4, "02/12/2025", "47,4450", "5,5920", "sacs"]]
    path = workbook(tmp_path / "releves.xlsx", {"Relevés": french_rows(), "Décembre": later})
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path, today=dt.date(2026, 12, 2))
    assert preview.rejected == 0, preview.report()
    assert (preview.sheets, preview.sheet) == (["Relevés", "Décembre"], "Relevés")
    assert list(preview.frame["observed_on"]) == [dt.date(2026, 11, 30), dt.date(2026, 12, 1)]
    assert list(preview.frame["ligne"]) == [2, 3]  # the spreadsheet's own row numbers
    imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    second = imports.preview_import(db, ADMIN_ACTOR, "observations", path, sheet="Décembre")
    assert list(second.frame["category"]) == ["depots"]
    imports.commit_import(db, ADMIN_ACTOR, second, team_id=team_id)  # another sheet: not « already imported »
    with pytest.raises(DiagnosticsError, match="déjà été importé"):
        again = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
        imports.commit_import(db, ADMIN_ACTOR, again, team_id=team_id)
    assert _count(db) == 3


def test_a_refused_workbook_writes_nothing(db, team_id, tmp_path):
    before = _count(db)
    with pytest.raises(DiagnosticsError, match="La feuille « Vide » est vide"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", workbook(tmp_path / "vide.xlsx", {"Vide": []}))
    wrong = [HEADER, ["inconnue", 9, "hier", "47,44", "5,59", ""], french_rows()[1]]
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", workbook(tmp_path / "x.xlsx", {"R": wrong}))
    assert (preview.rejected, preview.valid) == (1, 1)
    assert "catégorie « inconnue » inconnue" in preview.report() and "date « hier » illisible" in preview.report()
    with pytest.raises(DiagnosticsError, match="rien n'a été écrit"):
        imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    assert _count(db) == before


def _count(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Observation))


# --- exporting ----------------------------------------------------------------------------------


def test_zones_and_sites_round_trip_through_xlsx(db, tmp_path):
    for layer, frame in (("zones", reference.patrol_zones_frame(db)), ("sites", reference.sites_frame(db))):
        path = tmp_path / f"{layer}.xlsx"
        assert export_layer(db, ADMIN_ACTOR, layer, path, "xlsx") == len(frame)
        preview = imports.preview_import(db, ADMIN_ACTOR, layer, path)
        attributes = ("unit", "schedule", "kind") if layer == "zones" else ("kind", "address")
        validate_roundtrip(frame, preview, "name", attributes)
        assert imports.commit_import(db, ADMIN_ACTOR, preview).added == 0  # matched by name


def test_observations_round_trip_through_xlsx_with_typed_cells_and_no_formula(db, team_id, tmp_path):
    diagnostic = make_diagnostic(db, team_id)
    payloads = ["=SOMME(A1)", "+33 6 12", "-1", "@SUM(A1)", "=cmd|' /C calc'!A0", "#N/A"]
    for text in payloads:
        make_observation(db, diagnostic, description=text, recommendation=text)
    original = observations_frame(db, ADMIN_ACTOR, ObservationFilter(diagnostic_id=diagnostic))
    path = tmp_path / "observations.xlsx"
    assert main(["export", "observations", "--format", "xlsx", "--out", str(path)]) == 0
    sheet = load_workbook(path)["observations"]
    header = [cell.value for cell in sheet[1]]
    assert sheet.freeze_panes == "A2" and sheet[1][0].font.bold
    assert all(sheet.column_dimensions[letter].width >= 8 for letter in "ABCDEF")
    cells = {name: sheet.cell(row=2, column=header.index(name) + 1) for name in ("observed_on", "severity")}
    assert cells["observed_on"].is_date and cells["observed_on"].number_format == "DD/MM/YYYY"
    assert isinstance(cells["severity"].value, int)
    texts = [sheet.cell(row=r, column=header.index("description") + 1) for r in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in texts) == sorted(payloads)
    assert {c.data_type for c in texts} == {"s"}  # text, never « f » (formula) nor « e » (error)
    with zipfile.ZipFile(path) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    validate_roundtrip(original, preview, "description", ("severity", "observed_on", "recommendation"))


def test_the_mayors_table_has_no_confidential_field(db, team_id):
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic, description="Chez M. Dupont, 21 h", recommendation="Patrouille VTT")
    make_observation(db, diagnostic, description="Candélabre rue Neuve", shared_fields=["description"])
    content = commune_snapshot(db, MAIRE_GRAY, GRAY[0], "xlsx")
    frame = pd.read_excel(io.BytesIO(content), dtype=str).fillna("")
    assert "Candélabre rue Neuve" in set(frame["Constat"])
    text = frame.to_csv()
    for secret in ("Dupont", "Patrouille VTT", "Groupe", "admin.test", "agent.test"):
        assert secret not in text
    assert not {"author", "team_name", "diagnostic_id", "Équipe"} & set(frame.columns)
    assert set(frame["Catégorie"]) == {"Éclairage"}  # labels, not codes


def test_the_sheets_are_listed_even_when_the_first_is_empty(tmp_path):
    path = workbook(tmp_path / "classeur.xlsx", {"Feuil1": [], "Relevés": french_rows()})
    assert imports.workbook_sheets(ADMIN_ACTOR, path) == ["Feuil1", "Relevés"]  # the page's picker
    ods = tmp_path / "classeur.ods"
    pyogrio.write_dataframe(pd.DataFrame({"Nom": ["a"]}), ods, driver="ODS", layer="Sites")
    assert imports.workbook_sheets(ADMIN_ACTOR, ods) == ["Sites"]
    csv = tmp_path / "a.csv"
    csv.write_text("nom;latitude;longitude\na;47.44;5.59\n", encoding="utf-8")
    assert imports.workbook_sheets(ADMIN_ACTOR, csv) == []


def test_the_command_line_reads_the_sheet_it_is_given(db, tmp_path, capsys):
    later = [HEADER, ["Dépôts sauvages", 4, "02/12/2025", "47,4450", "5,5920", "sacs"]]
    path = workbook(tmp_path / "releves.xlsx", {"Relevés": french_rows(), "Décembre": later})
    argv = ["import", "observations", str(path), "--dry-run", "--sheet"]
    assert main([*argv, "Décembre"]) == 0
    assert "1 objet(s) lu(s)" in capsys.readouterr().out
    assert main([*argv, "Janvier"]) == 1
    assert "erreur : La feuille « Janvier » n'existe pas" in capsys.readouterr().err
