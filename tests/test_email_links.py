"""The link an e-mail carries (`…/carte?observation=N`, `…/preconisations?observation=N`) opens
that observation, once; an observation the reader may not see is not opened."""

from __future__ import annotations

from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.services import assignments
from tests.conftest import COMMANDANT_70, app_as, make_diagnostic, make_observation, make_partner
from tests.test_app import errors


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
