"""The bulk writer (diagnostics.bulk) behind `init --observations N`: the same rows as the ORM
session's path, found through the spatial index, all or nothing, and the data version moved."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import delete, func, select, text

from diagnostics import bulk, dataversion
from diagnostics.models import Diagnostic, Observation
from diagnostics.synthetic import REFERENCE_PREFIX, load_synthetic
from tests.conftest import ADMIN_ACTOR, make_diagnostic, make_observation
from tests.test_box_plans import COMMANDER_FILTER, ROLES, assert_box_drives_postgis, assert_box_drives_sqlite, plan_of

TODAY = dt.date(2026, 11, 20)
COUNT = 2_000


def _frame(db) -> pd.DataFrame:
    """Every column the load sets, the diagnostic by its reference (ids differ between loads)."""
    columns = [
        Diagnostic.reference,
        Diagnostic.team_id,
        Observation.commune_insee,
        Observation.observed_on,
        Observation.category,
        Observation.severity,
        Observation.status,
        Observation.description,
        Observation.recommendation,
        Observation.partner,
        Observation.partner_id,
        Observation.shareable,
        Observation.shared_fields,
        Observation.author,
        Observation.version,
        Observation.assigned_at.is_not(None).label("assigned"),
        Observation.lon,
        Observation.lat,
        func.ST_X(Observation.geom).label("x"),
        func.ST_Y(Observation.geom).label("y"),
        func.ST_SRID(Observation.geom).label("srid"),
        func.ST_GeometryType(Observation.geom).label("kind"),
    ]
    with db.session() as session:
        rows = session.execute(
            select(*columns).join(Diagnostic, Diagnostic.id == Observation.diagnostic_id).order_by(Observation.id)
        ).all()
    return pd.DataFrame(rows, columns=[getattr(c, "key", None) or c.name for c in columns])


def _remove_synthetic(db) -> None:
    with db.session() as session:
        synthetic = select(Diagnostic.id).where(Diagnostic.reference.like(f"{REFERENCE_PREFIX}%"))
        session.execute(delete(Observation).where(Observation.diagnostic_id.in_(synthetic)))
        session.execute(delete(Diagnostic).where(Diagnostic.reference.like(f"{REFERENCE_PREFIX}%")))


def _counts(db) -> tuple:
    with db.session() as session:
        return (
            session.scalar(select(func.count(Observation.id))),
            session.scalar(select(func.count(Diagnostic.id))),
            dataversion.current(session, dataversion.OBSERVATIONS),
            _triggers(session),
            _indexes(session),
        )


def _triggers(session) -> list[str]:
    """SpatiaLite's triggers on observations (set aside during a load, back after it)."""
    if session.bind.dialect.name != "sqlite":
        return []
    statement = "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'observations' ORDER BY name"
    return list(session.execute(text(statement)).scalars())


def _indexes(session) -> list[str]:
    """The indexes of observations and diagnostics, and on PostGIS their constraints (dropped and
    rebuilt by a large load)."""
    if session.bind.dialect.name == "sqlite":
        statement = (
            "SELECT sql FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name IN ('observations', 'diagnostics') ORDER BY name"
        )
    else:
        statement = (
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('observations', 'diagnostics') UNION ALL "
            "SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid IN ('observations'::regclass, 'diagnostics'::regclass) ORDER BY 1"
        )
    return list(session.execute(text(statement)).scalars())


def test_the_bulk_path_writes_the_rows_of_the_orm_path(db):
    load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY, fast=False)
    reference = _frame(db)
    _remove_synthetic(db)
    load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY, fast=True)
    written = _frame(db)
    assert len(written) == COUNT
    pd.testing.assert_frame_equal(written, reference)
    assert set(written["srid"]) == {4326} and written["kind"].str.upper().str.contains("POINT").all()
    assert (written["lon"] == written["x"]).all() and (written["lat"] == written["y"]).all()
    assert (written["shareable"] == (written["shared_fields"] != "")).all() and written["shareable"].any()


