"""Alembic environment. Run through `python -m diagnostics init`, which passes the connection;
`alembic` on the command line works too (it then opens DATABASE_URL itself)."""

from __future__ import annotations

from alembic import context
from geoalchemy2 import alembic_helpers

from diagnostics.models import Base

target_metadata = Base.metadata


# Tables SpatiaLite creates for itself; autogenerate must neither create nor drop them.
_SPATIALITE_INTERNAL_TABLES = {
    "SpatialIndex",
    "KNN",
    "KNN2",
    "ElementaryGeometries",
    "data_licenses",
    "sql_statements_log",
}


def _include_object(obj, name, obj_type, reflected, compare_to) -> bool:
    if obj_type == "table" and name in _SPATIALITE_INTERNAL_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include_object,
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
