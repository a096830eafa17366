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
    form_input(at, "Orientation (degrés depuis le nord)").set_value(90)
    next(box for box in at.selectbox if box.label == "Propriétaire (partenaire)").set_value(owner)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert not at.exception and not errors(at), [e.value for e in at.error]
    assert any("« Caméra Place Grévy » ajoutée" in s.value for s in at.success)
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert (row["bearing"], row["owner_name"]) == (90.0, "Mairie de Dole")
    before = row["field_of_view"]
    assert any("orientation 90°" in m.value for m in at.markdown)

    form_input(at, "Orientation (degrés depuis le nord)").set_value(270)
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


def test_a_bearing_out_of_range_or_nothing_changed_is_said_not_a_false_success(app, db):
    at = cameras_layer(open_page(app, "couches"))
    at.session_state[f"camera_map_{NEW}_new"] = {"last_active_drawing": MARKER}
    at.run()
    form_input(at, "Nom").input("Caméra Place Grévy")
    form_input(at, "Orientation (degrés depuis le nord)").set_value(260)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert any("ajoutée" in s.value for s in at.success)
    bearing = form_input(at, "Orientation (degrés depuis le nord)")
    assert bearing.value == 260 and bearing.format == "%d"  # « 260 », not « 260.00 »

    bearing.set_value(400)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert any("Orientation 400" in e.value and "0 à 359" in e.value for e in at.error)
    assert not at.success
    assert cameras.cameras_frame(db, ADMIN_ACTOR)["bearing"].tolist() == [260.0]

    form_input(at, "Orientation (degrés depuis le nord)").set_value(260)
    at.button(key="FormSubmitter:camera_form-Enregistrer").click()
    at.run()
    assert any("Aucun changement" in i.value for i in at.info) and not at.success and not errors(at)
