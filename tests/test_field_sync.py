"""Synchronising the field page: each item stored once by its UUID, refusals per item, photos,
permissions, and diagnostics started offline (both backends)."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid

import pytest
from PIL import Image
from sqlalchemy import func, select

from diagnostics.auth import AGENT, MAIRE, Actor
from diagnostics.errors import PermissionDenied
from diagnostics.field_models import Photo
from diagnostics.models import AuditEvent, Diagnostic, Observation
from diagnostics.services import closures, fieldwork
from diagnostics.services import field_sync as sync
from tests.conftest import GRAY, VESOUL, make_diagnostic, make_observation


def _draft(lat=GRAY[1], lon=GRAY[2], **overrides) -> fieldwork.ObservationDraft:
    values = dict(category="eclairage", severity=2, description="Candélabre éteint", latitude=lat, longitude=lon)
    values.update(overrides)
    return fieldwork.ObservationDraft(**values)


def _item(diagnostic_id=None, **overrides) -> sync.SyncItem:
    values = dict(uuid=str(uuid.uuid4()), observation=_draft(), diagnostic_id=diagnostic_id)
    values.update(overrides)
    return sync.SyncItem(**values)


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (2400, 1800), (120, 80, 40))
    exif = Image.Exif()
    exif[0x013B] = "Agent Dupont"  # Artist
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _count(db, model, **where) -> int:
    with db.session() as session:
        statement = select(func.count()).select_from(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return session.scalar(statement)


def test_a_retried_batch_stores_each_observation_once(db, agent, team_id, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    items = [_item(diagnostic_id), _item(diagnostic_id, photos=[_jpeg_with_exif()])]
    first = sync.sync_items(db, agent, items)
    again = sync.sync_items(db, agent, items)  # the answer was lost: the phone sends it all again
    assert [r.status for r in first] == [sync.ACCEPTED] * 2
    assert [r.observation_id for r in again] == [r.observation_id for r in first]
    assert _count(db, Observation) == 2 and _count(db, Photo) == 1
    assert len(list(photo_dir.iterdir())) == 1
    assert _count(db, Observation, author=agent.login) == 2
    assert _count(db, AuditEvent, actor=agent.login, entity="observation", action="create") == 2


def test_the_photo_is_checked_resized_and_stripped_of_its_metadata(db, agent, team_id, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    [result] = sync.sync_items(db, agent, [_item(diagnostic_id, photos=[_jpeg_with_exif()])])
    [stored] = list(photo_dir.iterdir())
    with Image.open(stored) as image:
        assert max(image.size) == 1600 and not image.getexif()
    [bad] = sync.sync_items(db, agent, [_item(diagnostic_id, photos=[b"<html>not a photo</html>"])])
    assert bad.status == sync.REFUSED and bad.errors["photos"].startswith("Photo 1 : Ce fichier n'est pas une photo")
    too_many = sync.sync_items(db, agent, [_item(diagnostic_id, photos=[_jpeg_with_exif()] * 7)])
    assert too_many[0].errors["photos"] == "Trop de photos (7, 6 au plus par observation)."
    assert _count(db, Observation) == 1


def test_each_item_gets_its_own_answer_with_the_french_reason(db, agent, team_id, photo_dir):
    open_id = make_diagnostic(db, team_id)
    closed_id = make_diagnostic(db, team_id, place="Gare")
    make_observation(db, closed_id)
    closures.close_diagnostic(db, agent, closed_id)
    results = sync.sync_items(
        db,
        agent,
        [
            _item(open_id),
            _item(open_id, observation=_draft(lat=VESOUL[1], lon=VESOUL[2])),
            _item(closed_id),
            _item(open_id, observation=_draft(description="x" * 5001)),
            _item(open_id, uuid="pas-un-uuid"),
        ],
    )
    assert [r.status for r in results] == [sync.ACCEPTED] + [sync.REFUSED] * 4
    assert results[1].errors["position"].startswith("Le point (47.62310, 6.15580) est en dehors de la commune de Gray")
    assert "clôturé" in results[2].errors["diagnostic"]
    assert results[3].errors["description"] == "Ce texte est trop long (5001 caractères, 5000 au maximum)."
    assert results[4].errors["uuid"] == sync.UUID_INVALID
    assert _count(db, Observation, diagnostic_id=open_id) == 1


def test_a_diagnostic_started_offline_is_stored_once_for_all_its_observations(db, agent, team_id, photo_dir):
    new = sync.NewDiagnostic(
        str(uuid.uuid4()),
        fieldwork.DiagnosticDraft(team_id=team_id, commune_insee=GRAY[0], place="Les Îles", visited_on=dt.date.today()),
    )
    items = [_item(new_diagnostic=new), _item(new_diagnostic=new)]
    first = sync.sync_items(db, agent, items[:1])  # the sync is cut after the first item
    results = sync.sync_items(db, agent, items)
    assert {r.diagnostic_id for r in first + results} == {first[0].diagnostic_id}
    assert _count(db, Diagnostic) == 1 and _count(db, Observation) == 2
    assert _count(db, AuditEvent, actor=agent.login, entity="diagnostic", action="create") == 1
    future = sync.NewDiagnostic(
        str(uuid.uuid4()), fieldwork.DiagnosticDraft(team_id, GRAY[0], "Gare", dt.date(2099, 1, 1))
    )
    [refused] = sync.sync_items(db, agent, [_item(new_diagnostic=future)])
    assert refused.status == sync.REFUSED and "visited_on" in refused.errors


def test_the_same_item_sent_twice_at_once_is_stored_once(db, agent, team_id, photo_dir):
    new = sync.NewDiagnostic(
        str(uuid.uuid4()), fieldwork.DiagnosticDraft(team_id, GRAY[0], "Les Îles", dt.date.today())
    )
    item = _item(new_diagnostic=new)
    results: list = []
    threads = [threading.Thread(target=lambda: results.extend(sync.sync_items(db, agent, [item]))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {r.status for r in results} == {sync.ACCEPTED}
    assert _count(db, Diagnostic) == 1 and _count(db, Observation) == 1


def test_only_field_teams_may_sync_and_a_refusal_is_audited(db, agent, team_id, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    for actor in (Actor("maire.sync", MAIRE, commune_insee=GRAY[0]), Actor("agent.seul", AGENT)):
        with pytest.raises(PermissionDenied):
            sync.sync_items(db, actor, [_item(diagnostic_id)])
        assert _count(db, AuditEvent, actor=actor.login, action="refused") == 1
    other_team = Actor("agent.autre", AGENT, team_id=team_id + 1)
    [refused] = sync.sync_items(db, other_team, [_item(diagnostic_id)])
    assert refused.status == sync.REFUSED and "autre équipe" in refused.errors["diagnostic"]
    assert _count(db, Observation) == 0


def test_an_item_recorded_under_another_account_is_refused_and_stores_nothing(db, agent, team_id, photo_dir):
    diagnostic_id = make_diagnostic(db, team_id)
    other = _item(diagnostic_id, recorded_by="agent.vesoul")  # a shared phone: another agent's item
    own = _item(diagnostic_id, recorded_by=agent.login.upper())  # logins are case-insensitive
    results = sync.sync_items(db, agent, [other, own])
    assert [r.status for r in results] == [sync.REFUSED, sync.ACCEPTED]
    assert results[0].errors == {"form": sync.OTHER_AUTHOR}
    assert _count(db, Observation) == 1
