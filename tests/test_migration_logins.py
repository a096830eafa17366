"""Migration 0009: existing logins are lower-cased; logins differing only by case stop the upgrade."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from diagnostics.db import _alembic_config, open_database, schema_revision
from diagnostics.errors import DiagnosticsError


def _migrate(db, revision: str) -> None:
    with db.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


def _add_users(db, *logins: str) -> None:
    with db.engine.begin() as connection:
        for login in logins:
            connection.execute(
                text(
                    "INSERT INTO users (login, display_name, role, departments, active, failed_logins, created_at) "
                    "VALUES (:login, '', 'admin', '', true, 0, CURRENT_TIMESTAMP)"
                ),
                {"login": login},
            )


def _logins(db) -> list[str]:
    with db.engine.connect() as connection:
        return sorted(connection.execute(text("SELECT login FROM users")).scalars())


@pytest.fixture
def db_at_0008(empty_database_url):
    db = open_database(empty_database_url)
    _migrate(db, "0008")
    yield db
    db.dispose()


def test_existing_logins_are_lower_cased(db_at_0008):
    _add_users(db_at_0008, "Jean.Dupont@Interieur.gouv.fr", "agent.gray")
    _migrate(db_at_0008, "head")
    assert _logins(db_at_0008) == ["agent.gray", "jean.dupont@interieur.gouv.fr"]
    # the older constraint survives the table's rebuild on SQLite
    with pytest.raises(Exception, match="ck_users_role|CHECK|check"), db_at_0008.engine.begin() as connection:
        connection.execute(text("UPDATE users SET role = 'general' WHERE login = 'agent.gray'"))


def test_logins_differing_only_by_case_stop_the_upgrade_and_change_nothing(db_at_0008):
    _add_users(db_at_0008, "Chef", "chef", "CHEF.gray", "chef.gray", "maire.gray")
    with pytest.raises(DiagnosticsError) as refused:
        _migrate(db_at_0008, "head")
    assert "Chef / chef" in str(refused.value) and "CHEF.gray / chef.gray" in str(refused.value)
    assert schema_revision(db_at_0008) == "0008"
    assert _logins(db_at_0008) == ["CHEF.gray", "Chef", "chef", "chef.gray", "maire.gray"]
