"""The Couches de référence page, layer « Caméras » (issue 17): a marker placed on the map becomes a
camera with its bearing, angle, range and owner; changing its bearing redraws its field of view;
bad input is refused in French."""

from __future__ import annotations

import pytest
import streamlit as st

from diagnostics.services import cameras
from tests.conftest import ADMIN_ACTOR, app_as, make_partner
from tests.test_app import errors, open_page
from tests.test_couches_page import open_tab

NEW = "— Nouvelle caméra —"
MARKER = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [5.4905, 47.0921]}}


@pytest.fixture
def app(db_url):
    yield app_as(ADMIN_ACTOR)
    st.cache_resource.clear()


def cameras_layer(at):
    at = open_tab(at, "Dessiner et modifier")
    at.radio(key="draw_layer").set_value("cameras")
    return at.run()


def form_input(at, label):
    return next(widget for widget in (*at.text_input, *at.number_input) if widget.label == label)


def test_a_marker_becomes_a_camera_and_a_new_bearing_a_new_field_of_view(app, db):
    owner = make_partner(db, "Mairie de Dole", communes=("39198",))
    at = cameras_layer(open_page(app, "couches"))
    assert not at.exception and not errors(at)
    at.session_state[f"camera_map_{NEW}_new"] = {"last_active_drawing": MARKER}
    at.run()
    assert any("nouvelle position" in info.value for info in at.info)
    form_input(at, "Nom").input("Caméra Place Grévy")
    form_input(at, "Orientation (degrés depuis le nord)").set_value(90.0)
    next(box for box in at.selectbox if box.label == "Propriétaire (partenaire)").set_value(owner)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert not at.exception and not errors(at), [e.value for e in at.error]
    assert any("« Caméra Place Grévy » ajoutée" in s.value for s in at.success)
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert (row["bearing"], row["owner_name"]) == (90.0, "Mairie de Dole")
    before = row["field_of_view"]
    assert any("orientation 90°" in m.value for m in at.markdown)

    form_input(at, "Orientation (degrés depuis le nord)").set_value(270.0)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert any("le champ de vision est à jour" in s.value for s in at.success)
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert row["bearing"] == 270.0 and not row["field_of_view"].equals(before)
    assert any("orientation 270°" in m.value for m in at.markdown)


def test_a_camera_without_a_position_is_refused_in_french(app, db):
    at = cameras_layer(open_page(app, "couches"))
    form_input(at, "Nom").input("Caméra sans position")
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert not at.exception
    assert any("Placez un point" in e.value for e in at.error)
    assert cameras.cameras_frame(db, ADMIN_ACTOR).empty
