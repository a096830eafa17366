"""Coverage analysis (patrol zones, sectors, density per commune), charts, and the map points query."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from diagnostics.services.analysis import charts, coverage
from diagnostics.services.observations import ObservationFilter, observation_points
from diagnostics.services.reference import list_teams
from tests.conftest import COMMANDANT_39, COMMANDANT_70, LONS, PUSEY, VESOUL, make_diagnostic, make_observation

MONTMARIN = (47.6346, 6.1660)  # in the Vesoul VTT patrol zone and the Le Montmarin sector


@pytest.fixture
def recorded(db, team_id):
    """Gray (zone + Quartier de l'île), Montmarin (zone + sector), Pusey and Lons (no zone)."""
    vtt = next(t.id for t in list_teams(db) if t.name == "Groupe VTT de Vesoul")
    lons_team = next(t.id for t in list_teams(db) if t.name == "Commissariat de Lons-le-Saunier")
    gray = make_diagnostic(db, team_id)
    vesoul = make_diagnostic(db, vtt, commune=VESOUL[0], place="Montmarin", visited_on=dt.date(2026, 10, 2))
    pusey = make_diagnostic(db, vtt, commune=PUSEY[0], place="Oasis III", visited_on=dt.date(2026, 8, 2))
    lons = make_diagnostic(db, lons_team, commune=LONS[0], place="Centre", visited_on=dt.date(2026, 7, 9))
    return {
        "gray": make_observation(db, gray, category="eclairage", severity=1),
        "montmarin": make_observation(db, vesoul, lat=MONTMARIN[0], lon=MONTMARIN[1], category="depots", severity=4),
        "pusey": make_observation(db, pusey, lat=PUSEY[1], lon=PUSEY[2], category="commerces", severity=3),
        "lons": make_observation(db, lons, lat=LONS[1], lon=LONS[2], category="nuisances", severity=2),
    }


def test_observations_outside_every_patrol_zone_are_listed(db, admin, recorded):
    result = coverage(db, admin)
    assert result.total == 4
    assert set(result.outside["id"]) == {recorded["pusey"], recorded["lons"]}
    assert list(result.outside["id"]) == [recorded["pusey"], recorded["lons"]]  # gravest first
    assert set(result.outside["commune"]) == {"Pusey", "Lons-le-Saunier"}


def test_observations_are_counted_per_sector(db, admin, recorded):
    by_sector = coverage(db, admin).by_sector.set_index("secteur")["observations"]
    assert by_sector["Le Montmarin"] == 1 and by_sector["Quartier de l'île"] == 1
    assert by_sector["Les Rêpes"] == 0 and by_sector.sum() == 2


def test_density_is_per_1000_inhabitants_of_each_commune(db, admin, recorded):
    by_commune = coverage(db, admin).by_commune.set_index("insee")
    pusey = by_commune.loc[PUSEY[0]]
    assert pusey["observations"] == 1
    assert pusey["pour 1 000 habitants"] == pytest.approx(1000 / pusey["population"], abs=0.01)
    assert by_commune.loc["70001", "observations"] == 0
    assert by_commune["pour 1 000 habitants"].is_monotonic_decreasing


def test_coverage_follows_filters_and_scope(db, recorded):
    assert set(coverage(db, COMMANDANT_39).outside["id"]) == {recorded["lons"]}
    assert coverage(db, COMMANDANT_70, ObservationFilter(severities=(3, 4))).total == 2


def test_charts_count_by_category_commune_month_and_open_severity(db, admin, recorded):
    result = charts(db, admin)
    by_category = result.by_category.set_index("catégorie")["observations"]
    assert by_category["Éclairage"] == 1 and by_category["Vidéoprotection"] == 0 and len(by_category) == 12
    assert list(result.by_month["mois"]) == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert list(result.by_month["observations"]) == [1, 1, 1, 1]
    assert list(result.open_by_severity["observations"]) == [1, 1, 1, 1]
    assert "Pusey (70428)" in set(result.by_commune["commune"])


def test_months_without_observations_are_shown_as_zero(db, admin, recorded):
    result = charts(db, admin, ObservationFilter(categories=("nuisances", "depots")))
    assert list(result.by_month["mois"]) == ["2026-07", "2026-08", "2026-09", "2026-10"]
    assert list(result.by_month["observations"]) == [1, 0, 0, 1]


def test_map_points_follow_every_filter(db, admin, recorded):
    def ids(**criteria):
        return set(observation_points(db, admin, ObservationFilter(**criteria))["id"])

    assert ids() == set(recorded[k] for k in ("gray", "montmarin", "pusey", "lons"))
    assert ids(severities=(3, 4)) == {recorded["montmarin"], recorded["pusey"]}
    assert ids(categories=("eclairage",)) == {recorded["gray"]}
    assert ids(communes=(LONS[0],)) == {recorded["lons"]}
    assert ids(start=dt.date(2026, 9, 1), end=dt.date(2026, 9, 30)) == {recorded["gray"]}
    assert ids(statuses=("traitee",)) == set()
    assert ids(bbox=(6.10, 47.60, 6.20, 47.66)) == {recorded["montmarin"], recorded["pusey"]}


def test_map_points_carry_a_drawing_point_and_are_sorted_by_severity(db, admin, recorded):
    points = observation_points(db, admin)
    assert list(points["severity"]) == [1, 2, 3, 4]
    lons = points.set_index("id").loc[recorded["lons"]]
    assert (round(lons["lat"], 4), round(lons["lon"], 4)) == (LONS[1], LONS[2])
    assert lons["observed_on"] == pd.Timestamp("2026-07-09") and lons["category"] == "nuisances"


def test_map_points_respect_the_actors_scope(db, recorded, agent):
    assert set(observation_points(db, COMMANDANT_39)["id"]) == {recorded["lons"]}
    assert set(observation_points(db, agent)["id"]) == {recorded["gray"]}


def test_the_bounding_box_is_exact_at_its_edges(db, admin, recorded):
    """SpatiaLite's R*Tree rounds boxes to 32-bit floats: a point just outside must stay out."""
    lat, lon = LONS[1], LONS[2]
    just_outside = (lon + 1e-7, lat - 0.01, lon + 0.01, lat + 0.01)  # west edge 1 cm east of the point
    assert recorded["lons"] not in set(observation_points(db, admin, ObservationFilter(bbox=just_outside))["id"])
    touching = (lon, lat - 0.01, lon + 0.01, lat + 0.01)
    assert recorded["lons"] in set(observation_points(db, admin, ObservationFilter(bbox=touching))["id"])
