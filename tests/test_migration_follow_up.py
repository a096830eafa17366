"""Migration 0003 (follow-up) upgrades and downgrades on SpatiaLite without harming the geometry."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from diagnostics.db import _alembic_config, open_database, schema_revision, upgrade_schema


def _migrate(db, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as connection:
        cfg = _alembic_config(connection)
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _observation_columns(db) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("observations")}


def test_0003_goes_down_and_up_and_keeps_the_spatial_index(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        upgrade_schema(db)
        head = schema_revision(db)  # 0003 or a later revision: this test is about 0003
        assert head >= "0003"
        assert {"partner_id", "lon", "lat"} <= _observation_columns(db)  # assigned_* became partner_id (0012)
        _migrate(db, "0002", down=True)
        assert schema_revision(db) == "0002"
        assert "lon" not in _observation_columns(db)
        assert not inspect(db.engine).has_table("observation_events")
        _migrate(db, "head")
        assert schema_revision(db) == head and inspect(db.engine).has_table("observation_events")
        with db.engine.connect() as connection:
            registered = connection.execute(
                text("SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'observations'")
            ).scalar()
        assert registered == 1
    finally:
        db.dispose()
