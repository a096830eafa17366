"""Alembic environment. Run through `python -m diagnostics init`, which passes the connection;
`alembic` on the command line works too (it then opens DATABASE_URL itself)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from diagnostics.db import include_in_migrations
from diagnostics.models import Base

target_metadata = Base.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=include_in_migrations,
        process_revision_directives=alembic_helpers.writer,
        render_item=alembic_helpers.render_item,
        render_as_batch=connection.dialect.name == "sqlite",
    )


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from diagnostics import config
    from diagnostics.db import make_engine

    engine = make_engine(config.database_url())
    with engine.begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported: geometry columns need a live database.")
run_migrations_online()
