"""Recording an observation is one use case: one database session, all or nothing with its
photos, stored once however often the same form is sent; every text limit comes from the
columns and is refused in French before anything is written — on both backends."""

from __future__ import annotations

import datetime as dt
import inspect
import pathlib

import pytest
from sqlalchemy import event, func, select

from diagnostics import limits
from diagnostics.errors import ValidationError
from diagnostics.field_models import Photo
from diagnostics.io.photos import prepare_photo
from diagnostics.models import AuditEvent, Diagnostic, Observation, ObservationEvent, User
from diagnostics.services import accounts, fieldwork, follow_up, photos
from tests.conftest import ADMIN_ACTOR, GRAY, make_diagnostic, make_partner
from tests.test_photos import jpeg_with_exif


@pytest.fixture
def prepared():
    return prepare_photo(jpeg_with_exif(size=(640, 480)))


def draft(**overrides) -> fieldwork.ObservationDraft:
    values = dict(
        category="eclairage", severity=2, description="Candélabre éteint", latitude=GRAY[1], longitude=GRAY[2]
    )
    values.update(overrides)
    return fieldwork.ObservationDraft(**values)


def count(db, model) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


class Checkouts:
    """Connections taken from the pool, and which of them were taken inside a given function."""

    def __init__(self, db, inside: str):
        self.total = self.inside = 0
        self._inside = inside
        event.listen(db.engine, "checkout", self._count)

    def _count(self, *_args) -> None:
        self.total += 1
        self.inside += any(frame.function == self._inside for frame in inspect.stack(0))


def test_an_observation_with_two_photos_takes_one_connection(db, team_id, agent, photo_dir, prepared):
    diagnostic_id = make_diagnostic(db, team_id)
    checkouts = Checkouts(db, "record_observation")
    fieldwork.record_observation(db, agent, diagnostic_id, draft(), photos=[prepared, prepared], form_token="t1")
    assert checkouts.total == 1
    assert count(db, Photo) == 2


def test_the_saisie_walk_enters_the_database_once_to_save(db_url, db, team_id, agent, photo_dir):
    from tests.conftest import app_as
    from tests.test_app import choose_diagnostic, click_map, errors, fill_observation, save

    diagnostic_id = make_diagnostic(db, team_id)
    at = app_as(agent)
    choose_diagnostic(at.run(), diagnostic_id)
    click_map(at, GRAY[1], GRAY[2])
    fill_observation(at)
    checkouts = Checkouts(at_database(at), "record_observation")
    save(at)
    assert not errors(at) and count(db, Observation) == 1
    assert checkouts.inside == 1


def at_database(at):
    """The Database the app opened (cached once per process by ui.common)."""
    from diagnostics.ui import common

    return common.database()


