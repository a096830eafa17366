"""Purge reaches every copy: after it, the purged strings are found nowhere — not in the SQLite
file's bytes (vacuumed, WAL truncated), not in a pg_dump of PostGIS, not in the photo folder."""

from __future__ import annotations

import datetime as dt
import os
import subprocess

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.engine import make_url

from diagnostics.alert_models import Subscriber
from diagnostics.errors import ValidationError
from diagnostics.field_models import FieldDraft, Photo
from diagnostics.io.photos import prepare_photo
from diagnostics.notify.compose import KINDS
from diagnostics.outbox_models import OutboxAttachment, OutboxMessage
from diagnostics.services import (
    audit_log,
    checklists,
    closures,
    corrections,
    drafts,
    follow_up,
    photos,
    retention,
    revisits,
    subscribers,
)
from diagnostics.services.fieldwork import ObservationDraft
from tests.conftest import ADMIN_ACTOR, GRAY, make_diagnostic, make_observation
from tests.test_photos import jpeg_with_exif

OLD = dt.date(2023, 1, 10)
MARKERS = {
    name: f"ZQX-{name}-7731"
    for name in (
        "participants",
        "context",
        "summary",
        "description",
        "edited",
        "deleted",
        "comment",
        "grid",
        "caption",
        "draft",
        "reason",
        "visit",
        "mail",
        "attachment",
        "subscriber",
    )
}


def _plant_everywhere(db, team_id, agent) -> dict:
    diagnostic_id = make_diagnostic(
        db,
        team_id,
        actor=agent,
        visited_on=OLD,
        participants=MARKERS["participants"],
        context=MARKERS["context"],
        summary=MARKERS["summary"],
    )
    observation_id = make_observation(db, diagnostic_id, actor=agent, description=MARKERS["description"])
    version = corrections.edit_observation(
        db,
        agent,
        observation_id,
        1,
        ObservationDraft(
            category="eclairage", severity=3, description=MARKERS["edited"], latitude=GRAY[1], longitude=GRAY[2]
        ),
    )
    doomed = make_observation(db, diagnostic_id, actor=agent, description=MARKERS["deleted"])
    corrections.delete_observation(db, agent, doomed, 1)
    follow_up.save_follow_up(
        db,
        ADMIN_ACTOR,
        observation_id,
        version,
        follow_up.FollowUp(status="transmise", comment=MARKERS["comment"]),
        today=OLD,
    )
    report = revisits.VisitReport(dt.date(2023, 2, 1), "partielle", MARKERS["visit"])
    revisits.record_visit(db, agent, observation_id, report, today=dt.date(2023, 2, 1))
    template_id, template = checklists.active_template(db)
    code = template["themes"][0]["items"][0]["code"]
    checklists.save_answers(db, agent, diagnostic_id, {code: {"score": 2, "comment": MARKERS["grid"]}})
    photo_id = photos.store_photo(
        db,
        agent,
        diagnostic_id,
        prepare_photo(jpeg_with_exif()),
        observation_id=observation_id,
        caption=MARKERS["caption"],
    )
    closures.close_diagnostic(db, agent, diagnostic_id)
    corrections.reopen_diagnostic(db, ADMIN_ACTOR, diagnostic_id, MARKERS["reason"])
    drafts.save_draft(db, agent, {"obs_description": MARKERS["draft"]})
    with db.session() as session:  # a message sent about the observation, with a file
        message = OutboxMessage(
            kind=next(iter(KINDS)),
            observation_id=observation_id,
            recipient="chef@example.fr",
            subject="Observation",
            body=MARKERS["mail"],
            status="sent",
        )
        session.add(message)
        session.flush()
        session.add(
            OutboxAttachment(
                message_id=message.id,
                file_name="carte.pdf",
                content_type="application/pdf",
                size_bytes=40,
                content=MARKERS["attachment"].encode(),
            )
        )
    draft = subscribers.SubscriberDraft(MARKERS["subscriber"], "0622222222", "garage", OLD, communes=(GRAY[0],))
    subscriber_id = subscribers.add_subscriber(db, ADMIN_ACTOR, draft)
    subscribers.stop_by_admin(db, ADMIN_ACTOR, "0622222222")
    with db.session() as session:  # the subscriber said STOP long ago
        session.execute(
            update(Subscriber).where(Subscriber.id == subscriber_id).values(opted_out_at=dt.datetime(2023, 2, 1))
        )
    with db.session() as session:  # a draft left on a phone long ago
        session.execute(update(FieldDraft).values(updated_at=dt.datetime(2023, 1, 11)))
        file_name = session.scalar(select(Photo.file_name).where(Photo.id == photo_id))
    return {"diagnostic": diagnostic_id, "observation": observation_id, "photo": file_name}


