"""Correcting what was recorded (issue 13): edits and deletions of observations and diagnostics,
versioned, audited, checked as recording is, until the diagnostic is closed; reopening by a
commandant of the département, with a reason."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from geoalchemy2.shape import to_shape
from sqlalchemy import select

from diagnostics.auth import AGENT, Actor
from diagnostics.errors import Conflict, NotFound, PermissionDenied, ValidationError
from diagnostics.field_models import Photo
from diagnostics.io.photos import prepare_photo
from diagnostics.models import AuditEvent, Diagnostic, Observation, ObservationEvent
from diagnostics.services import closures, corrections, follow_up, gallery, photos
from diagnostics.services.corrections import DiagnosticEdit, PhotoChanges
from diagnostics.services.fieldwork import ObservationDraft
from tests.conftest import COMMANDANT_39, COMMANDANT_70, GRAY, MAIRE_GRAY, make_diagnostic, make_observation
from tests.test_photos import jpeg_with_exif


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    folder = tmp_path / "photos"
    monkeypatch.setenv("PSQ_PHOTO_DIR", str(folder))
    return folder


@pytest.fixture
def recorded(db, team_id, agent):
    """A diagnostic of the agent's team with one observation; (diagnostic id, observation id)."""
    diagnostic_id = make_diagnostic(db, team_id, actor=agent)
    return diagnostic_id, make_observation(db, diagnostic_id, actor=agent, description="Candélabre éteint")


def _draft(**overrides) -> ObservationDraft:
    values = dict(
        category="visibilite",
        severity=3,
        description="Haie haute masquant l'aire de jeux",
        latitude=GRAY[1] + 0.0005,
        longitude=GRAY[2],
        recommendation="Tailler la haie",
        partner="Commune de Gray",
        shared_fields=("recommendation",),
    )
    values.update(overrides)
    return ObservationDraft(**values)


def _observation(db, observation_id) -> Observation:
    with db.session() as session:
        observation = session.get(Observation, observation_id)
        session.expunge(observation)
        return observation


def _events(db, entity: str, entity_id: int) -> list[AuditEvent]:
    with db.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == str(entity_id))
        ).all()
        session.expunge_all()
        return list(events)


def test_an_agent_corrects_an_observation_of_the_team(db, agent, recorded):
    _, observation_id = recorded
    version = corrections.edit_observation(db, agent, observation_id, 1, _draft())
    stored = _observation(db, observation_id)
    assert version == stored.version == 2
    assert (stored.category, stored.severity, stored.description) == (
        "visibilite",
        3,
        "Haie haute masquant l'aire de jeux",
    )
    assert stored.shared_fields == "recommendation" and stored.shareable
    assert to_shape(stored.geom).y == pytest.approx(GRAY[1] + 0.0005)
    update = _events(db, "observation", observation_id)[-1]
    assert update.action == "update" and update.actor == agent.login
    before, after = json.loads(update.before), json.loads(update.after)
    assert before["description"] == "Candélabre éteint" and after["description"].startswith("Haie haute")
    assert before["wkt"] != after["wkt"]


def test_a_stale_edit_is_refused_in_french_and_writes_nothing(db, agent, recorded):
    _, observation_id = recorded
    corrections.edit_observation(db, agent, observation_id, 1, _draft())
    events = len(_events(db, "observation", observation_id))
    with pytest.raises(Conflict, match="a été modifiée par agent.test le .*Ils restent dans le formulaire"):
        corrections.edit_observation(db, agent, observation_id, 1, _draft(description="Autre texte"))
    assert _observation(db, observation_id).description.startswith("Haie haute")
    assert len(_events(db, "observation", observation_id)) == events


