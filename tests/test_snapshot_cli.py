"""`python -m diagnostics snapshot`: every format for a commune, the period, and clear errors."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from PIL import Image
from pypdf import PdfReader

from diagnostics.__main__ import main
from diagnostics.assets import assets_installed
from diagnostics.snapshots.standalone import external_references
from tests.conftest import make_diagnostic, make_observation


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def gray_observation(db_url, db, team_id):
    make_observation(db, make_diagnostic(db, team_id), description="Constat", recommendation="Préco")


@pytest.mark.parametrize("fmt", ["png", "pdf", "html", "xlsx"])
def test_each_format_is_written_and_opens(gray_observation, capsys, tmp_path, fmt):
    if fmt == "html":
        assert assets_installed(), "the HTML snapshot inlines static/vendor: run `make assets` first"
    out_file = tmp_path / "out" / f"gray.{fmt}"
    code, out, _ = run(
        capsys, "snapshot", "--commune", "70279", "--format", fmt, "--out", str(out_file), "--from", "2026-01-01"
    )
    assert code == 0 and f"écrite dans {out_file}" in out
    content = out_file.read_bytes()
    if fmt == "png":
        with Image.open(io.BytesIO(content)) as image:
            assert image.format == "PNG"
    elif fmt == "pdf":
        reader = PdfReader(io.BytesIO(content))
        assert len(reader.pages) == 2 and "Période : depuis le 01/01/2026" in reader.pages[0].extract_text()
    elif fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content), read_only=True)["observations"].iter_rows(values_only=True))
        assert rows[0][:5] == ("N°", "Date", "Catégorie", "Gravité", "Statut") and len(rows) == 2
        assert "Préco" not in str(rows[1:])  # not shared by the agent: not in the mayor's table
    else:
        assert external_references(content.decode("utf-8")) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--commune", "70279", "--from", "2026-02-30", "--out", "x.png"],
            "date invalide : '2026-02-30' (attendu AAAA",
        ),
        (["--commune", "70279", "--to", "15/09/2026", "--out", "x.png"], "argument --to : date invalide"),
        (["--commune", "70279", "--from", "2026-09-02", "--to", "2026-09-01", "--out", "x.png"], "est après --to"),
        (["--commune", "70279"], "--commune demande --out FICHIER"),
        (["--department", "70", "--format", "pdf"], "--department demande --out-dir DOSSIER"),
        (["--commune", "70279", "--department", "70", "--out", "x"], "incompatible avec --commune"),
        (["--commune", "70279", "--format", "svg", "--out", "x"], "choix invalide : 'svg'"),
    ],
)
def test_wrong_command_lines_say_why(db_url, capsys, argv, message):
    with pytest.raises(SystemExit) as exited:
        main(["snapshot", *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_an_unknown_department_is_one_line(db_url, capsys, tmp_path):
    code, _, err = run(capsys, "snapshot", "--department", "25", "--format", "pdf", "--out-dir", str(tmp_path))
    assert code == 1 and err.strip() == "erreur : Aucune commune pour le département 25"