def test_the_box_query_finds_bulk_rows_through_the_spatial_index(db):
    triggers = _counts(db)[3]
    load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY)
    assert _counts(db)[3] == triggers and (triggers or not db.is_sqlite)
    if db.is_sqlite:  # the R*Tree holds every row, with its box, and is still kept by the triggers
        make_observation(db, make_diagnostic(db, 1))
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT CheckSpatialIndex('observations', 'geom')").scalar() == 1
            indexed = connection.exec_driver_sql("SELECT count(*) FROM idx_observations_geom").scalar()
        assert indexed == COUNT + 1
    from diagnostics.services.observations import count_observations

    for actor in (ROLES["admin"], ROLES["commandant"]):
        plan = plan_of(db, lambda a=actor: count_observations(db, a, COMMANDER_FILTER))
        (assert_box_drives_sqlite if db.is_sqlite else assert_box_drives_postgis)(plan, plan)
    with db.session() as session:
        west, south, east, north = COMMANDER_FILTER.bbox
        in_box = session.scalar(
            select(func.count(Observation.id)).where(
                Observation.lon.between(west, east), Observation.lat.between(south, north)
            )
        )
    unfiltered = COMMANDER_FILTER.__class__(bbox=COMMANDER_FILTER.bbox)
    assert in_box > 0 and count_observations(db, ROLES["admin"], unfiltered) == in_box


@pytest.mark.parametrize("rebuild", [False, True], ids=["indexes kept", "indexes rebuilt"])
def test_a_failure_mid_load_leaves_the_database_unchanged(db, monkeypatch, rebuild):
    """A row the database refuses (here a gravité of 9, against its CHECK) halfway through the
    load: nothing is left, neither rows nor diagnostics, and triggers and indexes are back."""
    if rebuild:
        monkeypatch.setattr(bulk, "REBUILD_AT", 100)
    before = _counts(db)
    real = bulk.write_observations

    def failing(session, columns, lon, lat, **options):
        severity = np.array(columns["severity"])
        severity[COUNT // 2] = 9
        return real(session, {**columns, "severity": severity}, lon, lat, **options)

    monkeypatch.setattr(bulk, "write_observations", failing)
    with pytest.raises(Exception, match="ck_observations_severity|CHECK constraint"):
        load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY)
    assert _counts(db) == before


def test_a_load_larger_than_the_table_rebuilds_the_same_indexes(db, monkeypatch):
    monkeypatch.setattr(bulk, "REBUILD_AT", 100)
    before = _counts(db)
    load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY)
    after = _counts(db)
    assert after[3:] == before[3:] and after[0] == before[0] + COUNT
    if db.is_sqlite:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert connection.exec_driver_sql("SELECT CheckSpatialIndex('observations', 'geom')").scalar() == 1


def test_rows_are_stored_in_space_filling_order():
    """Hilbert order: neighbours on the curve are neighbours on the ground (a town's rows together)."""
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(5, 7, 10_000), rng.uniform(46, 48, 10_000)
    order = bulk.spatial_order(lon, lat)
    assert sorted(order.tolist()) == list(range(10_000))
    steps = np.hypot(np.diff(lon[order]), np.diff(lat[order]))
    assert np.median(steps) < 0.05 and np.median(np.hypot(np.diff(lon), np.diff(lat))) > 0.5


def test_the_bulk_load_moves_the_data_version(db):
    version = _counts(db)[2]
    load_synthetic(db, ADMIN_ACTOR, COUNT, today=TODAY)
    observations, _, after, *_ = _counts(db)
    assert observations >= COUNT and after > version


def test_the_writer_itself_bumps_the_observations_version(db):
    """Its rows bypass the ORM's listeners: the writer bumps the counter (even for the last batch)."""
    version = _counts(db)[2]
    with db.session() as session:
        assert bulk.write_observations(session, {"diagnostic_id": []}, [], []) == 0
    assert _counts(db)[2] == version + 1
