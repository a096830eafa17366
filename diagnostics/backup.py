"""A consistent copy of the database while the app runs: `python -m diagnostics backup FILE`.

A plain copy of a SpatiaLite file taken during writes can miss the latest commits, which sit in
the write-ahead log (`psq.sqlite-wal`) until a checkpoint, or catch a page half-written. SQLite's
online backup API copies a consistent snapshot, WAL included, into one self-contained file.
PostGIS is dumped with `pg_dump` (custom format, restored with `pg_restore`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError

PG_DUMP_TIMEOUT_S = 3600
EXISTS = "Le fichier {path} existe déjà : choisissez un autre nom (une sauvegarde n'en écrase jamais une autre)."
NO_PG_DUMP = "pg_dump est introuvable : installez le paquet Debian postgresql-client (de la version du serveur)."
PG_DUMP_FAILED = "pg_dump a échoué : {reason}"


def backup_database(db: Database, target: Path) -> int:
    """Write a consistent copy of `db` to `target` (a new file); returns its size in bytes."""
    target = Path(target)
    if target.exists():  # the database file itself among others
        raise DiagnosticsError(EXISTS.format(path=target))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        (_backup_sqlite if db.is_sqlite else _backup_postgres)(db, partial)
        os.replace(partial, target)  # a backup is there whole, or not at all
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


def _backup_sqlite(db: Database, partial: Path) -> None:
    raw = db.engine.raw_connection()
    try:
        source = raw.driver_connection
        destination = type(source)(str(partial))  # the same sqlite module as the engine's
        try:
            source.backup(destination)
        finally:
            destination.close()
    finally:
        raw.close()


def _backup_postgres(db: Database, partial: Path) -> None:
    executable = shutil.which("pg_dump")
    if executable is None:
        raise DiagnosticsError(NO_PG_DUMP)
    url = db.engine.url.set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)  # not on the command line, where `ps` shows it
    dsn = url.set(password=None).render_as_string(hide_password=False)
    try:
        subprocess.run(
            [executable, "--format=custom", f"--file={partial}", f"--dbname={dsn}"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            timeout=PG_DUMP_TIMEOUT_S,
        )
    except subprocess.CalledProcessError as exc:
        reason = (exc.stderr or "").strip().splitlines()
        raise DiagnosticsError(PG_DUMP_FAILED.format(reason=reason[-1] if reason else exc.returncode)) from exc
    except subprocess.TimeoutExpired as exc:
        raise DiagnosticsError(PG_DUMP_FAILED.format(reason=f"plus de {PG_DUMP_TIMEOUT_S} s")) from exc
