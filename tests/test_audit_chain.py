"""The audit log proves itself: a hash chain that `audit verify` walks, appends serialised across
concurrent writers, an append-only export, and the chain kept when the migration adds it."""

from __future__ import annotations

import json
import threading

import pytest
from alembic import command
from sqlalchemy import text

from diagnostics import audit_chain
from diagnostics.__main__ import main
from diagnostics.db import _alembic_config, open_database
from diagnostics.services import audit, audit_log
from tests.conftest import ADMIN_ACTOR


def _log(db, n: int = 5) -> None:
    for i in range(n):
        audit.record_now(
            db,
            ADMIN_ACTOR,
            "update",
            entity="observation",
            entity_id=i,
            before={"description": f"avant {i}"},
            after={"description": f"après {i}"},
            detail="suivi",
        )


def _tamper(db, statement: str, **params) -> None:
    """What someone with write access to the database could do (through the purge's own path)."""
    with db.session() as session:
        session.execute(text("INSERT INTO audit_unlocks (reason, at) VALUES ('test', CURRENT_TIMESTAMP)"))
        session.execute(text(statement), params)
        session.execute(text("DELETE FROM audit_unlocks"))


def _ids(db) -> list[int]:
    with db.session() as session:
        return list(session.scalars(text("SELECT id FROM audit_events ORDER BY id")))


def test_an_intact_log_verifies_and_the_cli_says_so(db, capsys):
    _log(db)
    result = audit_log.verify(db)
    assert result.ok and (result.rows, result.first_seq, result.last_seq) == (5, 1, 5)
    assert main(["audit", "verify"]) == 0
    assert "intègre : 5 ligne(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("statement", "position", "words"),
    [
        ('UPDATE audit_events SET after = \'{"description": "falsifié"}\' WHERE seq = 3', 3, "contenu modifié"),
        ("UPDATE audit_events SET actor = 'quelqu.un' WHERE seq = 2", 2, "contenu modifié"),
        ("DELETE FROM audit_events WHERE seq = 3", 4, "supprimée(s) avant elle"),
        ("DELETE FROM audit_events WHERE seq >= 4", None, "dernières ont été supprimées"),
        ("UPDATE audit_events SET detail = 'x', row_hash = 'f' WHERE seq = 2", 2, "contenu modifié"),
    ],
)
def test_verify_reports_the_first_row_changed_or_removed(db, capsys, statement, position, words):
    _log(db)
    _tamper(db, statement)
    result = audit_log.verify(db)
    assert not result.ok and words in str(result)
    assert (result.problem.seq if position else result.problem.row_id) == position
    assert main(["audit", "verify"]) == 1
    assert "ALTÉRÉ" in capsys.readouterr().out


def test_a_row_inserted_out_of_order_or_outside_the_chain_is_reported(db):
    _log(db, 3)
    with db.session() as session:
        session.execute(
            text(
                "INSERT INTO audit_events (at, actor, action, entity, entity_id, detail, seq, prev_hash, row_hash) "
                "VALUES (CURRENT_TIMESTAMP, 'x', 'login', 'user', 'x', '', 0, 'a', 'b')"
            )
        )
    assert "hors de son ordre" in str(audit_log.verify(db))
    _tamper(db, "UPDATE audit_events SET seq = NULL WHERE seq = 0")
    assert "hors de la chaîne" in str(audit_log.verify(db))


def test_the_log_stays_append_only_outside_the_controlled_path(db):
    _log(db, 1)
    with pytest.raises(Exception, match="append-only"), db.session() as session:
        session.execute(text("DELETE FROM audit_events"))


def test_concurrent_writers_keep_the_chain_valid(db_url):
    databases = [open_database(db_url) for _ in range(4)]
    errors = []

    def write(database, worker):
        try:
            for i in range(10):
                audit.record_now(database, f"agent.{worker}", "login", entity="user", entity_id=i)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(d, n)) for n, d in enumerate(databases)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for database in databases:
        database.dispose()
    assert errors == []
    check = open_database(db_url)
    result = audit_log.verify(check)
    check.dispose()
    assert result.ok and result.rows == 40, str(result)


def test_the_export_appends_sealed_lines_that_verify_from_the_file(db, tmp_path):
    _log(db, 3)
    folder = tmp_path / "journal"
    assert audit_log.export(db, folder) == 3
    _log(db, 2)
    assert audit_log.export(db, folder) == 2
    assert main(["audit", "export", "--to", str(folder)]) == 0
    lines = [
        json.loads(line) for path in sorted(folder.glob("audit-*.jsonl")) for line in path.read_text().splitlines()
    ]
    assert [line["seq"] for line in lines] == [1, 2, 3, 4, 5]
    assert "avant 0" not in (folder / next(iter(p.name for p in folder.iterdir()))).read_text()
    previous = audit_chain.GENESIS
    for line in lines:  # the file alone proves the chain: its payloads are the sealed form
        digest = audit_chain.payload_digest(line["before"], line["after"], line["detail"], None)
        at = __import__("datetime").datetime.fromisoformat(line["at"])
        fields = (line["actor"], line["action"], line["entity"], line["entity_id"], digest)
        assert audit_chain.row_hash(previous, line["seq"], at, *fields) == line["row_hash"]
        previous = line["row_hash"]


def test_the_migration_chains_the_rows_already_there(db):
    with db.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0015")
    with db.engine.begin() as connection:
        for i in range(3):
            connection.execute(
                text(
                    "INSERT INTO audit_events (at, actor, action, entity, entity_id, after, detail) "
                    "VALUES (:at, 'admin', 'create', 'diagnostic', :id, :after, 'ancien')"
                ),
                {"at": f"2026-01-0{i + 1} 10:00:00.000000", "id": str(i), "after": json.dumps({"participants": "X"})},
            )
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    _log(db, 2)
    result = audit_log.verify(db)
    assert result.ok and result.rows == 5, str(result)
