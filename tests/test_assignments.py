"""Assignment with a due date, the « en retard » filter and count, routing rules and due delays."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import Sector
from diagnostics.services import assignments, partners, routing
from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from diagnostics.services.observations import ObservationFilter, observations_frame
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    VESOUL,
    make_diagnostic,
    make_observation,
    make_partner,
)

TODAY = dt.date(2026, 11, 20)


def test_the_due_date_follows_the_gravite_and_changes_only_with_a_reason(db, team_id):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    diagnostic = make_diagnostic(db, team_id)
    ids = {severity: make_observation(db, diagnostic, severity=severity) for severity in (1, 2, 3, 4)}
    for observation_id in ids.values():
        assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)
    due = {severity: observation_detail(db, COMMANDANT_70, i).due_on for severity, i in ids.items()}
    assert {severity: (day - TODAY).days for severity, day in due.items()} == {1: 180, 2: 90, 3: 30, 4: 7}
    later = TODAY + dt.timedelta(days=60)
    with pytest.raises(ValidationError) as refused:
        assignments.change_due_date(db, COMMANDANT_70, ids[4], later, "  ", today=TODAY)
    assert "due_reason" in refused.value.errors
    with pytest.raises(ValidationError) as refused:
        assignments.change_due_date(db, COMMANDANT_70, ids[4], TODAY - dt.timedelta(days=1), "x", today=TODAY)
    assert "due_on" in refused.value.errors
    assignments.change_due_date(db, COMMANDANT_70, ids[4], later, "Travaux lourds : devis", today=TODAY)
    assert observation_detail(db, COMMANDANT_70, ids[4]).due_on == later
    history = observation_history(db, COMMANDANT_70, ids[4])
    event = history[history["kind"] == "due_date"].iloc[0]
    assert (event["old_value"], event["new_value"], event["comment"]) == (
        "27/11/2026",
        "19/01/2027",
        "Travaux lourds : devis",
    )


def test_administrators_set_the_delays(db, team_id):
    with pytest.raises(PermissionDenied):
        partners.save_due_delays(db, COMMANDANT_70, {4: 3})
    with pytest.raises(ValidationError):
        partners.save_due_delays(db, ADMIN_ACTOR, {4: 0})
    partners.save_due_delays(db, ADMIN_ACTOR, {4: 3})
    assert partners.due_delays(db) == {4: 3, 3: 30, 2: 90, 1: 180}
    observation_id = make_observation(db, make_diagnostic(db, team_id), severity=4)
    assignments.assign(db, COMMANDANT_70, observation_id, make_partner(db), today=TODAY)
    assert observation_detail(db, COMMANDANT_70, observation_id).due_on == TODAY + dt.timedelta(days=3)


def test_overdue_is_a_filter_and_a_count_per_scope(db, team_id):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    diagnostic = make_diagnostic(db, team_id)
    late = make_observation(db, diagnostic, severity=4)
    on_time = make_observation(db, diagnostic, severity=1)
    done = make_observation(db, diagnostic, severity=4)
    make_observation(db, diagnostic)  # not assigned
    for observation_id in (late, on_time, done):
        assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)
    version = observation_detail(db, COMMANDANT_70, done).version
    save_follow_up(db, COMMANDANT_70, done, version, FollowUp("traitee", habitat, comment="Vu sur place."), today=TODAY)
    day = TODAY + dt.timedelta(days=10)
    overdue = assignments.overdue_assignments(db, COMMANDANT_70, today=day)
    assert list(overdue["id"]) == [late] and list(overdue["days_late"]) == [3]
    assert list(overdue["partner_name"]) == ["Habitat 70"]
    filtered = observations_frame(db, COMMANDANT_70, ObservationFilter(overdue_on=day))
    assert list(filtered["id"]) == [late]
    assert assignments.overdue_ids(db, COMMANDANT_39, today=day) == frozenset()
    # The page's metric and its table's marks, counted and read in SQL: the same answers.
    assert [assignments.count_overdue(db, a, today=day) for a in (COMMANDANT_70, COMMANDANT_39, ADMIN_ACTOR)] == [
        1,
        0,
        1,
    ]
    assert assignments.overdue_ids(db, COMMANDANT_70, today=day, among=(late, on_time, done)) == {late}
    assert assignments.overdue_ids(db, COMMANDANT_70, today=day, among=(on_time,)) == frozenset()
    assert assignments.overdue_ids(db, COMMANDANT_39, today=day, among=(late,)) == frozenset()
    partner = Actor(login="p", role=PARTENAIRE, partner_id=habitat)
    with pytest.raises(PermissionDenied):
        assignments.overdue_assignments(db, partner)
    with pytest.raises(PermissionDenied):
        assignments.count_overdue(db, partner)


def test_the_most_specific_rule_is_offered(db, team_id):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    gray = make_partner(db, "Mairie de Gray", "commune", communes=(GRAY[0],))
    with db.session() as session:
        island = session.scalar(select(Sector.id).where(Sector.name == "Quartier de l'île"))
    routing.save_rule(db, ADMIN_ACTOR, routing.RuleInput("eclairage", "commune", GRAY[0], gray))
    diagnostic = make_diagnostic(db, team_id)
    in_island = make_observation(db, diagnostic)  # GRAY lies in the quartier de l'île
    assert routing.offered_partner(db, COMMANDANT_70, in_island).partner_name == "Mairie de Gray"
    routing.save_rule(db, ADMIN_ACTOR, routing.RuleInput("eclairage", "sector", str(island), habitat))
    offer = routing.offered_partner(db, COMMANDANT_70, in_island)
    assert offer.partner_name == "Habitat 70" and "Secteur Quartier de l'île" in offer.because
    # Outside the sector, the commune's rule; another catégorie: nothing, or the partner the agent named.
    away = make_observation(db, diagnostic, lat=47.4530, lon=5.6050)
    assert routing.offered_partner(db, COMMANDANT_70, away).partner_name == "Mairie de Gray"
    named = make_observation(db, diagnostic, category="depots", partner="  habitat 70 ")
    assert routing.offered_partner(db, COMMANDANT_70, named).partner_name == "Habitat 70"
    assert routing.offered_partner(db, COMMANDANT_70, make_observation(db, diagnostic, category="depots")) is None
    # The same catégorie and place again replaces the partner; only administrators edit rules.
    routing.save_rule(db, ADMIN_ACTOR, routing.RuleInput("eclairage", "commune", GRAY[0], habitat))
    assert len(routing.list_rules(db, ADMIN_ACTOR)) == 2
    with pytest.raises(PermissionDenied):
        routing.save_rule(db, COMMANDANT_70, routing.RuleInput("eclairage", "commune", VESOUL[0], habitat))


def test_partner_names_are_unique_case_and_accents_aside(db):
    make_partner(db, "Préfecture de la Haute-Saône", "prefecture")
    with pytest.raises(ValidationError, match="existe déjà"):
        make_partner(db, "  prefecture de la haute-saone ", "prefecture")
    with pytest.raises(ValidationError) as refused:
        make_partner(db, "Vbus", "transporteur", emails=("pas-une-adresse",))
    assert "emails" in refused.value.errors
