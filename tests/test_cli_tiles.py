"""`python -m diagnostics tiles`: the configured basemap and what would be kept offline."""

from __future__ import annotations

from diagnostics.__main__ import main
from tests.conftest import GRAY, VESOUL
from tests.tilefiles import sample_tiles, write_pmtiles


def test_tiles_command_describes_the_file_and_the_offline_listing(db, tmp_path, monkeypatch, capsys):
    path = write_pmtiles(tmp_path / "territoire.pmtiles", sample_tiles())
    monkeypatch.setenv("PSQ_TILES", str(path))
    assert main(["tiles", "--commune", GRAY[0], "--commune", VESOUL[0]]) == 0
    out = capsys.readouterr().out
    assert "Fond de plan du territoire : /tiles/{z}/{x}/{y}.png — © Tuiles de test PSQ" in out
    assert "tuiles png, zooms 10 à 14" in out and "sur 30 Mo, zooms 10 à 14" in out
    monkeypatch.setenv("PSQ_OFFLINE_MAX_ZOOM", "12")
    assert main(["tiles", "--commune", GRAY[0]]) == 0
    assert "zooms 10 à 12" in capsys.readouterr().out
    assert main(["tiles", "--commune", "70999"]) == 1
    assert "commune inconnue : 70999" in capsys.readouterr().out


def test_tiles_command_without_tiles_and_with_a_wrong_setting(monkeypatch, capsys):
    monkeypatch.setenv("PSQ_TILES", "none")
    assert main(["tiles"]) == 0
    assert "aucun fond de plan" in capsys.readouterr().out
    monkeypatch.setenv("PSQ_TILES", "/absent/territoire.pmtiles")
    assert main(["tiles"]) == 1
    assert "fichier de tuiles introuvable" in capsys.readouterr().err
