"""Field entry services: photos stored outside the database, drafts, closing, grids, place search."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from diagnostics import grids
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.io.photos import prepare_photo
from diagnostics.services import checklists, closures, drafts, fieldwork, photos, places
from tests.conftest import COMMANDANT_70, GRAY, make_diagnostic, make_observation
from tests.test_photos import jpeg_with_exif


def test_a_photo_is_stored_in_the_folder_under_a_generated_name(db, team_id, agent, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    observation_id = make_observation(db, diagnostic_id)
    photo_id = photos.store_photo(
        db, agent, diagnostic_id, prepare_photo(jpeg_with_exif()), observation_id=observation_id
    )
    [info] = photos.list_photos(db, agent, diagnostic_id)
    assert info.id == photo_id and info.observation_id == observation_id and not info.shareable
    assert info.file_name.endswith(".jpg") and len(info.file_name) == 36
    files = list(photo_dir.iterdir())
    assert files == [info.path()]
    assert b"Adjudant Martin" not in files[0].read_bytes()
    assert Image.open(io.BytesIO(photos.read_photo(info))).format == "JPEG"


def test_only_shareable_photos_are_listed_for_partners(db, team_id, agent, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    prepared = prepare_photo(jpeg_with_exif(gps=False))
    photos.store_photo(db, agent, diagnostic_id, prepared)
    shared = photos.store_photo(db, agent, diagnostic_id, prepared, shareable=True)
    assert [p.id for p in photos.list_photos(db, agent, diagnostic_id, shareable_only=True)] == [shared]


def test_a_photo_for_another_teams_diagnostic_is_refused(db, team_id, photo_dir):
    from diagnostics.auth import AGENT, Actor

    diagnostic_id = make_diagnostic(db, team_id)
    stranger = Actor(login="agent.autre", role=AGENT, team_id=team_id + 1000)
    with pytest.raises(PermissionDenied):
        photos.store_photo(db, stranger, diagnostic_id, prepare_photo(jpeg_with_exif()))
    assert not photo_dir.exists() or not list(photo_dir.iterdir())


def test_a_draft_survives_a_new_connection(db_url, db, agent):
    drafts.save_draft(db, agent, {"diag_place": "Quai de la Saône", "obs_description": "Tags"})
    from diagnostics.db import open_database

    other = open_database(db_url)  # as after a server restart
    try:
        draft = drafts.load_draft(other, agent)
        assert draft.payload == {"diag_place": "Quai de la Saône", "obs_description": "Tags"}
        drafts.save_draft(other, agent, {"obs_description": "Tags effacés"})
        assert drafts.load_draft(db, agent).payload == {"obs_description": "Tags effacés"}
        drafts.discard_draft(other, agent)
        assert drafts.load_draft(db, agent) is None
    finally:
        other.dispose()


def test_drafts_are_per_login(db, agent, admin):
    drafts.save_draft(db, agent, {"obs_description": "à moi"})
    assert drafts.load_draft(db, admin) is None


def test_a_closed_diagnostic_refuses_every_change(db, team_id, agent, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    with pytest.raises(ValidationError, match="au moins une observation"):
        closures.close_diagnostic(db, agent, diagnostic_id)
    make_observation(db, diagnostic_id)
    closures.close_diagnostic(db, agent, diagnostic_id)
    assert fieldwork.get_diagnostic(db, agent, diagnostic_id).closed
    with pytest.raises(PermissionDenied, match="clôturé"):
        make_observation(db, diagnostic_id, actor=agent)
    with pytest.raises(PermissionDenied, match="clôturé"):
        photos.store_photo(db, agent, diagnostic_id, prepare_photo(jpeg_with_exif()))
    with pytest.raises(PermissionDenied, match="clôturé"):
        checklists.save_answers(db, agent, diagnostic_id, {"eclairage_fonctionne": {"score": 2}})
    with pytest.raises(ValidationError, match="déjà clôturé"):
        closures.close_diagnostic(db, agent, diagnostic_id)


def test_grid_answers_are_stored_and_scored(db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    answers = {
        "eclairage_fonctionne": {"score": 1, "comment": "3 candélabres éteints"},
        "eclairage_homogene": {"score": 2},
        "eclairage_cheminements": {"na": True},
        "video_couverture": {"score": 4},
        "inconnu": {"score": 5},
    }
    checklists.save_answers(db, agent, diagnostic_id, answers)
    grid = checklists.diagnostic_grid(db, agent, diagnostic_id)
    assert "inconnu" not in grid.answers
    themes = {theme.code: theme for theme in grid.score.themes}
    assert themes["eclairage"].score == 1.5 and themes["eclairage"].not_applicable == 1
    assert themes["videoprotection"].score == 4.0 and themes["acces"].score is None
    assert grid.score.score == 2.8  # (1.5 + 4) / 2, each theme weighs the same


def test_a_bad_score_is_refused(db, team_id, agent):
    diagnostic_id = make_diagnostic(db, team_id)
    with pytest.raises(ValidationError, match="note entre 1 et 5"):
        checklists.save_answers(db, agent, diagnostic_id, {"eclairage_fonctionne": {"score": 9}})


def test_only_administrators_edit_templates_and_filled_grids_keep_their_version(db, team_id, agent, admin):
    template_id, template = checklists.active_template(db)
    with pytest.raises(PermissionDenied):
        checklists.save_template(db, COMMANDANT_70, template_id, template)
    diagnostic_id = make_diagnostic(db, team_id)
    checklists.save_answers(db, agent, diagnostic_id, {"eclairage_fonctionne": {"score": 3}})
    text = grids.template_to_text(template) + "\n# Commerces\n- Vitrines protégées"
    edited = checklists.save_template(db, admin, template_id, grids.template_from_text("Grille 2027", text, template))
    assert edited["themes"][-1]["label"] == "Commerces"
    assert edited["themes"][0]["items"][0]["code"] == "eclairage_fonctionne"  # unchanged labels keep codes
    assert checklists.active_template(db)[1]["name"] == "Grille 2027"
    assert checklists.diagnostic_grid(db, agent, diagnostic_id).template["name"] == grids.DEFAULT_TEMPLATE["name"]


def test_pure_scoring_and_template_text():
    template = grids.validate_template(
        grids.template_from_text("Test", "# Éclairage\n- Lampes\n- Ombres\n# Accès\n- Portes")
    )
    score = grids.score_grid(template, {template["themes"][0]["items"][0]["code"]: {"score": 5}})
    assert [t.score for t in score.themes] == [5.0, None] and score.score == 5.0
    with pytest.raises(grids.GridError, match="Ligne non comprise"):
        grids.template_from_text("Test", "Éclairage sans dièse")
    with pytest.raises(grids.GridError, match="au moins un critère"):
        grids.template_from_text("Test", "# Vide")


def test_places_are_found_offline_accents_and_case_ignored(db):
    index = places.place_index(db)
    found = places.search_local(index, "pusey")
    assert found and found[0].name.lower().startswith("pusey") or any("Pusey" in p.name for p in found)
    kiosk = places.search_local(index, "kiosque oasis")
    assert kiosk and kiosk[0].kind == "site"
    assert places.search_local(index, "ECHENOZ LA MELINE")[0].name == "Échenoz-la-Méline"
    assert places.search_local(index, "   ") == []
    gray = places.search_local(index, "Gray")[0]
    assert gray.latitude == pytest.approx(GRAY[1], abs=0.05)


def test_the_geocoder_answer_is_read_and_an_unreachable_one_is_ignored():
    answer = {
        "features": [
            {
                "geometry": {"type": "Point", "coordinates": [5.5922, 47.445]},
                "properties": {"label": "1 Place de l'Hôtel de Ville 70100 Gray", "context": "70, Haute-Saône"},
            },
            {"geometry": {"coordinates": ["x"]}, "properties": {"label": "cassé"}},
        ]
    }
    [place] = places.parse_geocoder_answer(answer)
    assert place.kind == "address" and place.latitude == 47.445
    assert places.search_addresses("place de la mairie", url="http://127.0.0.1:9/search/") == []
    assert places.search_addresses("place de la mairie", url="") == []
