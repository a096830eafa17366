"""What a partner account (or a mayor, for their commune's partner) reads and answers: only the
observations assigned to its partner, through the redaction of diagnostics.redaction.

Every read and write here checks the actor first (`partner_answers` permission, and the
observation's `partner_id` equal to the actor's): an observation assigned to someone else is
« introuvable », whatever id is asked for. `answer` is one use case, one transaction (the
`with` block): the observation, its history event, the photo and the audit are written together,
and a notification of the answer belongs inside that same block.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import config, limits, localtime, taxonomy
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.field_models import Photo
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent, utcnow
from diagnostics.partner_models import Partner
from diagnostics.redaction import redact_record
from diagnostics.services import audit, notifications, revisits
from diagnostics.services.photos import PhotoInfo, attach_photos, files_removed_unless_committed
from diagnostics.texts import t

ANSWERS: dict[str, str] = {
    "pris_en_compte": "Pris en compte",
    "realise": "Réalisé",
    "hors_competence": "Hors de ma compétence",
}
NO_PARTNER = "Votre compte n'est rattaché à aucun partenaire : contactez le référent PSQ."
COMMENT_REQUIRED = {
    "realise": "Décrivez ce qui a été fait.",
    "hors_competence": "Dites pourquoi cette demande n'est pas de votre compétence.",
}
CLOSED = "Cette observation est close : elle n'attend plus de réponse."
# Columns a partner's list carries; the free-text ones are blanked unless shared.
COLUMNS = (
    "id",
    "observed_on",
    "category",
    "severity",
    "status",
    "commune_name",
    "place",
    "description",
    "recommendation",
    "shareable",
    "shared_fields",
    "due_on",
    "partner_answer",
)


@dataclass(frozen=True)
class PartnerEvent:
    at: dt.datetime
    kind: str
    new_value: str
    comment: str


def answer_label(code: str | None) -> str:
    return ANSWERS.get(code or "", "")


def my_observations(db: Database, actor: Actor) -> pd.DataFrame:
    """The observations assigned to the actor's partner (redacted), the soonest due first."""
    partner_id = _partner_of(actor)
    with db.session() as session:
        rows = session.execute(_statement().where(Observation.partner_id == partner_id)).all()
    records = [redact_record(dict(zip(COLUMNS, row, strict=True))) for row in rows]
    frame = pd.DataFrame(records, columns=list(COLUMNS))
    return frame.sort_values(["due_on", "id"], na_position="last", kind="stable").reset_index(drop=True)


@audit.refusals_recorded
def my_observation(db: Database, actor: Actor, observation_id: int) -> dict:
    """One observation assigned to the actor's partner, redacted; NotFound for any other id."""
    partner_id = _partner_of(actor)
    statement = _statement().where(Observation.id == observation_id, Observation.partner_id == partner_id)
    with db.session() as session:
        row = session.execute(statement).first()
    if row is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    return redact_record(dict(zip(COLUMNS, row, strict=True)))


def my_history(db: Database, actor: Actor, observation_id: int) -> list[PartnerEvent]:
    """What a partner may read of the history: assignments, statuts, due dates and the partners'
    own answers; never who in the forces acted nor their comments or reasons."""
    my_observation(db, actor, observation_id)  # NotFound unless assigned to the actor's partner
    statement = (
        select(ObservationEvent.at, ObservationEvent.kind, ObservationEvent.new_value, ObservationEvent.comment)
        .where(ObservationEvent.observation_id == observation_id, ObservationEvent.kind != "comment")
        .order_by(ObservationEvent.at, ObservationEvent.id)
    )
    with db.session() as session:
        rows = session.execute(statement).all()
    return [
        PartnerEvent(at, kind, new_value or "", comment if kind == "partner_answer" else "")
        for at, kind, new_value, comment in rows
    ]


def my_photos(db: Database, actor: Actor, observation_id: int) -> list[PhotoInfo]:
    """The shareable photos of an observation assigned to the actor's partner."""
    my_observation(db, actor, observation_id)
    with db.session() as session:
        photos = session.scalars(
            select(Photo).where(Photo.observation_id == observation_id, Photo.shareable.is_(True)).order_by(Photo.id)
        ).all()
        return [
            PhotoInfo(p.id, p.diagnostic_id, p.observation_id, p.file_name, p.width, p.height, p.caption, p.shareable)
            for p in photos
        ]


def my_photo_jpeg(db: Database, actor: Actor, photo_id: int) -> bytes:
    """The JPEG of a shareable photo of an observation assigned to the actor's partner."""
    partner_id = _partner_of(actor)
    with db.session() as session:
        file_name = session.scalar(
            select(Photo.file_name)
            .join(Observation, Observation.id == Photo.observation_id)
            .where(Photo.id == photo_id, Photo.shareable.is_(True), Observation.partner_id == partner_id)
        )
    path = config.photo_dir() / file_name if file_name else None
    if path is None or not path.is_file():
        raise NotFound(t("photo_unknown", id=photo_id))
    return path.read_bytes()


