"""Saisie terrain's corrections in AppTest: an open diagnostic lists its observations with Modifier;
a closed one lists them read-only, and only a commandant is offered to reopen it; a typed
correction is saved and a stale one refused with the typed text kept."""

from __future__ import annotations

import pytest
import streamlit as st

from diagnostics.services import closures, corrections
from tests.conftest import COMMANDANT_70, app_as, make_diagnostic, make_observation
from tests.test_app import choose_diagnostic
from tests.test_corrections import _draft


@pytest.fixture
def recorded(db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id, actor=agent)
    return diagnostic_id, make_observation(db, diagnostic_id, actor=agent, description="Candélabre éteint")


def _labels(app) -> list[str]:
    return [button.label for button in app.button]


def _start(db_url, actor, diagnostic_id):
    app = app_as(actor).switch_page("diagnostics/ui/saisie.py")
    choose_diagnostic(app.run(), diagnostic_id)
    assert not app.exception
    return app


def test_a_correction_is_saved_and_a_stale_one_keeps_the_typed_text(db_url, db, agent, recorded):
    diagnostic_id, observation_id = recorded
    app = _start(db_url, agent, diagnostic_id)
    assert "Modifier" in _labels(app) and "Supprimer" in _labels(app)
    app.button(key=f"oe_{observation_id}_edit").click().run()
    app.text_area(key=f"oe_{observation_id}_description").input("Deux candélabres éteints").run()
    app.button(key=f"oe_{observation_id}_save").click().run()
    assert any("corrigée" in message.value for message in app.success)
    app.button(key=f"oe_{observation_id}_edit").click().run()
    app.text_area(key=f"oe_{observation_id}_description").input("Texte tapé").run()
    corrections.edit_observation(db, COMMANDANT_70, observation_id, 2, _draft())  # meanwhile
    app.button(key=f"oe_{observation_id}_save").click().run()
    assert any("a été modifiée par commandant.test" in message.value for message in app.error)
    assert app.text_area(key=f"oe_{observation_id}_description").value == "Texte tapé"
    st.cache_resource.clear()


def test_a_closed_diagnostic_is_read_only_and_reopened_by_a_commandant(db_url, db, agent, recorded):
    diagnostic_id, _ = recorded
    closures.close_diagnostic(db, agent, diagnostic_id)
    app = _start(db_url, agent, diagnostic_id)
    assert "Modifier" not in _labels(app) and "Rouvrir le diagnostic" not in _labels(app)
    assert any("Observations de ce diagnostic (1)" in header.value for header in app.subheader)
    commander = _start(db_url, COMMANDANT_70, diagnostic_id)
    assert "Rouvrir le diagnostic" in _labels(commander)
    commander.text_area(key=f"de_{diagnostic_id}_reason").input("Lieu erroné").run()
    commander.button(key=f"de_{diagnostic_id}_reopen").click().run()
    assert not commander.exception and "Modifier" in _labels(commander)
    st.cache_resource.clear()


def test_user_text_is_shown_as_typed_not_as_markdown():
    from diagnostics.ui.observation_edit import plain

    assert plain("*gras* [lien](http://x) `code` # titre") == (r"\*gras\* \[lien\]\(http://x\) \`code\` \# titre")
