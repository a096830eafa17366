"""The plan of a box query, per role: the spatial index drives it (issue 20, « Found while measuring »).

A commandant's box query used to start from the département's communes on SpatiaLite (each
R*Tree candidate probed once per commune) and, on PostGIS, to scan the composite filters index
beside the GiST one. The plans are read with EXPLAIN on the statements the services really
send; no time is measured (benchmarks/box_roles.py does that).
"""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from sqlalchemy import event

from diagnostics.auth import ADMIN, AGENT, COMMANDANT, MAIRE, Actor
from diagnostics.services.observations import (
    ObservationFilter,
    count_observations,
    observation_points,
    observations_frame,
)
from diagnostics.synthetic import load_synthetic
from tests.conftest import ADMIN_ACTOR

VESOUL_TOWN = (6.08, 47.58, 6.22, 47.68)
OPEN = ("nouvelle", "transmise", "en_cours")
COMMANDER_FILTER = ObservationFilter(bbox=VESOUL_TOWN, severities=(3, 4), statuses=OPEN)
ROLES = {
    "admin": Actor("admin.plan", ADMIN),
    "commandant": Actor("commandant.plan", COMMANDANT, departments=("70",)),
    "agent": Actor("agent.plan", AGENT, team_id=1),
    "maire": Actor("maire.plan", MAIRE, commune_insee="70550"),
}
QUERIES = {
    "map points": observation_points,
    "count": count_observations,
    "table rows": observations_frame,
}


@pytest.fixture
def loaded(db):
    """A few thousand synthetic observations, with the planner's statistics gathered on PostGIS."""
    load_synthetic(db, ADMIN_ACTOR, 3_000)
    if not db.is_sqlite:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    return db


def test_every_role_s_box_query_is_driven_by_the_spatial_index(loaded):
    criteria_cases = (
        COMMANDER_FILTER,
        dataclasses.replace(COMMANDER_FILTER, communes=("70550", "70428")),
        dataclasses.replace(COMMANDER_FILTER, team_ids=(1, 2)),
    )
    for role, actor in ROLES.items():
        for name, query in QUERIES.items():
            for criteria in criteria_cases:
                plan = plan_of(loaded, lambda q=query, a=actor, c=criteria: q(loaded, a, c))
                where = f"{role}, {name}, {criteria}:\n{plan}"
                if loaded.is_sqlite and role == "maire":  # his commune's rows, fewer than the R*Tree's
                    assert "ix_observations_commune_insee" in plan and "SpatialIndex" not in plan, where
                    assert "SCAN observations" not in plan, where
                elif loaded.is_sqlite:
                    assert_box_drives_sqlite(plan, where)
                else:
                    assert_box_drives_postgis(plan, where)


def test_without_a_box_the_scope_still_uses_its_index(loaded):
    """The index-free scope is for box queries only: a maire's whole commune reads its index."""
    plan = plan_of(loaded, lambda: observation_points(loaded, ROLES["maire"]))
    if loaded.is_sqlite:
        assert "ix_observations_commune_insee" in plan, plan
    else:  # whether PostgreSQL reads the index depends on the commune's share of the rows
        assert "coalesce(commune_insee" not in plan.lower(), plan


def test_the_map_s_points_in_a_box_are_read_from_their_covering_index(loaded):
    """The map's points (drawing point in the box as well): every role's town box is read from
    ix_observations_points alone (the R*Tree's or the GiST's rows were each read from the
    table: 4-9 times a scan's cost per row at 1,000,000), and gives the rows of the row-by-row
    test of the drawing point."""
    filters = (
        dataclasses.replace(COMMANDER_FILTER, point_box=VESOUL_TOWN),
        dataclasses.replace(COMMANDER_FILTER, point_box=VESOUL_TOWN, communes=("70550", "70428")),
        dataclasses.replace(COMMANDER_FILTER, point_box=VESOUL_TOWN, team_ids=(1, 2)),
        ObservationFilter(bbox=VESOUL_TOWN, point_box=VESOUL_TOWN),
    )
    for role, actor in ROLES.items():
        for criteria in filters:
            plan = plan_of(loaded, lambda a=actor, c=criteria: observation_points(loaded, a, c))
            assert_points_index_drives(loaded, plan, f"{role}, {criteria}:\n{plan}")
            by_row = dataclasses.replace(criteria, bbox=None)  # the drawing point tested on each row
            assert list(observation_points(loaded, actor, criteria)["id"]) == list(
                observation_points(loaded, actor, by_row)["id"]
            ), f"{role}, {criteria}"