def partner_name(db: Database, actor: Actor) -> str:
    partner_id = _partner_of(actor)
    with db.session() as session:
        return session.scalar(select(Partner.name).where(Partner.id == partner_id)) or ""


@audit.refusals_recorded
def answer(
    db: Database,
    actor: Actor,
    observation_id: int,
    kind: str,
    comment: str,
    photo: PreparedPhoto | None = None,
) -> int:
    """The partner's answer: « pris en compte », « réalisé » (what was done, a photo) or « hors de
    ma compétence » (why; the observation goes back to the commander, unassigned and flagged).
    Returns the observation's new version. One transaction.

    « Réalisé » does not close the observation: it becomes « à revoir » and a contre-visite by the
    forces closes it (services.revisits).
    """
    partner_id = _partner_of(actor)
    comment = (comment or "").strip()
    errors = _answer_errors(kind, comment)
    if errors:
        raise ValidationError(errors)
    with files_removed_unless_committed() as written, db.session() as session:
        observation = _assigned(session, partner_id, observation_id)
        if observation.status not in taxonomy.OPEN_STATUSES:
            raise ValidationError({"answer": CLOSED})
        before = {"status": observation.status, "partner_id": partner_id, "partner_answer": observation.partner_answer}
        partner = session.get(Partner, partner_id)
        events = [_event(actor, "partner_answer", partner.name, kind, comment)]
        observation.partner_answer = kind
        if kind == "pris_en_compte" and observation.status in ("nouvelle", "transmise"):
            events.append(_event(actor, "status", observation.status, "en_cours"))
            observation.status = "en_cours"
        if kind == "hors_competence":
            events.append(_event(actor, "assignment", partner.name, None))
            observation.partner_id, observation.due_on, observation.assigned_at = None, None, None
        observation.updated_at = utcnow()
        for event in events:
            event.observation_id = observation.id
            session.add(event)
        if kind == "realise":
            revisits.schedule_visit(session, actor, observation)  # « à revoir »: a visit will verify
        session.flush()
        if photo is not None:
            attach_photos(
                session, actor, observation.diagnostic_id, observation.id, [photo], shareable=True, written=written
            )
        after = {"status": observation.status, "partner_id": observation.partner_id, "partner_answer": kind}
        audit.record(
            session, actor, "answer", entity="observation", entity_id=observation.id, before=before, after=after
        )
        notifications.partner_answered(session, observation, partner.name, kind, comment)
        return observation.version


def _partner_of(actor: Actor) -> int:
    require(actor, "partner_answers")
    if actor.partner_id is None:
        raise PermissionDenied(NO_PARTNER)
    return actor.partner_id


def _assigned(session: Session, partner_id: int, observation_id: int) -> Observation:
    observation = session.scalars(
        select(Observation).where(Observation.id == observation_id, Observation.partner_id == partner_id)
    ).first()
    if observation is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    return observation


def _answer_errors(kind: str, comment: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if kind not in ANSWERS:
        errors["answer"] = "Réponse inconnue."
    elif kind in COMMENT_REQUIRED and not comment:
        errors["comment"] = COMMENT_REQUIRED[kind]
    errors.update(limits.too_long(ObservationEvent, {"comment": comment}))
    return errors


def _event(actor: Actor, kind: str, old: str | None, new: str | None, comment: str = "") -> ObservationEvent:
    return ObservationEvent(
        actor=actor.label[:120],
        kind=kind,
        old_value=old[:200] if old else None,
        new_value=new,
        comment=comment,
    )


def _statement():
    return (
        select(
            Observation.id,
            Observation.observed_on,
            Observation.category,
            Observation.severity,
            Observation.status,
            Commune.name,
            Diagnostic.place,
            Observation.description,
            Observation.recommendation,
            Observation.shareable,
            Observation.shared_fields,
            Observation.due_on,
            Observation.partner_answer,
        )
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
    )


def history_label(event: PartnerEvent) -> str:
    """One line of the history, in French, for a partner's page."""
    when = localtime.format_datetime(event.at)
    if event.kind == "partner_answer":
        text = f"Réponse : {answer_label(event.new_value)}"
    elif event.kind == "status":
        text = f"Statut : {taxonomy.status_label(event.new_value)}"
    elif event.kind == "due_date":
        text = f"Échéance : {event.new_value}"
    else:
        text = f"Attribution : {event.new_value or '—'}"
    return f"{when} — {text}" + (f" ({event.comment})" if event.comment else "")
