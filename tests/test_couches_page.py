"""The Couches de référence page: drawing a zone with its attributes, refusals, history, dispositifs."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlalchemy import select

from diagnostics.models import PatrolZone, ReferenceChange
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, app_as
from tests.test_app import errors, log_in_as, open_page


@pytest.fixture
def app(db_url):
    """The app with an administrator logged in."""
    yield app_as(ADMIN_ACTOR)
    st.cache_resource.clear()


SQUARE = {
    "type": "Feature",
    "properties": {},
    "geometry": {
        "type": "Polygon",
        "coordinates": [[[5.58, 47.44], [5.60, 47.44], [5.60, 47.45], [5.58, 47.45], [5.58, 47.44]]],
    },
}
NEW = "— Nouvel objet —"


def open_tab(at, label: str):
    """Only the open tab is drawn (a map in a hidden tab would be 0 px high)."""
    at.session_state["couches_tab"] = label
    return at.run()


def draw(at, feature, layer="zones", name=NEW):
    at = open_tab(at, "Dessiner et modifier")
    at.session_state[f"draw_map_{layer}_{name}"] = {"last_active_drawing": feature}
    return at.run()


def test_the_page_opens_with_its_tabs(app, db):
    at = open_page(app, "couches")
    assert not at.exception and not errors(at)
    assert [tab.label for tab in at.tabs][:4] == [
        "Importer un fichier",
        "Dessiner et modifier",
        "Dispositifs des communes",
        "Historique",
    ]
    at = open_tab(at, "Dispositifs des communes")
    assert not at.exception and not errors(at)
    metric = next(metric for metric in at.metric if metric.label == "Participation citoyenne — 70")
    assert metric.value == "0 / 50" and not metric.delta  # nothing loaded: no change to show


def test_a_drawn_zone_is_saved_with_its_attributes_and_versioned(app, db):
    at = draw(open_page(app, "couches"), SQUARE)
    assert "Forme dessinée : polygone." in [info.value for info in at.info]
    at.text_input[0].input("Zone VTT de l'île")
    at.text_input[1].input("vtt")
    at.text_input[2].input("Groupe de contact de Gray")
    at.text_input[3].input("lundi–samedi en journée")
    at = next(b for b in at.button if b.label == "Enregistrer").click().run()
    assert not at.exception and not errors(at), errors(at)
    assert "« Zone VTT de l'île » ajouté." in [s.value for s in at.success]
    with db.session() as session:
        zone = session.scalars(select(PatrolZone).where(PatrolZone.name == "Zone VTT de l'île")).one()
        assert (zone.unit, zone.kind, zone.commune_insee) == ("Groupe de contact de Gray", "vtt", "70279")
        change = session.scalars(select(ReferenceChange)).one()
        assert change.action == "create" and change.after_wkt.startswith("MULTIPOLYGON")
    # The map's layer is also a table (RGAA: the same information without the map).
    at.session_state["draw_layer"] = "zones"
    at = at.run()
    listed = next(df.value for df in at.dataframe if "Horaires" in df.value.columns)
    row = listed[listed["Nom"] == "Zone VTT de l'île"].iloc[0]
    assert (row["Unité"], row["Horaires"], row["Position"]) == (
        "Groupe de contact de Gray",
        "lundi–samedi en journée",
        "polygone",
    )


def test_a_zone_without_name_or_outside_the_territory_is_refused(app, db):
    far = {**SQUARE, "geometry": {"type": "Polygon", "coordinates": [[[2, 48], [2.1, 48], [2.1, 48.1], [2, 48]]]}}
    at = draw(open_page(app, "couches"), far)
    at = next(b for b in at.button if b.label == "Enregistrer").click().run()
    message = errors(at)[0]
    assert "Donnez un nom." in message and "sort de la Haute-Saône et du Jura" in message


def test_a_commandant_does_not_see_the_page(app, db):
    log_in_as(app, COMMANDANT_70)
    app.run()
    assert not app.exception
    app.switch_page("diagnostics/ui/couches.py").run()  # a bookmark: a French refusal, not the page
    assert not app.exception and not app.title
    assert "n'est pas ouverte au rôle Commandant" in app.error[0].value
