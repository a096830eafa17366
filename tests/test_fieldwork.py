"""Recording diagnostics and observations: validation in French, nothing written on refusal."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import LineString

from diagnostics.errors import NotFound, ValidationError
from diagnostics.services import fieldwork
from diagnostics.services.observations import ObservationFilter, count_observations, observations_frame
from tests.conftest import ADMIN_ACTOR, GRAY, VESOUL, make_diagnostic, make_observation


def test_a_diagnostic_is_recorded_and_listed(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    summary = fieldwork.get_diagnostic(db, ADMIN_ACTOR, diagnostic_id)
    assert (summary.commune_name, summary.team, summary.observation_count) == ("Gray", "Groupe de contact de Gray", 0)
    assert [d.id for d in fieldwork.list_diagnostics(db, ADMIN_ACTOR)] == [diagnostic_id]


def test_a_diagnostic_without_its_required_fields_is_refused_field_by_field(db):
    draft = fieldwork.DiagnosticDraft(team_id=None, commune_insee=None, place="  ", visited_on=None)
    with pytest.raises(ValidationError) as refused:
        fieldwork.start_diagnostic(db, ADMIN_ACTOR, draft)
    assert set(refused.value.errors) == {"team_id", "commune_insee", "place", "visited_on"}
    assert refused.value.errors["place"] == "Indiquez le lieu visité (rue, place, quartier…)."
    assert fieldwork.list_diagnostics(db, ADMIN_ACTOR) == []


@pytest.mark.parametrize(
    ("overrides", "field", "message_start"),
    [
        ({"visited_on": dt.date(2030, 1, 1)}, "visited_on", "La date du diagnostic (01/01/2030) ne peut pas"),
        ({"commune": "99999"}, "commune_insee", "Commune inconnue : 99999"),
        ({"team_id": 999}, "team_id", "Cette équipe n'existe pas"),
        ({"place": "x" * 201}, "place", "Ce texte est trop long (201 caractères"),
    ],
)
def test_a_diagnostic_with_a_wrong_value_is_refused(db, team_id, overrides, field, message_start):
    overrides.setdefault("team_id", team_id)
    with pytest.raises(ValidationError) as refused:
        make_diagnostic(db, **overrides)
    assert refused.value.errors[field].startswith(message_start)
    assert fieldwork.list_diagnostics(db, ADMIN_ACTOR) == []


def test_an_observation_is_stored_with_its_commune_and_date(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    observation_id = make_observation(db, diagnostic_id, description="Hall sombre", severity=3)
    stored = observations_frame(db, ADMIN_ACTOR).set_index("id").loc[observation_id]
    assert (stored.commune_insee, stored.severity, stored.status, stored.description) == (
        GRAY[0],
        3,
        "nouvelle",
        "Hall sombre",
    )
    assert stored.observed_on == dt.date(2026, 9, 15)
    assert (round(stored.geometry.y, 4), round(stored.geometry.x, 4)) == (GRAY[1], GRAY[2])


def test_a_point_outside_the_diagnostic_commune_is_refused_and_nothing_is_written(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    with pytest.raises(ValidationError) as refused:
        make_observation(db, diagnostic_id, lat=VESOUL[1], lon=VESOUL[2])
    assert refused.value.errors["position"].startswith(
        "Le point (47.62310, 6.15580) est en dehors de la commune de Gray"
    )
    assert count_observations(db, ADMIN_ACTOR) == 0


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"category": None, "severity": None, "description": " "}, {"category", "severity", "description"}),
        ({"category": "inconnue", "severity": 7}, {"category", "severity"}),
        ({"lat": None, "lon": None}, {"position"}),
        ({"lat": 123.0, "lon": float("nan")}, {"latitude", "longitude"}),
        ({"lat": "quarante-sept", "lon": 5.59}, {"latitude"}),
    ],
)
def test_an_incomplete_or_wrong_observation_is_refused(db, team_id, overrides, fields):
    diagnostic_id = make_diagnostic(db, team_id)
    with pytest.raises(ValidationError) as refused:
        make_observation(db, diagnostic_id, **overrides)
    assert set(refused.value.errors) == fields
    assert count_observations(db, ADMIN_ACTOR) == 0


def test_a_line_touching_the_commune_is_accepted(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    street = LineString([(5.5925, 47.4452), (5.5940, 47.4460)])
    observation_id = make_observation(db, diagnostic_id, lat=None, lon=None, geometry=street)
    stored = observations_frame(db, ADMIN_ACTOR, ObservationFilter(diagnostic_id=diagnostic_id))
    assert stored.set_index("id").loc[observation_id].geometry.geom_type == "LineString"


def test_an_observation_of_an_unknown_diagnostic_is_refused(db):
    with pytest.raises(NotFound):
        make_observation(db, 12345)