def test_a_correction_is_checked_as_recording_is(db, agent, recorded):
    _, observation_id = recorded
    cases = {
        "description": _draft(description="  "),
        "position": _draft(latitude=46.67, longitude=5.55),  # Lons-le-Saunier, not Gray
        "partner": _draft(partner="x" * 121),
        "category": _draft(category="inconnue"),
    }
    for field, draft in cases.items():
        with pytest.raises(ValidationError) as refused:
            corrections.edit_observation(db, agent, observation_id, 1, draft)
        assert field in refused.value.errors, field
    assert _observation(db, observation_id).version == 1
    assert corrections.edit_observation(db, agent, observation_id, 1, _draft()) == 2
    with pytest.raises(ValidationError, match="Rien à enregistrer"):
        corrections.edit_observation(db, agent, observation_id, 2, _draft(), PhotoChanges())


def test_photos_are_added_removed_and_shared_one_by_one(db, agent, recorded, photo_dir):
    diagnostic_id, observation_id = recorded
    prepared = prepare_photo(jpeg_with_exif(gps=False))
    first = photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id)
    second = photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id)
    version = _observation(db, observation_id).version
    changes = PhotoChanges(add=[prepared], add_shareable=True, remove=[first], shareable={second: True})
    draft = _draft(**_same_fields(db, observation_id))
    corrections.edit_observation(db, agent, observation_id, version, draft, changes)
    shown = gallery.observation_photos(db, agent, [observation_id])[observation_id]
    assert [p.id for p in shown][0] == second and len(shown) == 2 and all(p.shareable for p in shown)
    assert sorted(path.name for path in photo_dir.iterdir()) == sorted(p.file_name for p in shown)
    with pytest.raises(NotFound):  # a photo of another observation cannot be removed through this one
        other = make_observation(db, diagnostic_id, actor=agent)
        corrections.edit_observation(
            db, agent, other, 1, _draft(**_same_fields(db, other)), PhotoChanges(remove=[second])
        )


def _same_fields(db, observation_id) -> dict:
    stored = _observation(db, observation_id)
    point = to_shape(stored.geom)
    return dict(
        category=stored.category,
        severity=stored.severity,
        description=stored.description,
        recommendation=stored.recommendation,
        partner=stored.partner,
        latitude=point.y,
        longitude=point.x,
        shared_fields=tuple(f for f in stored.shared_fields.split(",") if f),
    )


def test_a_deletion_is_audited_with_what_was_deleted(db, agent, admin, recorded, photo_dir):
    diagnostic_id, observation_id = recorded
    photos.store_photo(
        db, agent, diagnostic_id, prepare_photo(jpeg_with_exif(gps=False)), observation_id=observation_id
    )
    follow_up.save_follow_up(db, admin, observation_id, 1, follow_up.FollowUp(status="transmise", comment="vu"))
    version = _observation(db, observation_id).version
    with pytest.raises(Conflict):
        corrections.delete_observation(db, agent, observation_id, version - 1)
    corrections.delete_observation(db, agent, observation_id, version)
    with db.session() as session:
        assert session.get(Observation, observation_id) is None
        assert session.scalars(select(Photo)).all() == []
        assert session.scalars(select(ObservationEvent)).all() == []
    assert list(photo_dir.iterdir()) == []
    deletion = _events(db, "observation", observation_id)[-1]
    assert deletion.action == "delete" and deletion.after is None
    before = json.loads(deletion.before)
    assert before["description"] == "Candélabre éteint" and before["wkt"].startswith("POINT") and before["photos"]


def test_only_the_team_and_the_departements_commandants_correct(db, team_id, recorded):
    _, observation_id = recorded
    stranger = Actor(login="agent.autre", role=AGENT, team_id=team_id + 1000)
    for actor in (stranger, COMMANDANT_39, MAIRE_GRAY):
        with pytest.raises(PermissionDenied):
            corrections.edit_observation(db, actor, observation_id, 1, _draft())
        with pytest.raises(PermissionDenied):
            corrections.delete_observation(db, actor, observation_id, 1)
    assert corrections.edit_observation(db, COMMANDANT_70, observation_id, 1, _draft()) == 2


