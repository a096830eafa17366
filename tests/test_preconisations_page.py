"""« Mes préconisations » (AppTest): a partner lands on it, reads only its observations, and a
refused answer says why under the button and writes nothing."""

from __future__ import annotations

import datetime as dt

from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.services import assignments
from diagnostics.services.follow_up import observation_detail
from tests.conftest import COMMANDANT_70, app_as, make_diagnostic, make_observation, make_partner
from tests.test_app import errors


def test_a_partner_lands_on_its_page_and_a_refused_answer_says_why(db_url, db, team_id):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    other = make_partner(db, "Préfecture de la Haute-Saône", "prefecture")
    diagnostic = make_diagnostic(db, team_id)
    mine = make_observation(
        db, diagnostic, description="<b>Hall B</b> `${x}`", shared_fields=("description",), severity=4
    )
    theirs = make_observation(db, diagnostic, description="Caméra")
    assignments.assign(db, COMMANDANT_70, mine, habitat, today=dt.date(2026, 11, 1))
    assignments.assign(db, COMMANDANT_70, theirs, other)
    at = app_as(Actor(login="partenaire.habitat70", role=PARTENAIRE, partner_id=habitat)).run()
    assert not at.exception and not errors(at)
    assert at.title[0].value == "Mes préconisations — Habitat 70"
    assert [metric.value for metric in at.metric] == ["1", "1"]  # one assigned, overdue (critique: due 08/11)
    assert list(at.dataframe[0].value["N°"]) == [mine]
    assert "<b>Hall B</b> `${x}`" in [text.value for text in at.text]  # shown as text, never as HTML
    suffix = f"{mine}_0"
    at.radio(key=f"preco_kind_{suffix}").set_value("hors_competence")
    _send(at)
    assert errors(at) == ["Commentaire : Dites pourquoi cette demande n'est pas de votre compétence."]
    assert observation_detail(db, COMMANDANT_70, mine).partner_id == habitat
    at.radio(key=f"preco_kind_{suffix}").set_value("hors_competence")
    at.text_area(key=f"preco_comment_{suffix}").input("Parties communes gérées par un syndic.")
    _send(at)
    assert not at.exception and not errors(at)
    assert observation_detail(db, COMMANDANT_70, mine).returned
    assert [metric.value for metric in at.metric] == [] and "Aucune observation" in at.info[0].value


def _send(at) -> None:
    next(button for button in at.button if button.label == "Envoyer la réponse").click()
    at.run()
