"""Contre-visites on the pages (AppTest): Saisie terrain lists the team's observations « à revoir »
and records a visit from its card; a refused report says why under the button."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st

from diagnostics.io.photos import prepare_photo
from diagnostics.models import Observation
from diagnostics.services import photos, revisit_views, revisits
from diagnostics.services.follow_up import observation_history
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, MAIRE_GRAY, VESOUL, app_as, make_diagnostic, make_observation
from tests.test_app import app, errors, log_in_as, open_page  # noqa: F401 (fixture)
from tests.test_carte_follow_up import open_observation
from tests.test_revisits import jpeg


@pytest.fixture
def agent_app(db_url, agent):
    yield app_as(agent)
    st.cache_resource.clear()


def to_revisit(db, observation_id: int) -> None:
    with db.session() as session:
        revisits.schedule_visit(session, ADMIN_ACTOR, session.get(Observation, observation_id), comment="réalisé")


def status(db, observation_id: int) -> str:
    with db.session() as session:
        return session.get(Observation, observation_id).status


def test_saisie_lists_the_teams_observations_a_revoir_and_records_a_visit(agent_app, db, team_id):
    observation_id = make_observation(db, make_diagnostic(db, team_id), description="Candélabre <b>éteint</b>")
    to_revisit(db, observation_id)
    make_observation(db, make_diagnostic(db, team_id))  # not waiting for a visit: not listed
    at = agent_app.run()
    assert not at.exception
    assert any(e.label == "Contre-visites à faire (1)" for e in at.expander)
    assert "Candélabre <b>éteint</b>" in [t.value for t in at.text]  # shown as text, not HTML
    next(b for b in at.button if b.key == f"rv_start_{observation_id}").click().run()
    next(b for b in at.button if b.key == f"rv_{observation_id}_save").click().run()
    assert any("Constat" in message for message in errors(at))  # no finding chosen: said, nothing saved
    assert status(db, observation_id) == "a_revoir"
    at.radio(key=f"rv_{observation_id}_finding").set_value("levee").run()
    at.text_area(key=f"rv_{observation_id}_comment").input("Réparé.").run()
    next(b for b in at.button if b.key == f"rv_{observation_id}_save").click().run()
    assert not errors(at)
    assert any("enregistrée" in s.value and "« traitée »" in s.value for s in at.success)
    assert status(db, observation_id) == "traitee"
    assert any(e.label == "Contre-visites à faire (0)" for e in at.expander)


def test_the_list_follows_the_device_position_when_it_is_shared(agent_app, db, team_id):
    gray = make_observation(db, make_diagnostic(db, team_id))
    vesoul = make_observation(db, make_diagnostic(db, team_id, commune=VESOUL[0]), lat=VESOUL[1], lon=VESOUL[2])
    for observation_id in (gray, vesoul):
        to_revisit(db, observation_id)
    at = agent_app.run()
    starts = [b.key for b in at.button if str(b.key).startswith("rv_start_")]
    assert starts == [f"rv_start_{gray}", f"rv_start_{vesoul}"]  # by commune: Gray, then Vesoul
    at.session_state["rv_position"] = {"position": {"lat": VESOUL[1], "lon": VESOUL[2], "accuracy": 12}}
    at.run()
    starts = [b.key for b in at.button if str(b.key).startswith("rv_start_")]
    assert starts == [f"rv_start_{vesoul}", f"rv_start_{gray}"]


def visited_with_photos(db, team_id, agent) -> int:
    diagnostic_id = make_diagnostic(db, team_id)
    observation_id = make_observation(db, diagnostic_id)
    photos.store_photo(db, agent, diagnostic_id, prepare_photo(jpeg()), observation_id=observation_id)
    to_revisit(db, observation_id)
    report = revisits.VisitReport(dt.date(2026, 11, 18), "levee", "Candélabre remplacé, rue éclairée.")
    revisits.record_visit(
        db, agent, observation_id, report, photos=[prepare_photo(jpeg())], today=dt.date(2026, 11, 20)
    )
    return observation_id


def test_the_follow_up_shows_before_and_after_with_the_visit_in_the_history(app, db, team_id, agent, photo_dir):  # noqa: F811
    observation_id = visited_with_photos(db, team_id, agent)
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    open_observation(app, observation_id)
    assert not app.exception
    assert any(m.value == "**Photos avant / après**" for m in app.markdown)
    captions = [c.value for c in app.caption]
    assert "Avant : l'observation" in captions and "Après : contre-visite du 18/11/2026" in captions
    assert len(app.get("image")) == 2
    history = next(d.value for d in app.dataframe if "Action" in d.value.columns)
    assert list(history["Action"]) == ["Statut", "Contre-visite", "Statut"]
    assert history["Après"].tolist() == ["À revoir", "Levée", "Traitée"]
    assert "Traitée" in [t.value for t in app.text]


def test_partners_see_the_visit_but_not_who_went_nor_the_comment(db, team_id, agent, photo_dir):
    observation_id = visited_with_photos(db, team_id, agent)
    visits = revisit_views.observation_visits(db, MAIRE_GRAY, observation_id)
    assert visits["finding"].tolist() == ["levee"] and visits["comment"].tolist() == [""]
    assert visits["author"].tolist() == [""]
    merged = revisit_views.history_with_visits(observation_history(db, MAIRE_GRAY, observation_id), visits)
    assert merged["kind"].tolist() == ["status", "visit", "status"]
    assert revisit_views.before_after_photos(db, MAIRE_GRAY, observation_id).after == []  # not marked shareable