@pytest.mark.parametrize("backend", ["spatialite"], indirect=True)  # PostGIS reads the rows (in binary)
def test_spatialite_s_points_in_one_blob_are_the_rows(loaded, monkeypatch):
    """On SpatiaLite the map's points in a box come as one collected blob (services.point_rows):
    the same frame as the rows read one by one, for every role, with and without filters."""
    from diagnostics.services import point_rows

    cases = (
        dataclasses.replace(COMMANDER_FILTER, point_box=VESOUL_TOWN),
        ObservationFilter(bbox=VESOUL_TOWN, point_box=VESOUL_TOWN),
        ObservationFilter(bbox=(0.0, 0.0, 0.1, 0.1), point_box=(0.0, 0.0, 0.1, 0.1)),  # no point
    )
    blobs = {(r, c): observation_points(loaded, a, c) for r, a in ROLES.items() for c in cases}
    assert sum(len(frame) for frame in blobs.values()) > 0
    monkeypatch.setattr(point_rows, "point_columns", lambda *_: None)  # as for an unexpected blob
    for (role, criteria), frame in blobs.items():
        pd.testing.assert_frame_equal(frame, observation_points(loaded, ROLES[role], criteria), check_exact=True)


def test_a_box_wider_than_the_strips_still_reads_the_points_index(loaded):
    """Past MAX_STRIPS strips of latitude the box is one range of them: the same rows (a box
    around all the rows is a sequential scan for PostgreSQL, rightly)."""
    wide = (5.0, 46.0, 7.0, 48.0)  # 200 strips
    criteria = ObservationFilter(bbox=wide, point_box=wide, severities=(4,))
    plan = plan_of(loaded, lambda: observation_points(loaded, ROLES["commandant"], criteria))
    assert "ix_observations_points" in plan or not loaded.is_sqlite, plan
    by_row = dataclasses.replace(criteria, bbox=None)
    expected = observation_points(loaded, ROLES["commandant"], by_row)
    assert len(expected) > 0
    assert list(observation_points(loaded, ROLES["commandant"], criteria)["id"]) == list(expected["id"])


def assert_points_index_drives(db, plan: str, where: str) -> None:
    """From ix_observations_points alone; on SQLite one range per strip and gravité (migration
    0024: the gravités not chosen are not read; every gravité named when none is chosen).
    PostgreSQL weighs one descent per strip and gravité against reading the other gravités:
    over a few thousand rows it tests the gravité on the entries (at 1,000,000 it reads the
    ranges: box_roles.py)."""
    if db.is_sqlite:
        first = plan.splitlines()[0]
        assert first.startswith("SEARCH observations USING COVERING INDEX ix_observations_points"), where
        assert "(<expr>=? AND severity=? AND lon>? AND lon<?)" in first, where
        assert "SpatialIndex" not in plan and "SCAN observations" not in plan, where
    else:
        assert "Index Only Scan using ix_observations_points" in plan, where
        assert "idx_observations_geom" not in plan and "Seq Scan on observations" not in plan, where


# SQLite builds the team's diagnostics into a temporary index once already
@pytest.mark.parametrize("backend", ["postgis"], indirect=True)
def test_a_team_s_box_looks_its_diagnostics_up_in_a_hash_on_postgis(loaded):
    """PostgreSQL estimates a box at a few rows and joined each of a town's rows to diagnostics
    by an index probe (35-45 ms of 7,000 rows at 1,000,000): the team's diagnostics are hashed
    once instead (services.observations._of_teams), for the agent's scope and a chosen team;
    the rows are those of the row-by-row test."""
    town = ObservationFilter(bbox=VESOUL_TOWN, point_box=VESOUL_TOWN)
    cases = (
        (ROLES["agent"], town),
        (ROLES["agent"], dataclasses.replace(COMMANDER_FILTER, point_box=VESOUL_TOWN)),
        (ROLES["commandant"], dataclasses.replace(town, team_ids=(1, 2))),
        (ROLES["agent"], COMMANDER_FILTER),
    )
    found = 0
    for actor, criteria in cases:
        plan = plan_of(loaded, lambda a=actor, c=criteria: observation_points(loaded, a, c))
        assert "hashed SubPlan" in plan and "diagnostics_pkey" not in plan, plan
        team = observation_points(loaded, actor, criteria)
        by_row = observation_points(loaded, actor, dataclasses.replace(criteria, bbox=None, point_box=None))
        expected = by_row[(by_row["lon"].between(6.08, 6.22)) & (by_row["lat"].between(47.58, 47.68))]
        if criteria.point_box is not None:
            assert list(team["id"]) == list(expected["id"])
        found += len(team)
    assert found > 0


