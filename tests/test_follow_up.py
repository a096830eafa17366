"""Commanders' follow-up: status, assignment, dated comments, history, audit and optimistic locking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select, update

from diagnostics import localtime
from diagnostics.auth import ADMIN, AGENT, COMMANDANT, MAIRE, Actor
from diagnostics.errors import Conflict, NotFound, PermissionDenied, ValidationError
from diagnostics.models import AuditEvent, Observation
from diagnostics.services import fieldwork, follow_up
from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from tests.conftest import GRAY, LONS, make_partner

ADMIN_ACTOR = Actor(login="admin", role=ADMIN, display_name="Référent PSQ")
CHEF = Actor(login="cdt.martin", role=COMMANDANT, departments=("70",), display_name="Cdt Martin")
CHEF_2 = Actor(login="cne.durand", role=COMMANDANT, departments=("70",), display_name="Cne Durand")
JURA = Actor(login="cdt.jura", role=COMMANDANT, departments=("39",))
TODAY = dt.date(2026, 11, 20)


def record_observation(db, team_id: int, *, commune: str = GRAY[0], lat: float = GRAY[1], lon: float = GRAY[2]):
    diagnostic = fieldwork.start_diagnostic(
        db,
        ADMIN_ACTOR,
        fieldwork.DiagnosticDraft(
            team_id=team_id, commune_insee=commune, place="Centre", visited_on=dt.date(2026, 9, 15)
        ),
    )
    draft = fieldwork.ObservationDraft(
        category="eclairage", severity=3, description="Candélabre éteint", latitude=lat, longitude=lon
    )
    return fieldwork.record_observation(db, ADMIN_ACTOR, diagnostic, draft)


@pytest.fixture
def observation_id(db, team_id) -> int:
    return record_observation(db, team_id)


def test_a_commander_changes_status_assigns_and_comments(db, observation_id):
    read = observation_detail(db, CHEF, observation_id)
    assert (read.status, read.partner_id, read.version) == ("nouvelle", None, 1)
    gray = make_partner(db)
    change = FollowUp(
        status="transmise",
        partner_id=gray,
        comment="Signalé au service voirie.",
        comment_date=dt.date(2026, 11, 18),
    )
    version = save_follow_up(db, CHEF, observation_id, read.version, change, today=TODAY)
    after = observation_detail(db, CHEF, observation_id)
    assert (after.status, after.partner_id, after.partner_name, after.version) == (
        "transmise",
        gray,
        "Commune de Gray",
        version,
    )
    assert version == 2 and after.due_on == TODAY + dt.timedelta(days=30)  # forte: 30 days


def test_every_change_is_kept_in_the_history(db, observation_id):
    v1 = observation_detail(db, CHEF, observation_id).version
    habitat = make_partner(db, "Habitat 70", "bailleur")
    v2 = save_follow_up(db, CHEF, observation_id, v1, FollowUp("transmise", habitat), today=TODAY)
    v3 = save_follow_up(db, CHEF_2, observation_id, v2, FollowUp("en_cours", habitat), today=TODAY)
    save_follow_up(
        db,
        CHEF,
        observation_id,
        v3,
        FollowUp("en_cours", habitat, comment="Devis reçu.", comment_date=dt.date(2026, 11, 2)),
        today=TODAY,
    )
    history = observation_history(db, CHEF, observation_id)
    assert list(history["kind"]) == ["status", "assignment", "status", "comment"]
    assert list(history["new_value"][:3]) == ["transmise", "Habitat 70", "en_cours"]
    assert list(history["old_value"][:3]) == ["nouvelle", "", "transmise"]
    assert history["actor"][2].startswith("Cne Durand")
    assert history["comment"][3] == "Devis reçu." and history["dated"][3] == dt.date(2026, 11, 2)


def test_a_comment_alone_is_saved_and_moves_the_version_on(db, observation_id):
    version = save_follow_up(db, CHEF, observation_id, 1, FollowUp("nouvelle", comment="Vu le maire."), today=TODAY)
    assert version == 2
    history = observation_history(db, CHEF, observation_id)
    assert (
        list(history["kind"]) == ["comment"] and history["dated"][0] == localtime.now_paris().date()
    )  # today in Paris


def test_each_save_writes_one_audit_event_in_the_same_transaction(db, observation_id):
    save_follow_up(db, CHEF, observation_id, 1, FollowUp("traitee", comment="Lampes changées."), today=TODAY)
    with db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == "observation", AuditEvent.action == "update")
        ).all()
    assert len(events) == 1 and events[0].actor == "cdt.martin"
    assert json.loads(events[0].before)["status"] == "nouvelle"
    assert json.loads(events[0].after)["status"] == "traitee"
    assert json.loads(events[0].after)["comment"] == "Lampes changées."


def test_the_second_of_two_commanders_is_refused_and_nothing_is_overwritten(db, observation_id):
    first = observation_detail(db, CHEF, observation_id)
    second = observation_detail(db, CHEF_2, observation_id)
    save_follow_up(db, CHEF, observation_id, first.version, FollowUp("en_cours"), today=TODAY)
    with pytest.raises(Conflict) as refused:
        save_follow_up(
            db, CHEF_2, observation_id, second.version, FollowUp("classee", comment="Sans suite."), today=TODAY
        )
    assert "modifiée par Cdt Martin" in str(refused.value) and "n'a pas été enregistrée" in str(refused.value)
    now = observation_detail(db, CHEF, observation_id)
    assert (now.status, now.version) == ("en_cours", 2)
    assert list(observation_history(db, CHEF, observation_id)["kind"]) == ["status"]


def test_a_write_between_read_and_save_is_caught_by_the_version_column(db, observation_id, monkeypatch):
    """The explicit check passes, then someone commits before our UPDATE: StaleDataError → Conflict."""
    original = follow_up.observation_for_follow_up

    def read_then_someone_else_saves(session, actor, obs_id):
        observation = original(session, actor, obs_id)
        with db.engine.begin() as other:
            other.execute(update(Observation).where(Observation.id == obs_id).values(version=Observation.version + 1))
        return observation

    monkeypatch.setattr(follow_up, "observation_for_follow_up", read_then_someone_else_saves)
    with pytest.raises(Conflict, match="n'a pas été enregistrée"):
        save_follow_up(db, CHEF, observation_id, 1, FollowUp("traitee", comment="x"), today=TODAY)
    monkeypatch.undo()
    assert observation_detail(db, CHEF, observation_id).status == "nouvelle"
    assert observation_history(db, CHEF, observation_id).empty


def test_refused_inputs_write_nothing(db, observation_id):
    cases = {
        "status": FollowUp("perdue"),
        "partner": FollowUp("transmise", 999_999),
        "comment_date": FollowUp("nouvelle", comment="plus tard", comment_date=TODAY + dt.timedelta(days=1)),
        "comment": FollowUp("nouvelle", comment="x" * 5001),
        "follow_up": FollowUp("nouvelle"),
    }
    for field, change in cases.items():
        with pytest.raises(ValidationError) as refused:
            save_follow_up(db, CHEF, observation_id, 1, change, today=TODAY)
        assert field in refused.value.errors
    assert observation_detail(db, CHEF, observation_id).version == 1
    assert observation_history(db, CHEF, observation_id).empty


def test_only_commanders_and_administrators_follow_up(db, observation_id, team_id):
    agent = Actor(login="agent", role=AGENT, team_id=team_id)
    maire = Actor(login="maire", role=MAIRE, commune_insee=GRAY[0])
    for actor in (agent, maire):
        with pytest.raises(PermissionDenied):
            save_follow_up(db, actor, observation_id, 1, FollowUp("en_cours"), today=TODAY)
    assert save_follow_up(db, ADMIN_ACTOR, observation_id, 1, FollowUp("en_cours"), today=TODAY) == 2


def test_a_commander_only_reaches_observations_of_their_departements(db, team_id):
    in_jura = record_observation(db, team_id, commune=LONS[0], lat=LONS[1], lon=LONS[2])
    with pytest.raises(NotFound):
        save_follow_up(db, CHEF, in_jura, 1, FollowUp("en_cours"), today=TODAY)
    with pytest.raises(NotFound):
        observation_history(db, CHEF, in_jura)
    assert save_follow_up(db, JURA, in_jura, 1, FollowUp("en_cours"), today=TODAY) == 2


def test_removing_an_assignment_is_recorded(db, observation_id):
    prefecture = make_partner(db, "Préfecture 70", "prefecture")
    version = save_follow_up(db, CHEF, observation_id, 1, FollowUp("transmise", prefecture))
    save_follow_up(db, CHEF, observation_id, version, FollowUp("transmise"), today=TODAY)
    history = observation_history(db, CHEF, observation_id)
    assert list(history["new_value"]) == ["transmise", "Préfecture 70", ""]
    detail = observation_detail(db, CHEF, observation_id)
    assert detail.partner_id is None and detail.due_on is None


def test_a_maire_reads_the_follow_up_without_the_forces_names_or_comments(db, observation_id):
    maire = Actor(login="maire", role=MAIRE, commune_insee=GRAY[0])
    save_follow_up(db, CHEF, observation_id, 1, FollowUp("transmise", make_partner(db), comment="RAS"))
    detail = observation_detail(db, maire, observation_id)
    assert detail.team_name == "" and detail.description == "" and detail.status == "transmise"
    history = observation_history(db, maire, observation_id)
    assert list(history["kind"]) == ["status", "assignment"] and set(history["actor"]) == {""}
