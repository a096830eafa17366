"""Saisie terrain for the field: typed coordinates, place search, drawn shapes, drafts, closing,
grid and the fiche PDF — AppTest on a real SpatiaLite file, and the PDF read back."""

from __future__ import annotations

import io

import pytest
import streamlit as st
from pypdf import PdfReader
from shapely.geometry import Polygon

from diagnostics import fiche
from diagnostics.io.photos import prepare_photo
from diagnostics.services import checklists, drafts, fiches, fieldwork, photos
from diagnostics.services.observations import observations_frame
from tests.conftest import app_as, make_diagnostic, make_observation
from tests.test_app import choose_diagnostic, diagnostic_picker, errors, fill_observation, save
from tests.test_photos import jpeg_with_exif


@pytest.fixture
def agent_app(db_url, agent):
    yield app_as(agent)
    st.cache_resource.clear()


def test_dms_coordinates_typed_place_the_observation(agent_app, db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.text_input(key="obs_coords").input("47°26'42\"N 5°35'33\"E").run()
    assert agent_app.number_input(key="obs_lat").value == pytest.approx(47.445, abs=1e-6)
    fill_observation(agent_app)
    save(agent_app)
    assert not errors(agent_app)
    stored = observations_frame(db, agent)
    assert stored.geometry.iloc[0].y == pytest.approx(47.445, abs=1e-6)


def test_unreadable_coordinates_are_explained(agent_app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.text_input(key="obs_coords").input("à côté de la mairie").run()
    assert any("Coordonnées illisibles" in message for message in errors(agent_app))
    assert agent_app.number_input(key="obs_lat").value is None


def test_swapped_coordinates_are_said_to_be_swapped_and_can_be_exchanged(agent_app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.text_input(key="obs_coords").input("5.5905, 47.4439").run()
    assert any("semblent inversées" in message for message in errors(agent_app))
    assert agent_app.number_input(key="obs_lat").value is None  # nothing placed silently
    next(b for b in agent_app.button if b.label.startswith("Échanger")).click().run()
    assert agent_app.number_input(key="obs_lat").value == pytest.approx(47.4439)
    assert agent_app.number_input(key="obs_lon").value == pytest.approx(5.5905)
    assert not errors(agent_app)


def test_a_place_found_offline_moves_the_point(agent_app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id, commune="70428", place="Oasis III")
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.text_input(key="place_query").input("kiosque").run()
    button = next(b for b in agent_app.button if b.label.startswith("Site : "))
    button.click().run()
    assert agent_app.number_input(key="obs_lat").value == pytest.approx(47.65, abs=0.05)


def test_a_drawn_line_is_saved_as_the_observations_shape(agent_app, db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    line = {"type": "LineString", "coordinates": [[5.5915, 47.4448], [5.5930, 47.4455]]}
    agent_app.session_state["field_map"] = {"last_active_drawing": {"type": "Feature", "geometry": line}}
    agent_app.run()
    assert any("Ligne dessinée" in s.value for s in agent_app.success)
    fill_observation(agent_app, category="eclairage", description="Rue sombre")
    save(agent_app)
    assert not errors(agent_app)
    assert observations_frame(db, agent).geometry.iloc[0].geom_type == "LineString"


def test_what_was_typed_is_offered_back_after_the_tab_was_closed(db_url, db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    first = app_as(agent)
    choose_diagnostic(first.run(), diagnostic_id)
    first.text_area(key="obs_description").input("Tags sur le transformateur").run()
    device = first.session_state["field_device"]
    assert drafts.load_draft(db, agent, device=device).payload["obs_description"] == "Tags sur le transformateur"

    second = app_as(agent)  # a new session of the same browser (its cookie), fresh caches as after a restart
    second.session_state["field_device"] = device
    second.run()
    assert any("saisie non terminée" in w.value for w in second.warning)
    next(b for b in second.button if b.label == "Reprendre la saisie").click().run()
    assert diagnostic_picker(second).value == diagnostic_id
    assert second.text_area(key="obs_description").value == "Tags sur le transformateur"


def test_a_closed_diagnostic_is_read_only_on_the_page(agent_app, db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    make_observation(db, diagnostic_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.checkbox(key="close_confirm").check().run()
    next(b for b in agent_app.button if b.label == "Clôturer le diagnostic").click().run()
    assert not agent_app.exception
    assert any("ne peut plus être modifié" in i.value for i in agent_app.info)
    assert not [b for b in agent_app.button if b.label == "Enregistrer l'observation"]
    assert fieldwork.get_diagnostic(db, agent, diagnostic_id).closed


def test_the_grid_is_scored_on_the_page(agent_app, db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    agent_app.radio(key=f"grid_{diagnostic_id}_eclairage_fonctionne_score").set_value(2)
    agent_app.radio(key=f"grid_{diagnostic_id}_eclairage_homogene_score").set_value("SO")
    agent_app.radio(key=f"grid_{diagnostic_id}_video_couverture_score").set_value(5).run()
    next(b for b in agent_app.button if b.label == "Enregistrer la grille").click().run()
    assert not errors(agent_app)
    grid = checklists.diagnostic_grid(db, agent, diagnostic_id)
    assert grid.score.score == 3.5 and grid.answers["eclairage_homogene"]["na"]


def test_the_fiche_pdf_opens_with_map_scores_observations_and_only_shareable_photos(
    db, team_id, agent, tmp_path, monkeypatch
):
    monkeypatch.setenv("PSQ_PHOTO_DIR", str(tmp_path / "photos"))
    diagnostic_id = make_diagnostic(db, team_id, participants="Adjudant Martin")
    observation_id = make_observation(db, diagnostic_id, description="Candélabre éteint, coût 300 $")
    make_observation(
        db,
        diagnostic_id,
        description="Zone de regroupement",
        latitude=None,
        longitude=None,
        geometry=Polygon([(5.5915, 47.4448), (5.5930, 47.4448), (5.5930, 47.4456), (5.5915, 47.4448)]),
    )
    prepared = prepare_photo(jpeg_with_exif(size=(640, 480)))
    photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id, shareable=True)
    photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id)
    photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id, caption="Mât 12")
    checklists.save_answers(db, agent, diagnostic_id, {"eclairage_fonctionne": {"score": 2, "comment": "Rue noire"}})
    data = fiches.fiche_data(db, agent, diagnostic_id)
    assert len(data.photos) == 3  # the forces' own fiche has every photo
    pdf = PdfReader(io.BytesIO(fiche.render_fiche_pdf(data)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert len(pdf.pages) == 4  # summary, observations, one page of photos, the grid's comments
    assert "Fiche diagnostic" in text and "Note du diagnostic" in text and "2,0 / 5" in text and "2.0 / 5" not in text
    assert "coût 300 $" in text and "Zone de regroupement" in text and "Photos" in text
    assert f"Observation N° {observation_id} — Éclairage" in text and "Mât 12" in text
    assert "47,4452" in text and " N — 5,5925" in text  # the observation's position
    assert "Rue noire" in text and f"N° {observation_id}." in text
    partners = fiches.fiche_data(db, agent, diagnostic_id, for_partners=True)
    assert len(partners.photos) == 1 and not partners.grid_comments  # shareable photos only


def test_the_partners_fiche_hides_confidential_text(db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id, participants="Adjudant Martin")
    make_observation(db, diagnostic_id, description="Guetteurs au hall B")
    make_observation(db, diagnostic_id, description="Haie à tailler", shareable=True)
    data = fiches.fiche_data(db, agent, diagnostic_id, for_partners=True)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(fiche.render_fiche_pdf(data))).pages)
    assert "Haie à tailler" in text and "Guetteurs" not in text and "Adjudant Martin" not in text


def test_the_fiche_download_is_offered_on_the_page(agent_app, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    make_observation(db, diagnostic_id)
    choose_diagnostic(agent_app.run(), diagnostic_id)
    next(b for b in agent_app.button if b.label.startswith("Préparer la fiche")).click().run()
    assert not agent_app.exception and not errors(agent_app)
    kinds = [type(element).__name__ for element in agent_app.main]
    assert "DownloadButton" in kinds


def test_the_device_cookie_is_written_by_a_page_script_not_a_deprecated_component(agent_app):
    agent_app.run()  # written once per session, at its first run
    device = agent_app.session_state["field_device"]
    scripts = [element.proto.body for element in agent_app.get("html") if "psq_device" in element.proto.body]
    assert any(f"psq_device={device}" in body for body in scripts)
    assert not [element for element in agent_app.get("iframe") if "psq_device" in str(element.proto)]
