"""The command line: init (twice), export, snapshot, and one-line errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from PIL import Image

from diagnostics.__main__ import main
from diagnostics.config import PROJECT_ROOT
from diagnostics.demo import DEMO_ACCOUNTS


@pytest.fixture
def empty_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_twice_changes_nothing_the_second_time(empty_url, capsys):
    code, first, _ = run(capsys, "init", "--demo")
    assert code == 0
    assert "communes : 1028 ajouté(s)" in first and "démo : 7 diagnostic(s) ajouté(s)" in first
    assert f"démo : {len(DEMO_ACCOUNTS)} compte(s) ajouté(s)" in first
    code, second, _ = run(capsys, "init", "--demo")
    assert code == 0
    assert "communes : 0 ajouté(s), 0 mis à jour" in second and "démo : 0 diagnostic(s) ajouté(s)" in second
    assert "démo : 0 compte(s) ajouté(s)" in second
    assert all(" 0 ajouté(s), 0 mis à jour" in line for line in second.splitlines() if "mis à jour" in line)


@pytest.mark.parametrize(
    # sites: 3 desks and the 12 demo cameras of Dole's CSU (the layer export is the forces' own)
    ("layer", "count"),
    [("communes", 1028), ("sectors", 6), ("zones", 3), ("sites", 15), ("observations", 16)],
)
def test_export_writes_valid_geojson(empty_url, capsys, tmp_path, layer, count):
    assert run(capsys, "init", "--demo")[0] == 0
    out_file = tmp_path / "out" / f"{layer}.geojson"
    code, out, _ = run(capsys, "export", layer, "--format", "geojson", "--out", str(out_file))
    assert code == 0 and f"{count} objet(s) écrit(s)" in out
    collection = json.loads(out_file.read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == count
    lon, lat = _first_position(collection["features"][0]["geometry"]["coordinates"])
    assert 5.0 < lon < 7.2 and 46.2 < lat < 48.1


def test_snapshot_writes_a_png_of_the_commune(empty_url, capsys, tmp_path):
    assert run(capsys, "init", "--demo")[0] == 0
    out_file = tmp_path / "gray.png"
    code, out, _ = run(capsys, "snapshot", "--commune", "70279", "--format", "png", "--out", str(out_file))
    assert code == 0 and "70279" in out
    with Image.open(io.BytesIO(out_file.read_bytes())) as image:
        assert image.format == "PNG" and min(image.size) > 800


def test_an_unknown_commune_is_one_line_and_status_1(empty_url, capsys, tmp_path):
    run(capsys, "init")
    code, _, err = run(capsys, "snapshot", "--commune", "99999", "--out", str(tmp_path / "x.png"))
    assert code == 1 and err.strip() == "erreur : Commune inconnue : 99999"


def test_commands_before_init_say_what_to_do(empty_url, capsys, tmp_path):
    code, _, err = run(capsys, "export", "sites", "--out", str(tmp_path / "s.geojson"))
    assert code == 1 and "lancez d'abord `python -m diagnostics init`" in err


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}, "Impossible d'ouvrir la base"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL n'est pas une adresse de base utilisable"),
        ({"SPATIALITE_LIBRARY_PATH": "no_such_spatialite"}, "apt-get install libsqlite3-mod-spatialite"),
    ],
)
def test_environment_errors_are_one_line_without_traceback(tmp_path, env, expected):
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", **env}
    result = subprocess.run(
        [sys.executable, "-m", "diagnostics", "init"],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr


def test_every_command_has_help(capsys):
    for command in ("init", "export", "snapshot"):
        with pytest.raises(SystemExit) as exited:
            main([command, "--help"])
        assert exited.value.code == 0
        assert "utilisation : python -m diagnostics " + command in capsys.readouterr().out


def _first_position(coordinates):
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


def test_users_add_reads_the_password_from_stdin_and_it_logs_in(empty_url, capsys):
    from diagnostics.db import open_database
    from diagnostics.services.accounts import authenticate

    assert run(capsys, "init")[0] == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "diagnostics",
            "users",
            "add",
            "chef.gray",
            "--role",
            "commandant",
            "--team",
            "Brigade de Gray",
        ],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": empty_url},
        input="un mot de passe solide\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "compte chef.gray créé (Commandant)"
    db = open_database(empty_url)
    try:
        assert authenticate(db, "chef.gray", "un mot de passe solide").departments == ("70",)
    finally:
        db.dispose()
    code, out, _ = run(capsys, "users", "list")
    assert code == 0 and "chef.gray\tCommandant\tBrigade de Gray ; départements 70\tactif" in out


def test_users_add_refuses_a_bad_account_in_one_line(empty_url, capsys, monkeypatch):
    assert run(capsys, "init")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "users", "add", "maire.x", "--role", "maire")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "Mot de passe trop court" in err and "rattaché à une commune" in err


def test_purge_dry_run_then_for_real(empty_url, capsys, monkeypatch):
    assert run(capsys, "init", "--demo")[0] == 0
    monkeypatch.setenv("PSQ_RETENTION_DAYS", "1")
    code, out, _ = run(capsys, "purge", "--dry-run")
    assert code == 0 and out.startswith("à anonymiser : 7 diagnostic(s) et 16 observation(s)")
    code, out, _ = run(capsys, "purge")
    assert code == 0 and out.startswith("anonymisés : 7 diagnostic(s) et 16 observation(s)")
    assert run(capsys, "purge", "--dry-run")[1].startswith("à anonymiser : 0 diagnostic(s) et 0 observation(s)")


def test_account_commands_speak_french_from_usage_to_errors(empty_url, capsys, monkeypatch):
    """One language per command: argparse's own words included."""
    assert run(capsys, "init")[0] == 0
    with pytest.raises(SystemExit) as exited:
        main(["users", "add", "chef"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "utilisation : python -m diagnostics users add" in err
    assert "erreur : arguments obligatoires manquants : --role" in err
    with pytest.raises(SystemExit):
        main(["users", "add", "chef", "--role", "general"])
    refused = capsys.readouterr().err
    assert "choix invalide : 'general' (parmi 'agent', 'commandant', 'maire', 'partenaire', 'admin')" in refused
    with pytest.raises(SystemExit):
        main(["users", "--help"])
    help_text = capsys.readouterr().out
    assert "afficher cette aide et quitter" in help_text and "actions :" in help_text and "usage" not in help_text
    monkeypatch.setattr("sys.stdin", io.StringIO("un mot de passe solide\n"))
    assert run(capsys, "users", "add", "Maire.Vesoul", "--role", "maire", "--commune", "70550")[1] == (
        "compte maire.vesoul créé (Maire)\n"
    )
    code, out, _ = run(capsys, "users", "list")
    assert "maire.vesoul\tMaire\tVesoul (70550)\tactif" in out
    assert run(capsys, "users", "disable", "MAIRE.vesoul")[1] == "compte maire.vesoul désactivé\n"
    assert run(capsys, "users", "enable", "maire.vesoul")[1] == "compte maire.vesoul réactivé\n"
    code, _, err = run(capsys, "users", "disable", "personne")
    assert code == 1 and err == "erreur : Compte inconnu : personne\n"


ENGLISH_WORDS = (" the ", " file to ", " written to ", "repeatable", "choose one of", "features")


@pytest.mark.parametrize("command", ["import", "export"])
def test_import_and_export_speak_french_in_their_help(capsys, command):
    """One language per command: the data commands' help is French like the rest."""
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = capsys.readouterr().out
    assert "fichier" in text and not [word for word in ENGLISH_WORDS if word in text]


def test_export_refusals_are_french(empty_url, capsys, tmp_path):
    assert run(capsys, "init")[0] == 0
    code, _out, err = run(capsys, "export", "zones", "--format", "shp", "--out", str(tmp_path / "zones.shp"))
    assert code != 0 and "erreur" in err and not [word for word in ENGLISH_WORDS if word in err]