def _stored_bytes(db) -> bytes:
    url = db.engine.url
    if db.is_sqlite:
        path = url.database
        return b"".join(open(p, "rb").read() for p in (path, path + "-wal") if os.path.exists(p))
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return subprocess.run(["pg_dump", "--format=plain", "--dbname", plain], capture_output=True, check=True).stdout


def _found(blob: bytes) -> set[str]:
    # pg_dump writes bytea (attachments) in hex
    return {
        name for name, marker in MARKERS.items() if marker.encode() in blob or marker.encode().hex().encode() in blob
    }


def test_after_a_purge_the_purged_strings_are_found_nowhere(db, team_id, agent, photo_dir, monkeypatch):
    monkeypatch.setenv("PSQ_AUDIT_KEY", "test-key")
    planted = _plant_everywhere(db, team_id, agent)
    assert (photo_dir / planted["photo"]).exists()
    assert _found(_stored_bytes(db)) == set(MARKERS)  # every copy is really there to begin with

    report = retention.purge(db, ADMIN_ACTOR, retention_days=365, dry_run=False)

    assert _found(_stored_bytes(db)) == set()
    assert not (photo_dir / planted["photo"]).exists()
    assert all(_found(path.read_bytes()) == set() for path in photo_dir.rglob("*") if path.is_file())
    assert (report.diagnostics, report.observations, report.copies["photos"], report.copies["drafts"]) == (1, 1, 1, 1)
    assert report.copies["comments"] == 1 and report.copies["audit_texts"] >= 6
    result = audit_log.verify(db)
    assert result.ok, str(result)  # the audit events keep the facts, sealed, and still verify
    events = _events(db, planted["observation"])
    assert [event["action"] for event in events] == ["create", "update", "update"]


def _events(db, observation_id):
    with db.session() as session:
        rows = (
            session.execute(
                text(
                    "SELECT action, after FROM audit_events "
                    "WHERE entity = 'observation' AND entity_id = :id ORDER BY id"
                ),
                {"id": str(observation_id)},
            )
            .mappings()
            .all()
        )
    return [dict(row) for row in rows]


def test_the_audit_log_has_its_own_retention_and_a_signed_checkpoint(db, team_id, monkeypatch):
    make_observation(db, make_diagnostic(db, team_id))
    later = dt.date.today() + dt.timedelta(days=400)
    with pytest.raises(ValidationError, match="PSQ_AUDIT_KEY"):
        retention.purge(db, ADMIN_ACTOR, retention_days=3000, dry_run=False, today=later, audit_retention_days=365)
    monkeypatch.setenv("PSQ_AUDIT_KEY", "clé de test")
    dry = retention.purge(db, ADMIN_ACTOR, retention_days=3000, dry_run=True, today=later, audit_retention_days=365)
    assert dry.copies["audit_rows"] >= 2

    report = retention.purge(db, ADMIN_ACTOR, retention_days=3000, dry_run=False, today=later, audit_retention_days=365)

    assert report.copies["audit_rows"] == dry.copies["audit_rows"]
    result = audit_log.verify(db)
    assert result.ok and result.first_seq > 1, str(result)
    assert "PSQ_AUDIT_KEY" in str(audit_log.verify(db, key=""))
    assert "signature invalide" in str(audit_log.verify(db, key="une autre clé"))
    with db.session() as session:
        actions = session.execute(text("SELECT action, entity FROM audit_events ORDER BY seq")).all()
    assert [tuple(row) for row in actions] == [("purge", "retention"), ("purge", "audit_events")]


def test_the_audit_retention_is_capped_at_three_years(monkeypatch):
    from diagnostics import config

    monkeypatch.setenv("PSQ_AUDIT_RETENTION_DAYS", "1096")
    with pytest.raises(ValueError, match="ne peut pas dépasser 1095 jours"):
        config.audit_retention_days()
    monkeypatch.setenv("PSQ_AUDIT_RETENTION_DAYS", "1095")
    assert config.audit_retention_days() == 1095
    monkeypatch.delenv("PSQ_AUDIT_RETENTION_DAYS")
    assert config.audit_retention_days() == 365