def test_the_diagnostics_place_date_and_participants_are_corrected(db, agent, recorded):
    diagnostic_id, observation_id = recorded
    edit = DiagnosticEdit(place="Quai Villeneuve", visited_on=dt.date(2026, 9, 14), participants="Adjudant X")
    assert corrections.edit_diagnostic(db, agent, diagnostic_id, 1, edit, today=dt.date(2026, 12, 1)) == 2
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        assert (diagnostic.place, diagnostic.visited_on, diagnostic.participants) == (
            "Quai Villeneuve",
            dt.date(2026, 9, 14),
            "Adjudant X",
        )
    assert _observation(db, observation_id).observed_on == dt.date(2026, 9, 14)  # the visit's date
    with pytest.raises(Conflict, match="Le diagnostic n° .* a été modifié par"):
        corrections.edit_diagnostic(db, agent, diagnostic_id, 1, edit)
    future = DiagnosticEdit(place="Quai", visited_on=dt.date(2027, 1, 1))
    with pytest.raises(ValidationError) as refused:
        corrections.edit_diagnostic(db, agent, diagnostic_id, 2, future, today=dt.date(2026, 12, 1))
    assert "visited_on" in refused.value.errors
    with pytest.raises(PermissionDenied):
        corrections.edit_diagnostic(db, COMMANDANT_39, diagnostic_id, 2, edit)


def test_after_closing_only_a_commandant_of_the_departement_reopens_with_a_reason(db, agent, recorded):
    diagnostic_id, observation_id = recorded
    closures.close_diagnostic(db, agent, diagnostic_id)
    with pytest.raises(PermissionDenied, match="clôturé"):
        corrections.edit_observation(db, agent, observation_id, 1, _draft())
    with pytest.raises(PermissionDenied, match="clôturé"):
        corrections.delete_observation(db, agent, observation_id, 1)
    with pytest.raises(PermissionDenied, match="commandant"):
        corrections.reopen_diagnostic(db, agent, diagnostic_id, "Erreur de saisie")
    with pytest.raises(PermissionDenied, match="périmètre"):
        corrections.reopen_diagnostic(db, COMMANDANT_39, diagnostic_id, "Erreur de saisie")
    with pytest.raises(ValidationError, match="pourquoi"):
        corrections.reopen_diagnostic(db, COMMANDANT_70, diagnostic_id, "  ")
    corrections.reopen_diagnostic(db, COMMANDANT_70, diagnostic_id, "Adresse erronée signalée par la mairie")
    reopening = _events(db, "diagnostic", diagnostic_id)[-1]
    assert reopening.action == "reopen" and reopening.detail == "Adresse erronée signalée par la mairie"
    assert json.loads(reopening.before)["closed_by"] == agent.login
    assert corrections.edit_observation(db, agent, observation_id, 1, _draft()) == 2
    with pytest.raises(ValidationError, match="n'est pas clôturé"):
        corrections.reopen_diagnostic(db, COMMANDANT_70, diagnostic_id, "encore")


def test_photos_are_shown_to_the_forces_and_to_partners_when_shareable(db, agent, recorded, photo_dir):
    diagnostic_id, observation_id = recorded
    prepared = prepare_photo(jpeg_with_exif(gps=False))
    internal = photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id)
    shared = photos.store_photo(db, agent, diagnostic_id, prepared, observation_id=observation_id, shareable=True)
    for actor in (agent, COMMANDANT_70):
        assert [p.id for p in gallery.observation_photos(db, actor, [observation_id])[observation_id]] == [
            internal,
            shared,
        ]
    assert gallery.observation_photos(db, COMMANDANT_39, [observation_id]) == {}
    assert [p.id for p in gallery.observation_photos(db, MAIRE_GRAY, [observation_id])[observation_id]] == [shared]
    assert gallery.photo_jpeg(db, MAIRE_GRAY, shared).startswith(b"\xff\xd8")
    with pytest.raises(NotFound):
        gallery.photo_jpeg(db, MAIRE_GRAY, internal)
