"""Commanders' follow-up of an observation: status, assignment to a partner with a due date
(services.assignments), dated comments.

Every saved change appends events to the observation's history and an audit event, in the same
transaction as the change. Saves are optimistic: the form carries the version it was read at;
if someone saved in between, the save is refused with `Conflict` and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from diagnostics import limits, localtime, taxonomy
from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.errors import Conflict, NotFound, ValidationError
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent, Team, utcnow
from diagnostics.partner_models import Partner
from diagnostics.redaction import redact_record
from diagnostics.services import audit, notifications
from diagnostics.services.assignments import apply_assignment, assignment_values, observation_for_follow_up
from diagnostics.services.observations import scope_conditions
from diagnostics.texts import t


@dataclass(frozen=True)
class ObservationDetail:
    """What the follow-up form shows; `version` goes back with the save."""

    id: int
    version: int
    observed_on: dt.date
    category: str
    severity: int
    status: str
    partner_id: int | None
    partner_name: str
    due_on: dt.date | None
    partner_answer: str | None
    description: str
    recommendation: str
    partner: str
    shareable: bool
    shared_fields: str
    commune_name: str
    place: str
    team_name: str
    updated_at: dt.datetime

    @property
    def returned(self) -> bool:
        """Sent back by its partner (« hors de ma compétence »), waiting for the commander."""
        return self.partner_id is None and self.partner_answer == "hors_competence"


@dataclass(frozen=True)
class FollowUp:
    """The state the commander wants: status and partner as chosen, a due date other than the
    default (with its reason), plus an optional comment."""

    status: str
    partner_id: int | None = None
    due_on: dt.date | None = None
    due_reason: str = ""
    comment: str = ""
    comment_date: dt.date | None = None


TREATED = "traitee"
HISTORY_COLUMNS = ("at", "actor", "kind", "old_value", "new_value", "comment", "dated")


def observation_detail(db: Database, actor: Actor, observation_id: int) -> ObservationDetail:
    """One observation the actor may read, with what its follow-up needs."""
    scope = observation_scope(actor)
    statement = (
        select(
            Observation.id,
            Observation.version,
            Observation.observed_on,
            Observation.category,
            Observation.severity,
            Observation.status,
            Observation.partner_id,
            func.coalesce(Partner.name, ""),
            Observation.due_on,
            Observation.partner_answer,
            Observation.description,
            Observation.recommendation,
            Observation.partner,
            Observation.shareable,
            Observation.shared_fields,
            Commune.name,
            Diagnostic.place,
            Team.name,
            Observation.updated_at,
        )
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Team, Team.id == Diagnostic.team_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .outerjoin(Partner, Partner.id == Observation.partner_id)
        .where(Observation.id == observation_id, *scope_conditions(scope))
    )
    with db.session() as session:
        row = session.execute(statement).first()
    if row is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    detail = ObservationDetail(*row)
    return _redacted(detail) if scope.shareable_text_only else detail


def save_follow_up(
    db: Database,
    actor: Actor,
    observation_id: int,
    read_version: int,
    change: FollowUp,
    *,
    today: dt.date | None = None,
) -> int:
    """Apply `change` to an observation read at `read_version`; return its new version.

    Raises `Conflict` when the observation was saved by someone else since `read_version`,
    `ValidationError` for a wrong input or when nothing changes.
    """
    require(actor, "follow_up")
    today = today or localtime.now_paris().date()
    errors = _follow_up_errors(change, today)
    if errors:
        raise ValidationError(errors)
    try:
        with db.session() as session:
            observation = observation_for_follow_up(session, actor, observation_id)
            if observation.version != read_version:
                raise Conflict(_conflict_message(session, observation))
            if change.status == TREATED != observation.status and not change.comment.strip():
                # Only a contre-visite that finds it levée closes an observation without a word
                # (services.revisits); a commander closing it writes why.
                raise ValidationError({"comment": t("closing_reason_required")})
            before = _follow_up_values(observation)
            events = _apply(session, actor, observation, change, today)
            if not events:
                raise ValidationError({"follow_up": t("nothing_to_save")})
            # A comment alone changes no column: touch the row so that the version moves on
            # and a concurrent editor learns that the observation was worked on.
            observation.updated_at = utcnow()
            session.flush()
            for event in events:
                event.observation_id = observation.id
                session.add(event)
            audit.record(
                session,
                actor,
                "update",
                entity="observation",
                entity_id=observation.id,
                before=before,
                after={**_follow_up_values(observation), **_comment_values(change)},
                detail="suivi",
            )
            notifications.after_assignment(session, observation, events)
            return observation.version
    except StaleDataError as exc:
        # Saved by someone else between our read and our write: the UPDATE matched no row.
        with db.session() as session:
            current = session.get(Observation, observation_id)
            message = _conflict_message(session, current) if current else t("observation_unknown", id=observation_id)
        raise Conflict(message) from exc


def observation_history(db: Database, actor: Actor, observation_id: int) -> pd.DataFrame:
    """The follow-up events of an observation the actor may read, oldest first."""
    observation_detail(db, actor, observation_id)  # raises NotFound outside the actor's scope
    partner = observation_scope(actor).shareable_text_only
    statement = (
        select(*(getattr(ObservationEvent, column) for column in HISTORY_COLUMNS))
        .where(ObservationEvent.observation_id == observation_id)
        .order_by(ObservationEvent.at, ObservationEvent.id)
    )
    with db.session() as session:
        rows = session.execute(statement).all()
    history = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    for column in ("old_value", "new_value", "comment"):
        history[column] = history[column].fillna("").astype(str)
    if partner:
        # Partners see what happened, not who in the forces did it nor their internal comments.
        history = history[history["kind"] != "comment"].assign(actor="").reset_index(drop=True)
    return history


def _follow_up_errors(change: FollowUp, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if change.status not in taxonomy.STATUSES:
        errors["status"] = t("status_invalid")
    errors.update(limits.too_long(ObservationEvent, {"comment": change.comment}))
    if change.comment_date is not None and change.comment_date > today:
        errors["comment_date"] = t("comment_date_in_future", date=localtime.format_date(change.comment_date))
    return errors


def _apply(
    session: Session, actor: Actor, observation: Observation, change: FollowUp, today: dt.date
) -> list[ObservationEvent]:
    who = _who(actor)
    events = []
    if change.status != observation.status:
        events.append(
            ObservationEvent(
                actor=who, kind="status", old_value=observation.status, new_value=change.status, comment=""
            )
        )
        observation.status = change.status
    events += apply_assignment(session, actor, observation, change.partner_id, change.due_on, change.due_reason, today)
    if change.comment.strip():
        events.append(
            ObservationEvent(
                actor=who,
                kind="comment",
                comment=change.comment.strip(),
                dated=change.comment_date or localtime.now_paris().date(),
            )
        )
    return events


def _conflict_message(session: Session, observation: Observation) -> str:
    last = session.execute(
        select(ObservationEvent.actor, ObservationEvent.at)
        .where(ObservationEvent.observation_id == observation.id)
        .order_by(ObservationEvent.id.desc())
        .limit(1)
    ).first()
    if last is None:
        return t("follow_up_conflict_unknown", id=observation.id)
    return t("follow_up_conflict", id=observation.id, who=last.actor, when=f"{last.at:%d/%m/%Y à %H:%M} (UTC)")


def _who(actor: Actor) -> str:
    return actor.label[:120]


def _follow_up_values(observation: Observation) -> dict:
    return assignment_values(observation)


def _comment_values(change: FollowUp) -> dict:
    if not change.comment.strip():
        return {}
    return {"comment": change.comment.strip(), "comment_date": change.comment_date or localtime.now_paris().date()}


def _redacted(detail: ObservationDetail) -> ObservationDetail:
    """What a partner may read (see diagnostics.redaction): never the team, free text if shareable."""
    return replace(detail, **{**redact_record(asdict(detail)), "team_name": ""})