def test_a_failing_photo_leaves_nothing_and_the_retry_stores_once(db, team_id, agent, photo_dir, prepared, monkeypatch):
    diagnostic_id = make_diagnostic(db, team_id)
    real_write, written = pathlib.Path.write_bytes, []

    def disk_full_at_second(path, data):
        written.append(path)
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        return real_write(path, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", disk_full_at_second)
    audit_before = count(db, AuditEvent)
    with pytest.raises(OSError):
        fieldwork.record_observation(db, agent, diagnostic_id, draft(), photos=[prepared, prepared], form_token="f")
    assert (count(db, Observation), count(db, Photo), count(db, AuditEvent)) == (0, 0, audit_before)
    assert not list(photo_dir.iterdir())  # the first photo's file went with the transaction
    monkeypatch.setattr(pathlib.Path, "write_bytes", real_write)

    first = fieldwork.record_observation(db, agent, diagnostic_id, draft(), photos=[prepared, prepared], form_token="f")
    again = fieldwork.record_observation(db, agent, diagnostic_id, draft(), photos=[prepared, prepared], form_token="f")
    assert first == again
    assert (count(db, Observation), count(db, Photo), len(list(photo_dir.iterdir()))) == (1, 2, 2)


def test_a_failure_at_commit_removes_the_written_files(db, team_id, agent, photo_dir, prepared):
    diagnostic_id = make_diagnostic(db, team_id)

    def refuse(session, *_args):
        raise RuntimeError("commit refused")

    event.listen(db._sessions, "before_commit", refuse)
    with pytest.raises(RuntimeError):
        fieldwork.record_observation(db, agent, diagnostic_id, draft(), photos=[prepared])
    event.remove(db._sessions, "before_commit", refuse)
    assert count(db, Observation) == 0 and not list(photo_dir.iterdir())


def test_a_form_token_belongs_to_one_diagnostic(db, team_id, agent):
    first = make_diagnostic(db, team_id)
    second = make_diagnostic(db, team_id, place="Gare")
    fieldwork.record_observation(db, agent, first, draft(), form_token="same")
    with pytest.raises(ValidationError, match="déjà servi"):
        fieldwork.record_observation(db, agent, second, draft(), form_token="same")
    assert count(db, Observation) == 1


def test_the_limits_are_the_columns_lengths():
    assert limits.limit(Observation, "partner") == 120
    assert limits.limit(Diagnostic, "place") == 200
    assert limits.limit(Observation, "description") == limits.LONG_TEXT  # Text: no length in the database
    assert limits.limits(Photo)["caption"] == 200


OBSERVATION_FIELDS = ("description", "recommendation", "partner")
DIAGNOSTIC_FIELDS = ("place", "participants", "context", "summary")


@pytest.mark.parametrize("field", OBSERVATION_FIELDS)
def test_an_observation_text_one_past_its_limit_is_refused_in_french(db, team_id, agent, field):
    diagnostic_id = make_diagnostic(db, team_id)
    most = limits.limit(Observation, field)
    with pytest.raises(ValidationError) as refused:
        fieldwork.record_observation(db, agent, diagnostic_id, draft(**{field: "é" * (most + 1)}))
    assert refused.value.errors[field] == f"Ce texte est trop long ({most + 1} caractères, {most} au maximum)."
    assert count(db, Observation) == 0
    fieldwork.record_observation(db, agent, diagnostic_id, draft(**{field: "é" * most}))  # the limit itself fits
    assert count(db, Observation) == 1


@pytest.mark.parametrize("field", DIAGNOSTIC_FIELDS)
def test_a_diagnostic_text_one_past_its_limit_is_refused_in_french(db, team_id, field):
    most = limits.limit(Diagnostic, field)
    with pytest.raises(ValidationError) as refused:
        make_diagnostic(db, team_id, **{field: "x" * (most + 1)})
    assert refused.value.errors[field].startswith(f"Ce texte est trop long ({most + 1} caractères")
    assert count(db, Diagnostic) == 0
    make_diagnostic(db, team_id, **{field: "x" * most})
    assert count(db, Diagnostic) == 1


def test_a_photo_caption_one_past_its_limit_is_refused(db, team_id, agent, photo_dir, prepared):
    diagnostic_id = make_diagnostic(db, team_id)
    most = limits.limit(Photo, "caption")
    with pytest.raises(ValidationError, match="trop long"):
        photos.store_photo(db, agent, diagnostic_id, prepared, caption="x" * (most + 1))
    assert count(db, Photo) == 0
    photos.store_photo(db, agent, diagnostic_id, prepared, caption="x" * most)
    assert count(db, Photo) == 1


@pytest.mark.parametrize(("field", "model"), [("due_reason", ObservationEvent), ("comment", ObservationEvent)])
def test_a_follow_up_text_one_past_its_limit_is_refused(db, team_id, field, model):
    diagnostic_id = make_diagnostic(db, team_id)
    observation_id = fieldwork.record_observation(db, ADMIN_ACTOR, diagnostic_id, draft())
    most = limits.limit(model, "comment")
    change = {"partner_id": make_partner(db), field: "x" * (most + 1)}
    with pytest.raises(ValidationError) as refused:
        follow_up.save_follow_up(
            db, ADMIN_ACTOR, observation_id, 1, follow_up.FollowUp(status="transmise", **change), today=dt.date.today()
        )
    assert "trop long" in refused.value.errors[field]
    assert count(db, ObservationEvent) == 0


def test_an_account_name_one_past_its_limit_is_refused(db):
    most = limits.limit(User, "display_name")
    account = accounts.NewAccount(login="chef.gray", role="admin", password="x" * 16, display_name="x" * (most + 1))
    with pytest.raises(ValidationError) as refused:
        accounts.add_user(db, ADMIN_ACTOR, account)
    assert "trop long" in refused.value.errors["display_name"]
    assert count(db, User) == 0


def test_a_closed_diagnostic_says_when_in_paris_time(db, team_id, agent):
    from diagnostics.errors import PermissionDenied
    from diagnostics.field_models import DiagnosticClosure
    from diagnostics.localtime import to_paris
    from diagnostics.services import closures

    diagnostic_id = make_diagnostic(db, team_id)
    fieldwork.record_observation(db, agent, diagnostic_id, draft())
    closures.close_diagnostic(db, agent, diagnostic_id)
    with db.session() as session:
        closed_at = session.get(DiagnosticClosure, diagnostic_id).closed_at  # naive UTC
    with pytest.raises(PermissionDenied) as refused:
        fieldwork.record_observation(db, agent, diagnostic_id, draft())
    assert f"clôturé le {to_paris(closed_at):%d/%m/%Y %H:%M}" in str(refused.value)
    assert to_paris(closed_at).utcoffset() != dt.timedelta(0)  # Paris is never UTC
