"""The link an e-mail carries (`…/carte?observation=N`, `…/preconisations?observation=N`) opens
that observation, once; an observation the reader may not see is not opened. A decision's link
(`…/preconisations?decision=N`, `…/cellules?decision=N`) opens that decision."""

from __future__ import annotations

import datetime as dt

from diagnostics import localtime
from diagnostics.auth import AGENT, PARTENAIRE, Actor
from diagnostics.notify import compose
from diagnostics.services import assignments, decisions
from diagnostics.services.decisions import DecisionInput
from tests.conftest import COMMANDANT_39, COMMANDANT_70, LONS, app_as, make_diagnostic, make_observation, make_partner
from tests.outbox_helpers import make_account, messages
from tests.test_agenda import MEETING, lons_cellule
from tests.test_app import errors

CELLULE = "Cellule de veille de Lons-le-Saunier"


def test_a_partners_link_opens_its_observation_and_not_anothers(db, team_id):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    other = make_partner(db, "Préfecture de la Haute-Saône", "prefecture")
    diagnostic = make_diagnostic(db, team_id)
    first, second, theirs = (make_observation(db, diagnostic) for _ in range(3))
    for observation_id in (first, second):
        assignments.assign(db, COMMANDANT_70, observation_id, habitat)
    assignments.assign(db, COMMANDANT_70, theirs, other)
    partner = Actor(login="partenaire.habitat70", role=PARTENAIRE, partner_id=habitat)

    at = app_as(partner)
    at.query_params["observation"] = str(second)
    at.run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="preco_pick").value == second
    assert "observation" not in at.query_params  # read once: the next choice is the person's
    at.selectbox(key="preco_pick").set_value(first).run()
    assert at.selectbox(key="preco_pick").value == first

    at = app_as(partner)
    at.query_params["observation"] = str(theirs)
    at.run()
    refused = f"L'observation n° {theirs} ne vous est pas (ou plus) attribuée."
    assert [warning.value for warning in at.warning] == [refused]
    assert at.selectbox(key="preco_pick").value != theirs


def test_a_commanders_link_opens_the_follow_up_of_that_observation(db, team_id):
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    at = app_as(COMMANDANT_70)
    at.query_params["observation"] = str(observation_id)
    at.run()
    at.switch_page("diagnostics/ui/carte.py")
    at.run()
    assert not at.exception and not errors(at)
    assert at.number_input(key="fu_id").value == observation_id
    assert any(f"Observation n° {observation_id}" in text.value for text in at.markdown)


LINK = "https://psq.intranet.test"


def _decision_for_lons(db, monkeypatch):
    """A decision of the Lons cellule for the Mairie; the partner, its id, and the outbox."""
    monkeypatch.setenv("PSQ_PUBLIC_URL", LINK + "/")
    mairie = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],), emails=("pm@lons.example",))
    lons_cellule(db, mairie)
    make_account(db, COMMANDANT_39, "commandant@gendarmerie.test")
    values = DecisionInput("Éclairer le passage des Cordeliers", MEETING + dt.timedelta(days=14), partner_id=mairie)
    decision_id = decisions.record_decision(db, COMMANDANT_39, CELLULE, MEETING, values, today=MEETING)
    partner = Actor(login="pm.lons", role=PARTENAIRE, partner_id=mairie)
    decisions.answer_decision(db, partner, decision_id, "pris_en_compte", "Devis demandé")
    return partner, decision_id


def test_decision_emails_link_to_the_decision(db, monkeypatch):
    _partner, decision_id = _decision_for_lons(db, monkeypatch)
    bodies = {(m.kind, m.recipient): m.body for m in messages(db)}
    assert f"{LINK}/preconisations?decision={decision_id}" in bodies[("decision", "pm@lons.example")]
    answer = bodies[("decision_answer", "commandant@gendarmerie.test")]
    assert f"{LINK}/cellules?decision={decision_id}" in answer
    assert "decision_id" not in answer and "Décision n°" not in answer  # the id is in the link only
    # agents have no page with decisions: their link is their home page, as before
    assert compose.app_link(LINK, AGENT, None, decision_id) == f"{LINK}/"


def test_a_partners_decision_link_shows_that_decision_first(db, monkeypatch):
    partner, decision_id = _decision_for_lons(db, monkeypatch)
    later = DecisionInput("Réunir les commerçants", MEETING + dt.timedelta(days=3), partner_id=partner.partner_id)
    decisions.record_decision(db, COMMANDANT_39, CELLULE, MEETING, later, today=MEETING)  # due sooner: first

    at = app_as(partner)
    at.query_params["decision"] = str(decision_id)
    at.run()
    assert not at.exception and not errors(at)
    texts = [t.value for t in at.text]
    assert texts.index("Éclairer le passage des Cordeliers") < texts.index("Réunir les commerçants")
    assert any(f"Décision n° {decision_id}, ouverte depuis le lien du courriel" in c.value for c in at.caption)
    assert "decision" not in at.query_params

    at = app_as(partner)
    at.query_params["decision"] = "99999"
    at.run()
    assert [w.value for w in at.warning] == ["La décision n° 99999 ne vous est pas (ou plus) attribuée."]


def test_a_commanders_decision_link_opens_its_meeting(db, monkeypatch):
    _partner, decision_id = _decision_for_lons(db, monkeypatch)
    at = app_as(COMMANDANT_39)
    at.query_params["decision"] = str(decision_id)
    at.switch_page("diagnostics/ui/cellules.py")
    at.run()
    assert not at.exception and not errors(at)
    assert at.selectbox(key="cel_name").value == CELLULE
    assert at.date_input(key=f"cel_day_{CELLULE}").value == MEETING
    assert at.session_state["cel_tab"] == "Réunion et décisions"
    assert any(f"Décision n° {decision_id}, ouverte depuis le lien du courriel" in c.value for c in at.caption)
    # the meeting of 02/12/2026: once that day is past, the page says so (and nothing else)
    past = localtime.now_paris().date() > MEETING
    assert [w.value.startswith("Cette date est passée : 02/12/2026.") for w in at.warning] == ([True] if past else [])

    at = app_as(COMMANDANT_70)  # not his territory: said, nothing opened
    at.query_params["decision"] = str(decision_id)
    at.switch_page("diagnostics/ui/cellules.py")
    at.run()
    assert not at.exception
