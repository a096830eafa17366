"""Contre-visites (issue 15): who may record one, what each finding does to the observation, the
commander's written reason, and the team's list « à revoir » (nearest first, else by commune)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from diagnostics.auth import AGENT, Actor
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.field_models import Photo
from diagnostics.io.photos import prepare_photo
from diagnostics.models import AuditEvent, Observation
from diagnostics.services import follow_up, revisit_views, revisits
from diagnostics.services.follow_up import FollowUp, observation_history, save_follow_up
from diagnostics.services.reference import list_teams
from diagnostics.services.revisit_views import DueVisit, order_due, revisits_due
from diagnostics.services.revisits import VisitReport, record_visit
from diagnostics.visit_models import ObservationVisit, VisitPhoto
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    MAIRE_GRAY,
    VESOUL,
    make_diagnostic,
    make_observation,
)

TODAY = dt.date(2026, 11, 20)
LEVEE = VisitReport(dt.date(2026, 11, 18), "levee", "Candélabre réparé.")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def to_revisit(db, observation_id: int) -> None:
    """What a partner's « réalisé » does: the observation waits for its contre-visite."""
    with db.session() as session:
        observation = session.get(Observation, observation_id)
        assert revisits.schedule_visit(session, ADMIN_ACTOR, observation, comment="réalisé")


@pytest.fixture
def observation_id(db, team_id) -> int:
    return make_observation(db, make_diagnostic(db, team_id))


@pytest.fixture
def other_team_agent(db, team_id) -> Actor:
    other = next(team.id for team in list_teams(db) if team.id != team_id)
    return Actor(login="agent.autre", role=AGENT, team_id=other)


def status(db, observation_id: int) -> str:
    with db.session() as session:
        return session.get(Observation, observation_id).status


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_visit_that_finds_it_levee_makes_it_traitee_with_its_photo(db, agent, observation_id, photo_dir):
    to_revisit(db, observation_id)
    result = record_visit(db, agent, observation_id, LEVEE, photos=[prepare_photo(jpeg())], today=TODAY)
    assert (result.status, result.photo_count) == ("traitee", 1)
    assert status(db, observation_id) == "traitee"
    with db.session() as session:
        photo = session.scalars(select(Photo)).one()
        assert photo.observation_id == observation_id
        assert session.scalars(select(VisitPhoto.visit_id)).one() == result.visit_id
        actions = {(e.entity, e.action) for e in session.scalars(select(AuditEvent))}
    assert {("observation_visit", "create"), ("observation", "update"), ("photo", "create")} <= actions
    assert (photo_dir / photo.file_name).is_file()
    history = observation_history(db, agent, observation_id)
    assert list(history["new_value"]) == ["a_revoir", "traitee"]
    assert "levée" in history["comment"].iloc[-1]


def test_partiellement_levee_keeps_it_open_and_back_with_its_partner(db, agent, observation_id):
    to_revisit(db, observation_id)
    report = VisitReport(dt.date(2026, 11, 18), "partielle", "Un candélabre sur deux.")
    assert record_visit(db, agent, observation_id, report, today=TODAY).status == "en_cours"
    assert revisits_due(db, agent) == []  # visited: no longer waiting for the visit
    before = status(db, observation_id)
    record_visit(db, agent, observation_id, VisitReport(dt.date(2026, 11, 19), "non_levee"), today=TODAY)
    assert status(db, observation_id) == before == "en_cours"
    assert count(db, ObservationVisit) == 2


def test_a_partners_realise_schedules_the_visit_it_does_not_close(db, agent, observation_id):
    to_revisit(db, observation_id)
    assert status(db, observation_id) == "a_revoir"
    assert [item.id for item in revisits_due(db, agent)] == [observation_id]
    with db.session() as session:  # said twice: one step in the history
        assert not revisits.schedule_visit(session, ADMIN_ACTOR, session.get(Observation, observation_id))


def test_an_agent_of_another_team_is_refused_and_nothing_is_written(db, other_team_agent, observation_id, photo_dir):
    to_revisit(db, observation_id)
    with pytest.raises(PermissionDenied, match="autre équipe"):
        record_visit(db, other_team_agent, observation_id, LEVEE, photos=[prepare_photo(jpeg())], today=TODAY)
    assert status(db, observation_id) == "a_revoir"
    assert count(db, ObservationVisit) == count(db, Photo) == 0
    assert not photo_dir.exists() or not any(photo_dir.iterdir())  # no orphan file
    assert revisits_due(db, other_team_agent) == []


def test_a_commander_visits_only_in_their_departements_and_a_maire_never(db, observation_id):
    to_revisit(db, observation_id)
    with pytest.raises(PermissionDenied, match="périmètre"):
        record_visit(db, COMMANDANT_39, observation_id, LEVEE, today=TODAY)
    with pytest.raises(PermissionDenied, match="contre-visite"):
        record_visit(db, MAIRE_GRAY, observation_id, LEVEE, today=TODAY)
    assert revisits_due(db, COMMANDANT_39) == []
    assert record_visit(db, COMMANDANT_70, observation_id, LEVEE, today=TODAY).status == "traitee"


