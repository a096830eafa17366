"""Partner accounts: a partner reads and answers only the observations assigned to it, redacted;
every role is checked in the services, on both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.auth import AGENT, MAIRE, PARTENAIRE, Actor
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io.photos import prepare_photo
from diagnostics.services import assignments, gallery, partner_answers
from diagnostics.services.follow_up import observation_detail, observation_history
from diagnostics.services.observations import ObservationFilter, observations_frame
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    LONS,
    make_diagnostic,
    make_observation,
    make_partner,
)
from tests.test_photos import jpeg_with_exif

TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def world(db, team_id):
    """Habitat 70 has two observations (one shared, one not); the préfecture one; one is unassigned."""
    habitat = make_partner(db, "Habitat 70", "bailleur", communes=("70279", "70550"))
    prefecture = make_partner(db, "Préfecture de la Haute-Saône", "prefecture")
    gray = make_diagnostic(db, team_id)
    ids = {
        "shared": make_observation(
            db,
            gray,
            description="Hall B : lampe cassée",
            recommendation="Changer la lampe",
            shared_fields=("description", "recommendation"),
            severity=4,
        ),
        "secret": make_observation(db, gray, description="Guetteurs au hall C, passages à 21 h"),
        "prefecture": make_observation(db, gray, description="Vidéoprotection"),
        "nobody": make_observation(db, gray),
    }
    for key, partner in (("shared", habitat), ("secret", habitat), ("prefecture", prefecture)):
        assignments.assign(db, COMMANDANT_70, ids[key], partner, today=TODAY)
    lons = make_diagnostic(db, team_id, commune=LONS[0], place="La Marjorie")
    ids["jura"] = make_observation(db, lons, lat=LONS[1], lon=LONS[2])
    assignments.assign(db, COMMANDANT_39, ids["jura"], habitat, today=TODAY)
    partner = Actor(login="partenaire.habitat70", role=PARTENAIRE, partner_id=habitat, display_name="Habitat 70")
    return {"ids": ids, "habitat": habitat, "prefecture": prefecture, "partner": partner}


def test_a_partner_reads_only_its_observations_redacted(db, world):
    ids = world["ids"]
    mine = partner_answers.my_observations(db, world["partner"])
    assert sorted(mine["id"]) == sorted([ids["shared"], ids["secret"], ids["jura"]])
    shared = mine.set_index("id").loc[ids["shared"]]
    secret = mine.set_index("id").loc[ids["secret"]]
    assert (shared["description"], shared["recommendation"]) == ("Hall B : lampe cassée", "Changer la lampe")
    assert shared["place"] == ""  # the place was not marked shareable
    assert secret["description"] == "" and "Guetteurs" not in mine.to_string()
    assert shared["due_on"] == TODAY + dt.timedelta(days=7)  # critique: 7 days
    assert set(mine.columns).isdisjoint({"author", "team_name", "partner"})


def test_a_partner_reaches_no_other_observation_by_any_id(db, world, photo_dir):
    partner, ids = world["partner"], world["ids"]
    for observation_id in (ids["prefecture"], ids["nobody"], 999_999):
        for read in (partner_answers.my_observation, partner_answers.my_history, partner_answers.my_photos):
            with pytest.raises(NotFound):
                read(db, partner, observation_id)
        with pytest.raises(NotFound):
            partner_answers.answer(db, partner, observation_id, "pris_en_compte", "")
    # Nor through the forces' services: a partner account holds no other permission.
    for read in (
        lambda: observation_detail(db, partner, ids["shared"]),
        lambda: observation_history(db, partner, ids["shared"]),
        lambda: observations_frame(db, partner, ObservationFilter()),
        lambda: gallery.observation_photos(db, partner, [ids["shared"]]),
        lambda: assignments.overdue_assignments(db, partner),
    ):
        with pytest.raises(PermissionDenied):
            read()
    assert observation_detail(db, COMMANDANT_70, ids["prefecture"]).partner_answer is None


def test_a_partner_takes_it_into_account_then_does_it_with_a_photo(db, world, photo_dir):
    partner, observation_id = world["partner"], world["ids"]["shared"]
    partner_answers.answer(db, partner, observation_id, "pris_en_compte", "")
    assert observation_detail(db, COMMANDANT_70, observation_id).status == "en_cours"
    with pytest.raises(ValidationError) as refused:
        partner_answers.answer(db, partner, observation_id, "realise", "  ")
    assert "comment" in refused.value.errors
    photo = prepare_photo(jpeg_with_exif())
    partner_answers.answer(db, partner, observation_id, "realise", "Lampe changée le 19/11.", photo)
    detail = observation_detail(db, COMMANDANT_70, observation_id)
    assert (detail.status, detail.partner_answer, detail.partner_id) == ("a_revoir", "realise", world["habitat"])
    [shown] = partner_answers.my_photos(db, partner, observation_id)
    assert partner_answers.my_photo_jpeg(db, partner, shown.id)[:2] == b"\xff\xd8"
    assert gallery.observation_photos(db, COMMANDANT_70, [observation_id])[observation_id][0].shareable
    history = observation_history(db, COMMANDANT_70, observation_id)
    answers = history[history["kind"] == "partner_answer"]
    assert list(answers["new_value"]) == ["pris_en_compte", "realise"]
    assert list(answers["comment"]) == ["", "Lampe changée le 19/11."]


def test_out_of_its_competence_goes_back_to_the_commander_flagged(db, world):
    partner, observation_id = world["partner"], world["ids"]["secret"]
    with pytest.raises(ValidationError):
        partner_answers.answer(db, partner, observation_id, "hors_competence", "")
    partner_answers.answer(db, partner, observation_id, "hors_competence", "Parties communes : syndic privé.")
    detail = observation_detail(db, COMMANDANT_70, observation_id)
    assert detail.returned and detail.partner_id is None and detail.due_on is None
    with pytest.raises(NotFound):
        partner_answers.my_observation(db, partner, observation_id)
    reason = observation_history(db, COMMANDANT_70, observation_id)["comment"].tolist()
    assert "Parties communes : syndic privé." in reason
    assignments.assign(db, COMMANDANT_70, observation_id, world["prefecture"], today=TODAY)
    assert not observation_detail(db, COMMANDANT_70, observation_id).returned


def test_a_partner_reads_the_history_without_the_forces_names_or_reasons(db, world):
    partner, observation_id = world["partner"], world["ids"]["shared"]
    assignments.change_due_date(
        db, COMMANDANT_70, observation_id, TODAY + dt.timedelta(days=20), "Attente du passage de M. Martin", today=TODAY
    )
    partner_answers.answer(db, partner, observation_id, "pris_en_compte", "Devis demandé")
    lines = [partner_answers.history_label(event) for event in partner_answers.my_history(db, partner, observation_id)]
    text = "\n".join(lines)
    assert "Martin" not in text and "commandant" not in text.lower()
    assert "Échéance : 10/12/2026" in text and "Réponse : Pris en compte (Devis demandé)" in text


@pytest.mark.parametrize(
    "actor",
    [
        Actor(login="agent.gray", role=AGENT, team_id=1),
        COMMANDANT_70,
        COMMANDANT_39,
        ADMIN_ACTOR,
        Actor(login="maire.sans.partenaire", role=MAIRE, commune_insee=GRAY[0]),
    ],
    ids=["agent", "commandant_70", "commandant_39", "admin", "maire_without_partner"],
)
def test_no_other_role_answers_for_a_partner(db, world, actor):
    observation_id = world["ids"]["shared"]
    for call in (
        lambda: partner_answers.my_observations(db, actor),
        lambda: partner_answers.answer(db, actor, observation_id, "pris_en_compte", ""),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert observation_detail(db, ADMIN_ACTOR, observation_id).partner_answer is None


def test_a_mayor_answers_for_the_commune_partner_only(db, world):
    commune = make_partner(db, "Mairie de Gray", "commune", communes=("70279",))
    mayor = Actor(login="maire.gray", role=MAIRE, commune_insee=GRAY[0], partner_id=commune)
    observation_id = world["ids"]["nobody"]
    assignments.assign(db, COMMANDANT_70, observation_id, commune, today=TODAY)
    assert list(partner_answers.my_observations(db, mayor)["id"]) == [observation_id]
    partner_answers.answer(db, mayor, observation_id, "pris_en_compte", "")
    with pytest.raises(NotFound):
        partner_answers.answer(db, mayor, world["ids"]["shared"], "pris_en_compte", "")
    assert observation_detail(db, COMMANDANT_70, world["ids"]["shared"]).partner_answer is None


def test_commanders_assign_only_in_their_departements(db, world):
    with pytest.raises(NotFound):
        assignments.assign(db, COMMANDANT_39, world["ids"]["nobody"], world["habitat"], today=TODAY)
    with pytest.raises(PermissionDenied):
        assignments.assign(db, world["partner"], world["ids"]["nobody"], world["habitat"], today=TODAY)
