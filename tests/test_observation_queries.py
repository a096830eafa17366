"""The commanders' filters and the bounding box through the spatial index."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from diagnostics.services.observations import ObservationFilter, count_observations, observations_frame
from diagnostics.services.reference import list_teams
from tests.conftest import ADMIN_ACTOR, LONS, PUSEY, VESOUL, make_diagnostic, make_observation


@pytest.fixture
def recorded(db, team_id):
    """Four observations: two in Gray (2026-09-15), one in Vesoul and one in Pusey (2026-10-02)."""
    other_team = next(t.id for t in list_teams(db) if t.name == "Groupe VTT de Vesoul")
    gray = make_diagnostic(db, team_id)
    vesoul = make_diagnostic(db, other_team, commune=VESOUL[0], place="Centre", visited_on=dt.date(2026, 10, 2))
    pusey = make_diagnostic(db, other_team, commune=PUSEY[0], place="Oasis III", visited_on=dt.date(2026, 10, 2))
    return {
        "gray_light": make_observation(db, gray, category="eclairage", severity=1),
        "gray_drugs": make_observation(db, gray, category="stupefiants", severity=4, description="Guetteurs"),
        "vesoul": make_observation(db, vesoul, lat=VESOUL[1], lon=VESOUL[2], category="depots", severity=2),
        "pusey": make_observation(db, pusey, lat=PUSEY[1], lon=PUSEY[2], category="commerces", severity=3),
        "teams": (team_id, other_team),
    }


def ids(db, **criteria) -> set[int]:
    return set(observations_frame(db, ADMIN_ACTOR, ObservationFilter(**criteria))["id"])


def test_no_filter_keeps_everything_newest_first(db, recorded):
    frame = observations_frame(db, ADMIN_ACTOR)
    assert len(frame) == 4 and frame.crs == "EPSG:4326"
    assert list(frame["observed_on"])[:2] == [dt.date(2026, 10, 2)] * 2
    assert set(frame.columns) >= {"commune_name", "team_name", "place", "version", "geometry"}


def test_each_filter_keeps_only_what_it_names(db, recorded):
    gray_team, vtt_team = recorded["teams"]
    assert ids(db, categories=("eclairage", "depots")) == {recorded["gray_light"], recorded["vesoul"]}
    assert ids(db, severities=(3, 4)) == {recorded["gray_drugs"], recorded["pusey"]}
    assert ids(db, communes=(PUSEY[0],)) == {recorded["pusey"]}
    assert ids(db, team_ids=(gray_team,)) == {recorded["gray_light"], recorded["gray_drugs"]}
    assert ids(db, start=dt.date(2026, 10, 1)) == {recorded["vesoul"], recorded["pusey"]}
    assert ids(db, end=dt.date(2026, 9, 30)) == {recorded["gray_light"], recorded["gray_drugs"]}
    assert ids(db, statuses=("traitee",)) == set()
    assert ids(db, team_ids=(vtt_team,), severities=(2,)) == {recorded["vesoul"]}


def test_the_bounding_box_keeps_what_lies_inside(db, recorded):
    around_vesoul_and_pusey = (6.10, 47.60, 6.20, 47.66)
    assert ids(db, bbox=around_vesoul_and_pusey) == {recorded["vesoul"], recorded["pusey"]}
    assert ids(db, bbox=(LONS[2] - 0.01, LONS[1] - 0.01, LONS[2] + 0.01, LONS[1] + 0.01)) == set()
    assert count_observations(db, ADMIN_ACTOR, ObservationFilter(bbox=around_vesoul_and_pusey, severities=(3,))) == 1


def test_the_bounding_box_query_goes_through_the_spatial_index(db, recorded):
    from diagnostics.auth import Scope
    from diagnostics.services.observations import _filtered, _observation_select

    statement = _filtered(db, _observation_select(), ObservationFilter(bbox=(6.1, 47.6, 6.2, 47.7)), Scope())
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as connection:
        if db.is_sqlite:
            plan = connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        else:
            connection.execute(text("SET enable_seqscan = off"))  # a handful of rows would be scanned anyway
            plan = connection.execute(text(f"EXPLAIN {compiled}")).all()
    plan_text = " ".join(str(row) for row in plan)
    assert "SpatialIndex" in plan_text or "idx_observations_geom" in plan_text


def test_shapes_only_keeps_lines_and_polygons(db, team_id):
    from shapely.geometry import LineString, Polygon

    diagnostic_id = make_diagnostic(db, team_id)
    point = make_observation(db, diagnostic_id)
    line = make_observation(
        db, diagnostic_id, lat=None, lon=None, geometry=LineString([(5.5925, 47.4452), (5.5940, 47.4460)])
    )
    area = make_observation(
        db, diagnostic_id, lat=None, lon=None, geometry=Polygon([(5.592, 47.445), (5.593, 47.445), (5.593, 47.446)])
    )
    shapes = observations_frame(db, ADMIN_ACTOR, shapes_only=True)
    assert set(shapes["id"]) == {line, area} and point not in set(shapes["id"])
    assert set(shapes.geometry.geom_type) == {"LineString", "Polygon"}
