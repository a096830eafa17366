"""The Streamlit pages, driven by AppTest on a real SpatiaLite file."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from diagnostics.config import PROJECT_ROOT
from diagnostics.services.observations import count_observations, observations_frame
from tests.conftest import (
    ADMIN_ACTOR,
    GRAY,
    VESOUL,
    app_as,
    make_diagnostic,
    make_observation,
    open_carte_table,
    sign_in,
)

APP = str(PROJECT_ROOT / "streamlit_app.py")


@pytest.fixture
def app(db_url):
    """The app on Saisie terrain, with an administrator logged in (the login itself is tested in
    test_app_login.py; an administrator lands on Administration)."""
    yield app_as(ADMIN_ACTOR).switch_page("diagnostics/ui/saisie.py")
    st.cache_resource.clear()


def log_in_as(at: AppTest, actor) -> AppTest:
    return sign_in(at, actor)


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    at.switch_page(f"diagnostics/ui/{page}.py")
    return at.run()


def errors(at: AppTest) -> list[str]:
    return [element.value for element in at.error]


def choose_diagnostic(at: AppTest, diagnostic_id: int) -> AppTest:
    diagnostic_picker(at).set_value(diagnostic_id)
    return at.run()


def diagnostic_picker(at: AppTest):
    return next(box for box in at.selectbox if box.label == "Diagnostic")


def fill_observation(at: AppTest, *, category="eclairage", severity=3, description="Candélabre éteint"):
    at.selectbox(key="obs_category").set_value(category)
    at.radio(key="obs_severity").set_value(severity)
    at.text_area(key="obs_description").input(description)
    at.text_area(key="obs_recommendation").input("Remplacer la lampe")


def click_map(at: AppTest, lat: float, lon: float) -> AppTest:
    """What streamlit-folium stores when the map is clicked."""
    at.session_state["field_map"] = {"last_clicked": {"lat": lat, "lng": lon}}
    return at.run()


def save(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Enregistrer l'observation").click()
    return at.run()


def test_every_page_opens_without_error(app, db, team_id):
    make_observation(db, make_diagnostic(db, team_id))
    for page in ("saisie", "carte", "export_maire"):
        open_page(app, page)
        assert not app.exception and not errors(app), page


def test_a_new_diagnostic_is_refused_in_french_and_the_form_keeps_what_was_typed(app, db):
    app.run()
    app.text_input(key="diag_place").input("Quai de la Saône")
    app.text_area(key="diag_participants").input("Adjudant Martin")
    app.button[0].click().run()
    assert any("Choisissez l'équipe" in message for message in errors(app))
    assert any("Choisissez la commune" in message for message in errors(app))
    assert app.text_input(key="diag_place").value == "Quai de la Saône"
    assert app.text_area(key="diag_participants").value == "Adjudant Martin"


def test_a_new_diagnostic_is_started_and_selected(app, db, team_id):
    app.run()
    app.selectbox(key="diag_team").set_value(team_id)
    app.selectbox(key="diag_commune").set_value(GRAY[0])
    app.text_input(key="diag_place").input("Quartier de l'île")
    app.date_input(key="diag_date").set_value(dt.date(2026, 11, 2))
    app.button[0].click().run()
    assert not errors(app)
    assert diagnostic_picker(app).value != 0
    assert "Diagnostic enregistré" in app.success[0].value
    assert any("Quartier de l'île, Gray" in caption.value for caption in app.caption)


def test_a_map_click_places_the_observation_and_saving_stores_it(app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(app.run(), diagnostic_id)
    click_map(app, 47.4455, 5.5931)
    assert (app.number_input(key="obs_lat").value, app.number_input(key="obs_lon").value) == (47.4455, 5.5931)
    fill_observation(app, description="Hall sombre au bâtiment B")
    save(app)
    assert not errors(app)
    assert app.success[0].value.startswith("Observation n°")
    stored = observations_frame(db, ADMIN_ACTOR)
    assert list(stored["description"]) == ["Hall sombre au bâtiment B"]
    assert (round(stored.geometry.iloc[0].y, 4), round(stored.geometry.iloc[0].x, 4)) == (47.4455, 5.5931)
    assert app.text_area(key="obs_description").value == ""  # ready for the next one
    assert any("1 observation(s)" in caption.value for caption in app.caption)


def test_typed_coordinates_outside_the_commune_are_refused_and_the_form_is_kept(app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(app.run(), diagnostic_id)
    app.number_input(key="obs_lat").set_value(VESOUL[1])
    app.number_input(key="obs_lon").set_value(VESOUL[2])
    fill_observation(app, description="Tags sur le mur")
    save(app)
    assert any("en dehors de la commune de Gray" in message for message in errors(app))
    assert app.text_area(key="obs_description").value == "Tags sur le mur"
    assert app.number_input(key="obs_lat").value == VESOUL[1]
    assert count_observations(db, ADMIN_ACTOR) == 0


def test_an_observation_without_position_or_category_is_refused(app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(app.run(), diagnostic_id)
    app.text_area(key="obs_description").input("Quelque chose")
    save(app)
    messages = " ".join(errors(app))
    assert "Placez l'observation" in messages and "Choisissez une catégorie" in messages
    assert app.text_area(key="obs_description").value == "Quelque chose"
    assert count_observations(db, ADMIN_ACTOR) == 0


def test_the_command_map_filters_the_table(app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    make_observation(db, diagnostic_id, category="eclairage", severity=1)
    make_observation(db, diagnostic_id, category="stupefiants", severity=4)
    open_page(app, "carte")
    assert not app.dataframe  # the table opens on demand
    open_carte_table(app)
    assert len(app.dataframe[0].value) == 2
    app.multiselect(key="f_severities").set_value([4]).run()
    table = app.dataframe[0].value
    assert list(table["Catégorie"]) == ["Trafic de stupéfiants suspecté"] and list(table["Gravité"]) == ["Critique"]
    app.multiselect(key="f_communes").set_value([VESOUL[0]]).run()
    assert len(app.dataframe[0].value) == 0
    assert not app.exception


def test_the_mayor_export_shows_and_offers_the_png(app, db, team_id):
    make_observation(db, make_diagnostic(db, team_id))
    open_page(app, "export_maire")
    app.selectbox(key="export_commune").set_value(GRAY[0]).run()
    assert not app.exception and not errors(app)
    kinds = [type(element).__name__ for element in app.main]
    assert "Image" in kinds and "DownloadButton" in kinds
    download = next(element for element in app.main if type(element).__name__ == "DownloadButton")
    assert "PNG" in download.label


def test_a_database_without_schema_gets_a_french_message(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite'}")
    at = app_as(None).run()
    assert not at.exception
    assert any("pas encore initialisée" in message for message in errors(at))


def test_a_maire_sees_only_their_commune_without_confidential_text(app, db, team_id):
    from tests.conftest import MAIRE_GRAY

    diagnostic_id = make_diagnostic(db, team_id)
    make_observation(db, diagnostic_id, description="Guetteurs au hall B")
    make_observation(db, diagnostic_id, description="Haie à tailler", shareable=True)
    vesoul = make_diagnostic(db, team_id, commune=VESOUL[0], place="Centre")
    make_observation(db, vesoul, lat=VESOUL[1], lon=VESOUL[2], description="À Vesoul")
    log_in_as(app, MAIRE_GRAY)
    open_page(app, "maire")
    assert not app.exception and app.title[0].value == "Ma commune — Gray"
    table = app.dataframe[-1].value  # nothing is asked of the commune yet: one table
    assert sorted(table["Constat (si communicable)"]) == ["Haie à tailler", "—"]
    assert "Équipe" not in table.columns and "Commune" not in table.columns  # one commune: Gray


def test_the_command_map_draws_a_line_observation_as_a_line(app, db, team_id):
    from shapely.geometry import LineString

    diagnostic_id = make_diagnostic(db, team_id)
    make_observation(
        db,
        diagnostic_id,
        lat=None,
        lon=None,
        geometry=LineString([(5.5925, 47.4452), (5.5940, 47.4460)]),
        description="Rue sombre",
    )
    open_carte_table(open_page(app, "carte"))
    assert not app.exception and not errors(app)
    assert list(app.dataframe[0].value["Description"]) == ["Rue sombre"]
