"""« Observations hors zones de patrouille » from the map's route and the bounded list under the
map (issue 20), on both backends: the SQL spatial test agrees with shapely's, per role and
scope; the route's cells and points keep only those outside; the list is bounded, most grave
first; partners and mayors are refused."""

from __future__ import annotations

import json

import pytest

from diagnostics.auth import MAIRE, Actor
from diagnostics.errors import PermissionDenied
from diagnostics.maps.canvas import unpack_payload
from diagnostics.services import analysis, outside_zones, reference, viewport
from diagnostics.services.observations import ObservationFilter, count_observations, observation_points
from tests.test_map_api import BOTH, VESOUL_TOWN, actor_of, answer, cells_of, get, loaded  # noqa: F401

CRITERIA = ObservationFilter(severities=(2, 3, 4))
MAIRE_GRAY = Actor("maire.gray", MAIRE, commune_insee="70279")


@pytest.fixture
def db3000(loaded):  # noqa: F811 (test_map_api's: 3,000 synthetic observations and the accounts)
    return loaded


def shapely_outside(db, actor, criteria=None) -> set[int]:
    points = observation_points(db, actor, criteria or ObservationFilter())
    return set(points.loc[analysis.mark_outside_zones(points, reference.patrol_zones_frame(db)), "id"].tolist())


@pytest.mark.parametrize("login", ["admin.carte", "cdt.70", "cdt.39", "agent.gray"])
def test_the_sql_test_agrees_with_shapely_for_every_scope(db3000, login):
    actor = actor_of(db3000, login)
    expected = shapely_outside(db3000, actor, CRITERIA)
    outside = observation_points(db3000, actor, ObservationFilter(severities=(2, 3, 4), outside_zones=True))
    assert set(outside["id"].tolist()) == expected
    found = outside_zones.outside_zones(db3000, actor, CRITERIA, limit=20)
    assert found.outside == len(expected) and found.total == count_observations(db3000, actor, CRITERIA)
    if login != "cdt.39":  # the demo's zones lie in Haute-Saône: some observations there are inside
        assert 0 < found.outside < found.total


def test_the_list_is_bounded_and_the_most_grave_come_first(db3000):
    found = outside_zones.outside_zones(db3000, actor_of(db3000, "cdt.70"), ObservationFilter(), limit=25)
    assert len(found.listed) == 25 < found.outside
    severities = found.listed["severity"].tolist()
    assert severities == sorted(severities, reverse=True)
    assert list(found.listed.columns) == list(outside_zones.LIST_COLUMNS)
    with pytest.raises(PermissionDenied):
        outside_zones.outside_zones(
            db3000, Actor("maire.gray", MAIRE, commune_insee="70279"), ObservationFilter(), limit=5
        )


def test_the_route_keeps_only_those_outside_in_cells_and_points(db3000):
    actor = actor_of(db3000, "cdt.70")
    everything = answer(get(db3000, "cdt.70", BOTH, 8))
    data = answer(get(db3000, "cdt.70", BOTH, 8, "hors=1"))
    assert data["mode"] == "cells" and data["total"] == len(shapely_outside(db3000, actor)) < everything["total"]
    assert sum(cell["n"] for cell in cells_of(data)) == data["total"]
    town = answer(get(db3000, "cdt.70", VESOUL_TOWN, 16, "hors=1&grav=3,4"))
    assert town["mode"] == "points"
    points = unpack_payload(json.dumps(town["points"]))
    box = viewport.snapped(viewport.View(VESOUL_TOWN, 16)).bbox
    expected = shapely_outside(db3000, actor, ObservationFilter(severities=(3, 4), point_box=box))
    assert set(points["id"].tolist()) == expected and points["out"].all()
    # Another answer than without the switch (its own ETag), and partners are still refused.
    assert get(db3000, "cdt.70", BOTH, 8, "hors=1").headers["etag"] != get(db3000, "cdt.70", BOTH, 8).headers["etag"]
    for login in ("maire.gray", "bailleur"):
        assert get(db3000, login, BOTH, 8, "hors=1").status == 403
