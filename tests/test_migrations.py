"""From an empty database, on each backend, migrations build exactly the schema the models describe,
and go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from diagnostics.db import _alembic_config, include_in_migrations, open_database, upgrade_schema
from diagnostics.models import Base


def test_the_migrated_schema_matches_the_models(empty_database_url):
    db = open_database(empty_database_url)
    try:
        upgrade_schema(db)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"include_object": include_in_migrations})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        db.dispose()


def test_downgrade_to_nothing_and_upgrade_again(empty_database_url):
    db = open_database(empty_database_url)
    try:
        upgrade_schema(db)
        with db.engine.begin() as connection:
            command.downgrade(_alembic_config(connection), "base")
        assert "observations" not in inspect(db.engine).get_table_names()
        upgrade_schema(db)
        assert {"observations", "users", "audit_events"} <= set(inspect(db.engine).get_table_names())
    finally:
        db.dispose()