def assert_box_drives_sqlite(plan: str, where: str) -> None:
    first = plan.splitlines()[0]
    # The outer loop reads observations by rowid, fed by the R*Tree's candidates.
    assert first.startswith("SEARCH observations USING INTEGER PRIMARY KEY"), where
    assert "SCAN SpatialIndex VIRTUAL TABLE" in plan, where
    assert "ix_observations_commune_insee" not in plan, where
    assert "ix_observations_diagnostic_id" not in plan, where
    assert "SCAN observations" not in plan, where


def assert_box_drives_postgis(plan: str, where: str) -> None:
    assert "idx_observations_geom" in plan, where
    assert "ix_observations_filters" not in plan, where
    assert "Seq Scan on observations" not in plan, where


def plan_of(db, action) -> str:
    """The query plan of the last statement on observations that `action` sends."""
    statement, parameters, _ = last_statement(db, action)
    prefix = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
    return "\n".join(str(row[-1] if db.is_sqlite else row[0]) for row in rows)


def last_statement(db, action) -> tuple[str, object, object]:
    """The last statement on observations that `action` sends, its parameters, and what `action`
    returned."""
    sent = []

    def remember(_conn, _cursor, statement, parameters, _context, _executemany):
        if "FROM observations" in statement:
            sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        returned = action()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    return (*sent[-1], returned)


def test_the_table_s_newest_rows_are_read_along_the_dates_index(loaded):
    """A commandant's table (the newest rows of the département): read backwards along the dates'
    index until enough rows of the scope are found, not all its rows sorted (2.1 s at 1,000,000);
    the rows are those of the plain query."""
    commandant = ROLES["commandant"]
    cases = (
        ObservationFilter(),
        ObservationFilter(severities=(4,)),
        ObservationFilter(severities=(3, 4), statuses=OPEN),
    )
    for criteria in cases:
        plan = plan_of(loaded, lambda c=criteria: observations_frame(loaded, commandant, c, limit=1000))
        newest = observations_frame(loaded, commandant, criteria, limit=1000)
        every = observations_frame(loaded, commandant, criteria)
        assert list(newest["id"]) == list(every["id"][:1000])
        if loaded.is_sqlite:
            assert "SCAN observations USING INDEX ix_observations_filters" in plan, plan
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan


def test_lines_and_polygons_are_read_through_their_partial_index(loaded):
    """The map's lines and polygons: the few rows of ix_observations_shapes, not every row's
    geometry tested (0.3-4 s at 1,000,000)."""
    for actor in (ROLES["admin"], ROLES["commandant"]):
        plan = plan_of(loaded, lambda a=actor: observations_frame(loaded, a, shapes_only=True, limit=5000))
        assert "ix_observations_shapes" in plan, plan


def test_migration_0023_stores_a_missing_drawing_point(loaded):
    """The points index reads stored points only: a row written without one (SQL outside the
    application) gets it at the upgrade, and is then in its box."""
    from alembic import command
    from sqlalchemy import text

    from diagnostics.db import _alembic_config

    with loaded.engine.begin() as connection:
        command.downgrade(_alembic_config(connection), "0022")
    with loaded.engine.begin() as connection:
        first = connection.execute(text("SELECT min(id) FROM observations")).scalar()
        lon, lat = connection.execute(text("SELECT lon, lat FROM observations WHERE id = :i"), {"i": first}).one()
        connection.execute(text("UPDATE observations SET lon = NULL, lat = NULL WHERE id = :i"), {"i": first})
    with loaded.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), "head")
    box = (lon - 0.001, lat - 0.001, lon + 0.001, lat + 0.001)
    points = observation_points(loaded, ROLES["admin"], ObservationFilter(bbox=box, point_box=box))
    assert first in set(points["id"])
