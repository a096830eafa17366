"""`python -m diagnostics backup FILE`: a consistent copy while the app writes, on both backends."""

from __future__ import annotations

import shutil
import subprocess
import uuid

import pytest
from sqlalchemy import text

from diagnostics.__main__ import main
from diagnostics.db import open_database
from diagnostics.services.accounts import NewAccount, add_user
from tests.conftest import ADMIN_ACTOR, _admin_sql


def logins(url: str) -> set[str]:
    database = open_database(url)
    try:
        with database.engine.connect() as connection:
            return set(connection.execute(text("SELECT login FROM users")).scalars())
    finally:
        database.dispose()


# Each backend's own backup: the test runs on that backend only (not collected, then skipped, on the other).
@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)
def test_a_sqlite_backup_holds_the_commits_still_in_the_write_ahead_log(db, db_url, tmp_path, capsys):
    source = db_url.removeprefix("sqlite:///")
    writer = db.engine.raw_connection()  # held open, autocheckpoint off: commits stay in psq.sqlite-wal
    try:
        writer.driver_connection.execute("PRAGMA wal_autocheckpoint = 0")
        add_user(db, ADMIN_ACTOR, NewAccount(login="chef.gray", role="admin", password="mot de passe solide"))
        shutil.copyfile(source, tmp_path / "plain-copy.sqlite")  # what the README used to suggest
        assert main(["backup", str(tmp_path / "backup.sqlite")]) == 0
    finally:
        writer.close()
    assert "chef.gray" not in logins(f"sqlite:///{tmp_path / 'plain-copy.sqlite'}")
    assert "chef.gray" in logins(f"sqlite:///{tmp_path / 'backup.sqlite'}")
    assert not (tmp_path / "backup.sqlite-wal").exists()  # one self-contained file
    assert "sauvegarde écrite" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_postgis_backup_restores_with_pg_restore(db, db_url, tmp_path, capsys, request):
    add_user(db, ADMIN_ACTOR, NewAccount(login="chef.gray", role="admin", password="mot de passe solide"))
    dump = tmp_path / "psq.dump"
    assert main(["backup", str(dump)]) == 0
    postgres = request.getfixturevalue("postgres")
    name = f"restored_{uuid.uuid4().hex[:12]}"
    _admin_sql(postgres, f"CREATE DATABASE {name}")
    request.addfinalizer(lambda: _admin_sql(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    restored_url = postgres.database_url(name)
    dsn = restored_url.replace("postgresql+psycopg://", "postgresql://")
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={dsn}", str(dump)], check=True, capture_output=True)
    assert "chef.gray" in logins(restored_url)


def test_a_backup_never_overwrites_a_file(db, db_url, tmp_path, capsys):
    existing = tmp_path / "hier.sqlite"
    existing.write_bytes(b"la sauvegarde d'hier")
    assert main(["backup", str(existing)]) == 1
    assert existing.read_bytes() == b"la sauvegarde d'hier"
    assert capsys.readouterr().err.strip().endswith("une sauvegarde n'en écrase jamais une autre).")
