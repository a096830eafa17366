"""KoboToolbox and ODK Central CSV exports: recognised without --column (positions, dates in
Paris time, submission ids), and a submission imported twice is stored once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select

from diagnostics.__main__ import main
from diagnostics.io import odk
from diagnostics.models import Observation
from diagnostics.services import imports
from tests.conftest import ADMIN_ACTOR

SAMPLES = Path(__file__).parent / "samples"
KOBO = SAMPLES / "kobo_diagnostic_gray.csv"
ODK = SAMPLES / "odk_central_diagnostic_gray.csv"


def stored(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Observation))


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-11-20T23:40:00.000+01:00", "2026-11-20"),  # Kobo `start`: the device's zone
        ("2026-11-20T23:30:00", "2026-11-21"),  # Kobo `_submission_time`: UTC without zone
        ("2026-11-20T22:58:41.402Z", "2026-11-20"),  # ODK `SubmissionDate`: 23:58 in Paris
        ("2026-06-30T22:30:00.000Z", "2026-07-01"),  # summer time: 00:30 in Paris
    ],
)
def test_export_times_become_the_day_in_paris(value, day):
    assert odk.paris_day(value) == day


@pytest.mark.parametrize("sample", [KOBO, ODK], ids=["kobo", "odk"])
def test_exports_recognised_without_columns(db, sample):
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", sample)
    assert preview.rejected == 0, preview.report()
    assert preview.columns["import_key"] == "cle_import"
    assert preview.columns["category"] == "categorie" and preview.columns["severity"] == "gravite"
    assert any("Export" in note and "reconnu" in note for note in preview.notes)
    assert list(preview.frame["commune_insee"]) == ["70279", "70279"]
    assert all(len(key) == 36 for key in preview.frame["import_key"])  # `uuid:` dropped


def test_odk_dates_from_start_in_paris_time(db):
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", ODK)
    assert list(preview.frame["observed_on"]) == [dt.date(2026, 11, 20), dt.date(2026, 11, 21)]
    assert "date de « start »" in preview.report()


def test_kobo_geopoint_as_one_string_and_submission_time(db, tmp_path):
    path = tmp_path / "kobo.csv"
    path.write_text(
        "gps;categorie;gravite;_id;_uuid;_submission_time\n"
        "47.4452 5.5925 190.2 4.8;eclairage;2;1;0f1c7d2e-6a4b-4d0e-9a53-8f2f0b6c1a11;2026-11-20T23:30:00\n",
        encoding="utf-8",
    )
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    assert preview.rejected == 0, preview.report()
    point = preview.frame.geometry.iloc[0]
    assert (round(point.x, 4), round(point.y, 4)) == (5.5925, 47.4452)
    assert preview.frame["observed_on"].iloc[0] == dt.date(2026, 11, 21)


def test_the_same_submission_is_stored_once(db, team_id, tmp_path):
    first = imports.preview_import(db, ADMIN_ACTOR, "observations", KOBO)
    assert imports.commit_import(db, ADMIN_ACTOR, first, team_id=team_id).added == 2
    assert stored_keys(db) == {
        "import:0f1c7d2e-6a4b-4d0e-9a53-8f2f0b6c1a11",
        "import:5b9e2c41-7d3a-4f6b-8e21-3c4d5e6f7a82",
    }
    # A later export: the two submissions again, one new one, and a copy of it in the same file.
    lines = KOBO.read_text(encoding="utf-8").splitlines()
    new = lines[1].replace("0f1c7d2e", "9d8c7b6a").replace("Candélabre éteint", "Banc cassé")
    later = tmp_path / "kobo_later.csv"
    later.write_text("\n".join([*lines, new, new]) + "\n", encoding="utf-8")
    before = stored(db)
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", later)
    assert preview.action_counts() == {"ajout": 1, "mise à jour": 0, "inchangé": 3}
    assert "Si vous importez : 1 ajout(s), 0 mise(s) à jour, 3 inchangé(s)." in preview.report()
    assert "Ligne 5 : même identifiant de soumission qu'à la ligne 4" in preview.report()
    result = imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    assert (result.added, result.unchanged) == (1, 3)
    assert "1 ajouté(s), 0 mis à jour, 3 inchangé(s)" in str(result)
    assert stored(db) == before + 1
    # The same file again is refused as a whole (its digest), nothing written.
    again = imports.preview_import(db, ADMIN_ACTOR, "observations", later)
    with pytest.raises(imports.ImportRefused, match="déjà été importé"):
        imports.commit_import(db, ADMIN_ACTOR, again, team_id=team_id)
    assert stored(db) == before + 1


def stored_keys(db) -> set[str]:
    with db.session() as session:
        return set(session.scalars(select(Observation.form_token).where(Observation.form_token.like("import:%"))))


def test_cli_imports_an_odk_export_without_columns(db, team_id, capsys):
    assert main(["import", "observations", str(ODK), "--team", "Groupe de contact de Gray"]) == 0
    out = capsys.readouterr().out
    assert "Export ODK reconnu" in out and "2 ajouté(s)" in out
