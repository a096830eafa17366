"""Contre-visites (issue 15): an agent goes back to an observation and records what is found.

Only a visit that finds the problem « levée » makes the observation « traitée » (or a commander
with a written reason, `services.follow_up`); a partner's « réalisé » only schedules the visit
(`schedule_visit`, status « à revoir »). A visit « partiellement levée » or « non levée » keeps
the observation open: back « en cours » with its partner when it was waiting for the visit.

Agents visit their own team's observations, commandants those of their départements; each use
case is one transaction (the visit, its photos, the status change, its history and the audit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diagnostics import limits, localtime, taxonomy
from diagnostics.auth import AGENT, COMMANDANT, OTHER_DEPARTMENT, Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent, utcnow
from diagnostics.services import audit, notifications
from diagnostics.services import photos as photo_store
from diagnostics.texts import t
from diagnostics.visit_models import ObservationVisit, VisitPhoto

REVISIT = "a_revoir"
TREATED = "traitee"
REOPENED = "en_cours"  # a visit that finds it not (fully) levée hands it back to its partner


@dataclass(frozen=True)
class VisitReport:
    """What the agent found on the ground."""

    visited_on: dt.date | None
    finding: str | None
    comment: str = ""


@dataclass(frozen=True)
class VisitResult:
    visit_id: int
    status: str  # the observation's status after the visit
    photo_count: int


def record_visit(
    db: Database,
    actor: Actor,
    observation_id: int,
    report: VisitReport,
    *,
    photos: Sequence[PreparedPhoto] = (),
    photos_shareable: bool = False,
    form_token: str | None = None,
    today: dt.date | None = None,
) -> VisitResult:
    """Record a contre-visite with its photos and apply its finding, all or nothing.

    `form_token` identifies one filled form: sent again (a double tap, a retry after a lost
    answer), the visit already stored is returned instead of a second one.
    """
    require(actor, "record_visit")
    today = today or localtime.now_paris().date()
    try:
        with photo_store.files_removed_unless_committed() as written, db.session() as session:
            if form_token and (stored := _already_recorded(session, form_token)) is not None:
                return stored
            observation = visitable_observation(session, actor, observation_id)
            errors = report_errors(report, observation.observed_on, today)
            if errors:
                raise ValidationError(errors)
            visit = _new_visit(session, actor, observation, report, form_token)
            photo_ids = photo_store.attach_photos(
                session,
                actor,
                observation.diagnostic_id,
                observation.id,
                photos,
                shareable=photos_shareable,
                written=written,
                caption=t("visit_event", date=localtime.format_date(visit.visited_on), finding=_label(visit.finding)),
            )
            session.add_all(VisitPhoto(photo_id=photo_id, visit_id=visit.id) for photo_id in photo_ids)
            status = _apply_finding(session, actor, observation, visit)
            notifications.visit_recorded(session, observation, visit.finding, visit.visited_on, visit.comment)
            return VisitResult(visit.id, status, len(photo_ids))
    except IntegrityError:
        # The same form sent twice at once: the other request stored it first.
        if form_token:
            with db.session() as session:
                stored = _already_recorded(session, form_token)
            if stored is not None:
                return stored
        raise


def schedule_visit(session: Session, actor: Actor, observation: Observation, *, comment: str = "") -> bool:
    """In the caller's transaction (a partner's « réalisé »): the observation waits for a
    contre-visite, « à revoir »; it is not closed. False when nothing changes (already à revoir,
    or closed)."""
    if observation.status == REVISIT or observation.status in taxonomy.CLOSED_STATUSES:
        return False
    _status_event(session, actor, observation, REVISIT, comment)
    notifications.visit_scheduled(session, observation)
    return True


def visitable_observation(session: Session, actor: Actor, observation_id: int) -> Observation:
    """The observation, if `actor` may record a visit on it; French refusals otherwise."""
    require(actor, "record_visit")
    row = session.execute(
        select(Observation, Diagnostic.team_id, Commune.department)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .where(Observation.id == observation_id)
    ).first()
    if row is None:
        raise NotFound(t("observation_unknown", id=observation_id))
    observation, team_id, department = row
    if actor.role == AGENT and actor.team_id != team_id:
        raise PermissionDenied(t("visit_other_team", id=observation_id))
    if actor.role == COMMANDANT and department not in actor.departments:
        raise PermissionDenied(OTHER_DEPARTMENT)
    if observation.status in taxonomy.CLOSED_STATUSES:
        status = taxonomy.status_label(observation.status).lower()
        raise ValidationError({"observation": t("visit_closed", id=observation_id, status=status)})
    return observation


def report_errors(report: VisitReport, observed_on: dt.date, today: dt.date) -> dict[str, str]:
    """A French message per wrong field of the report (empty when it can be recorded)."""
    errors: dict[str, str] = {}
    if report.finding not in taxonomy.VISIT_FINDINGS:
        errors["finding"] = t("visit_finding_required")
    day = report.visited_on
    if day is None:
        errors["visited_on"] = t("visit_date_required")
    elif day > today:
        errors["visited_on"] = t("visit_date_future", date=localtime.format_date(day))
    elif day < observed_on:
        errors["visited_on"] = t(
            "visit_date_before", date=localtime.format_date(day), observed=localtime.format_date(observed_on)
        )
    errors.update(limits.too_long(ObservationVisit, {"comment": report.comment}))
    return errors


def _already_recorded(session: Session, form_token: str) -> VisitResult | None:
    visit = session.scalars(select(ObservationVisit).where(ObservationVisit.form_token == form_token)).first()
    if visit is None:
        return None
    status = session.get(Observation, visit.observation_id).status
    photos = session.scalars(select(VisitPhoto.photo_id).where(VisitPhoto.visit_id == visit.id)).all()
    return VisitResult(visit.id, status, len(photos))


def _new_visit(
    session: Session, actor: Actor, observation: Observation, report: VisitReport, form_token: str | None
) -> ObservationVisit:
    visit = ObservationVisit(
        observation_id=observation.id,
        visited_on=report.visited_on,
        finding=report.finding,
        comment=(report.comment or "").strip(),
        team_id=actor.team_id,
        author=actor.label[:120],  # as in the follow-up history (ObservationEvent.actor)
        form_token=form_token or None,
    )
    session.add(visit)
    session.flush()
    after = {"observation_id": observation.id, "visited_on": visit.visited_on, "finding": visit.finding}
    audit.record(session, actor, "create", entity="observation_visit", entity_id=visit.id, after=after)
    return visit


def _apply_finding(session: Session, actor: Actor, observation: Observation, visit: ObservationVisit) -> str:
    note = t("visit_event", date=localtime.format_date(visit.visited_on), finding=_label(visit.finding))
    if visit.finding == "levee":
        _status_event(session, actor, observation, TREATED, note)
    elif observation.status == REVISIT:
        _status_event(session, actor, observation, REOPENED, note)
    else:
        # The status stays; the row is touched so that its version moves on and a commander
        # with the follow-up form open learns that the observation was visited.
        observation.updated_at = utcnow()
        session.flush()
    return observation.status


def _status_event(session: Session, actor: Actor, observation: Observation, status: str, comment: str) -> None:
    before = {"status": observation.status, "version": observation.version}
    session.add(
        ObservationEvent(
            observation_id=observation.id,
            actor=actor.label[:120],
            kind="status",
            old_value=observation.status,
            new_value=status,
            comment=comment,
        )
    )
    observation.status = status
    observation.updated_at = utcnow()
    session.flush()
    after = {"status": status, "version": observation.version}
    audit.record(session, actor, "update", entity="observation", entity_id=observation.id, before=before, after=after)


def _label(finding: str) -> str:
    return taxonomy.VISIT_FINDINGS.get(finding, finding).lower()