def test_refused_reports_say_why_in_french_and_write_nothing(db, agent, observation_id):
    cases = [
        (VisitReport(None, "levee"), "visited_on", "date"),
        (VisitReport(dt.date(2026, 11, 21), "levee"), "visited_on", "futur"),
        (VisitReport(dt.date(2026, 9, 1), "levee"), "visited_on", "précéder"),
        (VisitReport(TODAY, None), "finding", "constat"),
        (VisitReport(TODAY, "levee", "x" * 5001), "comment", "caractères"),
    ]
    for report, field, word in cases:
        with pytest.raises(ValidationError) as refused:
            record_visit(db, agent, observation_id, report, today=TODAY)
        assert word in refused.value.errors[field]
    with pytest.raises(NotFound):
        record_visit(db, agent, 999_999, LEVEE, today=TODAY)
    assert count(db, ObservationVisit) == 0


def test_a_traitee_observation_gets_no_more_visits(db, agent, observation_id):
    record_visit(db, agent, observation_id, LEVEE, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        record_visit(db, agent, observation_id, LEVEE, today=TODAY)
    assert "déjà traitée" in refused.value.errors["observation"]


def test_the_same_form_sent_twice_records_one_visit(db, agent, observation_id):
    first = record_visit(db, agent, observation_id, LEVEE, form_token="tok-1", today=TODAY)
    again = record_visit(db, agent, observation_id, LEVEE, form_token="tok-1", today=TODAY)
    assert again == first and count(db, ObservationVisit) == 1


def test_a_commander_closes_only_with_a_written_reason(db, observation_id):
    with pytest.raises(ValidationError) as refused:
        save_follow_up(db, COMMANDANT_70, observation_id, 1, FollowUp("traitee"), today=TODAY)
    assert "motif" in refused.value.errors["comment"]
    assert status(db, observation_id) == "nouvelle"
    reason = FollowUp("traitee", comment="Travaux constatés par la mairie, photo reçue.")
    save_follow_up(db, COMMANDANT_70, observation_id, 1, reason, today=TODAY)
    assert status(db, observation_id) == "traitee"
    assert follow_up.observation_history(db, COMMANDANT_70, observation_id)["comment"].str.contains("Travaux").any()


def test_the_list_is_nearest_first_when_the_position_is_known_else_by_commune(db, agent, team_id):
    gray = make_diagnostic(db, team_id)
    vesoul = make_diagnostic(db, team_id, commune=VESOUL[0])
    far = make_observation(db, gray, lat=GRAY[1] - 0.004, lon=GRAY[2])
    near = make_observation(db, gray, lat=GRAY[1], lon=GRAY[2] + 0.0005)
    in_vesoul = make_observation(db, vesoul, lat=VESOUL[1], lon=VESOUL[2])
    untouched = make_observation(db, gray)
    for observation_id in (far, near, in_vesoul):
        to_revisit(db, observation_id)
    at_vesoul = revisits_due(db, agent, position=(VESOUL[1], VESOUL[2]))
    assert [i.id for i in at_vesoul] == [in_vesoul, near, far]
    assert at_vesoul[0].distance_m < 10 < at_vesoul[1].distance_m
    at_gray = [i.id for i in revisits_due(db, agent, position=(GRAY[1], GRAY[2]))]
    assert at_gray == [near, far, in_vesoul]
    by_commune = revisits_due(db, agent)
    assert [i.commune_name for i in by_commune] == ["Gray", "Gray", "Vesoul"]
    assert untouched not in {i.id for i in by_commune}


def item(id_: int, commune: str, due: dt.date | None = None, lat: float | None = None, lon: float | None = None):
    return DueVisit(id_, "eclairage", 2, "a_revoir", commune, "", "", lat, lon, due)


def test_ordering_ties_and_unknown_positions():
    d1, d2 = dt.date(2026, 12, 1), dt.date(2026, 12, 9)
    items = [item(4, "Vesoul", d1), item(3, "Gray"), item(2, "Gray", d2), item(1, "Gray", d1)]
    assert [i.id for i in order_due(items, None)] == [1, 2, 3, 4]  # commune, due date (none last), number
    placed = [item(5, "Gray", d2, 47.0, 5.0), item(6, "Gray", d1, 47.0, 5.0), item(7, "Dole")]
    placed.append(item(8, "Ain", d1, 47.1, 5.0))
    assert [i.id for i in order_due(placed, (47.0, 5.0))] == [6, 5, 8, 7]  # same spot: due date; no position: last
    assert revisit_views.distance_m(47.0, 5.0, 47.1, 5.0) == pytest.approx(11_119, rel=0.01)


def test_an_open_observation_past_its_due_date_is_due_until_visited(db, agent, observation_id):
    with db.session() as session:
        session.get(Observation, observation_id).due_on = dt.date(2026, 11, 1)
    assert revisits_due(db, agent, today=dt.date(2026, 11, 1)) == []  # due today: not yet late
    [late] = revisits_due(db, agent, today=TODAY)
    assert (late.id, late.status, late.due_on) == (observation_id, "nouvelle", dt.date(2026, 11, 1))
    record_visit(db, agent, observation_id, VisitReport(dt.date(2026, 11, 18), "non_levee"), today=TODAY)
    assert status(db, observation_id) == "nouvelle"  # still open, with its partner
    assert revisits_due(db, agent, today=TODAY) == []  # visited since the due date
