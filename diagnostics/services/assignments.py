"""Assigning an observation to a partner with a due date, and the overdue ones.

`assign` and `change_due_date` are use cases: each opens one transaction (the `with db.session()`
block) in which the observation, its history events and the audit are written together; whatever
must be known of the change (a notification) belongs inside that block. `apply_assignment` is the
helper both they and the follow-up form (services.follow_up) call with the open Session.

The due date is the day of assignment plus the delay of the observation's gravité (administrators
set the delays, services.partners); a commander may choose another date with a written reason,
kept as a « due_date » event in the observation's history.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics import limits, localtime
from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent, utcnow
from diagnostics.partner_models import Partner
from diagnostics.services import audit, notifications
from diagnostics.services.observations import _unindexed, overdue_condition, scope_conditions
from diagnostics.services.partners import delays_in
from diagnostics.texts import t

REASON_REQUIRED = "Donnez le motif du changement d'échéance."
DUE_IN_PAST = "L'échéance ne peut pas être passée."


def default_due_date(session: Session, severity: int, start: dt.date) -> dt.date:
    """`start` plus the delay of this gravité."""
    return start + dt.timedelta(days=delays_in(session)[int(severity)])


def assign(
    db: Database,
    actor: Actor,
    observation_id: int,
    partner_id: int | None,
    due_on: dt.date | None = None,
    reason: str = "",
    *,
    today: dt.date | None = None,
) -> int:
    """Assign an observation to `partner_id` (None: to nobody); return its new version.

    The due date is `due_on`, or the default for its gravité; a date other than the default needs
    a `reason`. One transaction: observation, history events, audit.
    """
    require(actor, "follow_up")
    today = today or localtime.now_paris().date()
    with db.session() as session:
        observation = observation_for_follow_up(session, actor, observation_id)
        before = assignment_values(observation)
        events = apply_assignment(session, actor, observation, partner_id, due_on, reason, today)
        if not events:
            raise ValidationError({"partner": t("nothing_to_save")})
        _record(session, actor, observation, events, before)
        notifications.after_assignment(session, observation, events)
        return observation.version


def change_due_date(
    db: Database, actor: Actor, observation_id: int, due_on: dt.date, reason: str, *, today: dt.date | None = None
) -> int:
    """Move the due date of an assigned observation, with a written reason; return its new version."""
    require(actor, "follow_up")
    today = today or localtime.now_paris().date()
    with db.session() as session:
        observation = observation_for_follow_up(session, actor, observation_id)
        if observation.partner_id is None:
            raise ValidationError({"due_on": "Attribuez d'abord l'observation à un partenaire."})
        before = assignment_values(observation)
        events = apply_assignment(session, actor, observation, observation.partner_id, due_on, reason, today)
        if not events:
            raise ValidationError({"due_on": t("nothing_to_save")})
        _record(session, actor, observation, events, before)
        return observation.version


def apply_assignment(
    session: Session,
    actor: Actor,
    observation: Observation,
    partner_id: int | None,
    due_on: dt.date | None,
    reason: str,
    today: dt.date,
) -> list[ObservationEvent]:
    """Change the observation's partner and due date in the caller's transaction; return the
    events to add (none when nothing changes). Raises ValidationError (French, per field)."""
    # One UPDATE for the whole change: the reads below must not flush the half-changed row
    # (each flush would move its version on).
    with session.no_autoflush:
        return _assignment_events(session, actor, observation, partner_id, due_on, reason, today)


def _assignment_events(
    session: Session,
    actor: Actor,
    observation: Observation,
    partner_id: int | None,
    due_on: dt.date | None,
    reason: str,
    today: dt.date,
) -> list[ObservationEvent]:
    reason = (reason or "").strip()
    errors = limits.too_long(ObservationEvent, {"comment": reason}, names={"comment": "due_reason"})
    partner = None
    if partner_id is not None:
        partner = session.get(Partner, partner_id)
        if partner is None:
            errors["partner"] = f"Partenaire inconnu : n° {partner_id}"
    if errors:
        raise ValidationError(errors)
    who, events = actor.label[:120], []
    if partner_id != observation.partner_id:
        old = session.get(Partner, observation.partner_id) if observation.partner_id is not None else None
        events.append(
            ObservationEvent(
                actor=who,
                kind="assignment",
                old_value=old.name[:200] if old else None,
                new_value=partner.name[:200] if partner else None,
                comment="",
            )
        )
        observation.partner_id = partner_id
        observation.partner_answer = None
        observation.assigned_at = utcnow() if partner_id is not None else None
        observation.due_on = default_due_date(session, observation.severity, today) if partner else None
        if partner is not None and observation.status == "nouvelle":
            events.append(_status_event(who, observation, "transmise"))
    if partner is not None and due_on is not None and due_on != observation.due_on:
        if due_on < today:
            raise ValidationError({"due_on": DUE_IN_PAST})
        if not reason:
            raise ValidationError({"due_reason": REASON_REQUIRED})
        events.append(
            ObservationEvent(
                actor=who,
                kind="due_date",
                old_value=localtime.format_date(observation.due_on) if observation.due_on else None,
                new_value=localtime.format_date(due_on),
                comment=reason,
            )
        )
        observation.due_on = due_on
    return events


def overdue_assignments(db: Database, actor: Actor, *, today: dt.date | None = None) -> pd.DataFrame:
    """The actor's observations « en retard », most late first: id, commune_name, category,
    severity, status, partner_id, partner_name, due_on, days_late."""
    today = today or localtime.now_paris().date()
    statement = (
        select(
            Observation.id,
            Commune.name,
            Observation.category,
            Observation.severity,
            Observation.status,
            Observation.partner_id,
            Partner.name,
            Observation.due_on,
        )
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .join(Partner, Partner.id == Observation.partner_id)
        .where(overdue_condition(today), *scope_conditions(observation_scope(actor)))
        .order_by(Observation.due_on, Observation.id)
    )
    with db.session() as session:
        rows = session.execute(statement).all()
    columns = ["id", "commune_name", "category", "severity", "status", "partner_id", "partner_name", "due_on"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["days_late"] = [(today - due).days for due in frame["due_on"]]
    return frame


def overdue_ids(
    db: Database, actor: Actor, *, today: dt.date | None = None, among: Sequence[int] | None = None
) -> frozenset[int]:
    """The ids of the actor's observations « en retard » (for the filters and the counts); only
    those of `among` when given (the rows of a table: read by their ids, not every late one)."""
    if among is None:
        return frozenset(int(i) for i in overdue_assignments(db, actor, today=today)["id"])
    today = today or localtime.now_paris().date()
    statement = select(Observation.id).where(
        Observation.id.in_(among), overdue_condition(today), *scope_conditions(observation_scope(actor))
    )
    with db.session() as session:
        return frozenset(int(i) for i in session.scalars(statement)) if among else frozenset()


def count_overdue(db: Database, actor: Actor, *, today: dt.date | None = None) -> int:
    """How many of the actor's observations are « en retard » (as many as `overdue_ids` gives).

    Counted in SQL through the due dates' index: the scope is checked on those rows only
    (through the communes' index, a commandant's 478,000 rows out of 1,000,000 took 0.3 s)."""
    today = today or localtime.now_paris().date()
    scope = scope_conditions(observation_scope(actor), read=functools.partial(_unindexed, db))
    statement = select(func.count()).select_from(Observation).where(overdue_condition(today), *scope)
    with db.session() as session:
        return session.scalar(statement) or 0


def observation_for_follow_up(session: Session, actor: Actor, observation_id: int) -> Observation:
    """The observation, if the actor may read it (NotFound otherwise, as for an unknown id)."""
    statement = (
        select(Observation)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .where(Observation.id == observation_id, *scope_conditions(observation_scope(actor)))
    )
    observation = session.scalars(statement).first()
    if observation is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    return observation


def assignment_values(observation: Observation) -> dict:
    return {
        "status": observation.status,
        "partner_id": observation.partner_id,
        "due_on": observation.due_on.isoformat() if observation.due_on else None,
        "version": observation.version,
    }


def _status_event(who: str, observation: Observation, status: str) -> ObservationEvent:
    event = ObservationEvent(actor=who, kind="status", old_value=observation.status, new_value=status, comment="")
    observation.status = status
    return event


def _record(session: Session, actor: Actor, observation: Observation, events, before: dict) -> None:
    observation.updated_at = utcnow()
    session.flush()
    for event in events:
        event.observation_id = observation.id
        session.add(event)
    after = assignment_values(observation)
    audit.record(session, actor, "update", entity="observation", entity_id=observation.id, before=before, after=after)
