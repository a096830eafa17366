"""Decisions of a cellule de veille become work (issue 17).

The commander records what was decided at a meeting: what, who (a partner of the cellule or a
team of the forces), by when, optionally about an observation of the territory. Each decision is
a row of its own (decision_models.MeetingDecision) with its due date: the partner concerned
finds it on « Mes préconisations » beside the observations assigned to it, and answers it there
(« pris en compte », « réalisé », « hors de ma compétence »). A decision about an observation
given to a partner also assigns that observation to the partner, with the decision's due date
(services.assignments), so both the decision and the observation are its work.

Where each stands (`state`): `done` (the partner said « réalisé », or a commander marked it),
`late` (open and its due date passed), `open`. The next meeting's agenda starts with them.

Each use case is one transaction; the partner (or the team) is told through the outbox in it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import localtime
from diagnostics.auth import Actor, require
from diagnostics.cellule_models import Cellule, CellulePartner, Meeting
from diagnostics.db import Database
from diagnostics.decision_models import MeetingDecision
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import Commune, Observation, Team, utcnow
from diagnostics.partner_models import Partner
from diagnostics.services import audit, cellules, meeting_agenda, notifications, outbox
from diagnostics.services.assignments import apply_assignment, assignment_values

TEXT_MAX, COMMENT_MAX = 1000, 2000
STATES = {"open": "en cours", "done": "faite", "late": "en retard"}
ANSWERS = {"pris_en_compte": "Pris en compte", "realise": "Réalisé", "hors_competence": "Hors de ma compétence"}
NO_PARTNER = "Votre compte n'est rattaché à aucun partenaire : contactez le référent PSQ."
UNKNOWN = "Décision introuvable : n° {id}"


@dataclass(frozen=True)
class DecisionInput:
    text: str
    due_on: dt.date | None
    partner_id: int | None = None
    team_id: int | None = None
    observation_id: int | None = None


@dataclass(frozen=True)
class DecisionLine:
    """A decision and where it stands on `as_of` (the agenda's meeting date, or today)."""

    id: int
    meeting_on: dt.date
    text: str
    who: str  # the partner's or the team's name
    partner_id: int | None  # None: a team of the forces (never shown outside them)
    due_on: dt.date
    state: str  # open / done / late
    answer: str | None
    answer_comment: str
    observation_id: int | None

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def answer_label(self) -> str:
        return ANSWERS.get(self.answer or "", "")


def record_decision(
    db: Database, actor: Actor, cellule_name: str, day: dt.date, values: DecisionInput, *, today: dt.date | None = None
) -> int:
    """A decision of the meeting of `cellule_name` on `day`; its id. The same decision recorded
    again (a retry, a double click) is not written twice: the first one's id comes back."""
    today = today or localtime.now_paris().date()
    text = " ".join((values.text or "").split())
    with db.session() as session:
        cellule = cellules.cellule_by_name(session, cellule_name)
        communes = cellules.cellule_communes(session, cellule.id)
        cellules.require_cellule_writer(session, actor, communes, meeting_agenda.DENIED)
        errors = _errors(session, cellule, communes, values, text, day)
        if errors:
            raise ValidationError(errors)
        meeting = meeting_agenda.meeting_of(session, actor, cellule, day)
        same = session.scalar(
            select(MeetingDecision.id).where(
                MeetingDecision.meeting_id == meeting.id,
                MeetingDecision.text == text,
                _is(MeetingDecision.partner_id, values.partner_id),
                _is(MeetingDecision.team_id, values.team_id),
                MeetingDecision.due_on == values.due_on,
            )
        )
        if same is not None:
            return same
        decision = MeetingDecision(
            meeting_id=meeting.id,
            text=text,
            partner_id=values.partner_id,
            team_id=values.team_id if values.partner_id is None else None,
            observation_id=values.observation_id,
            due_on=values.due_on,
            status="open",
            answer_comment="",
            created_by=actor.label[:120],
        )
        session.add(decision)
        session.flush()
        if values.observation_id is not None and values.partner_id is not None:
            _assign_observation(session, actor, decision, day, today)
        after = {"meeting": meeting.id, "text": text, "due_on": values.due_on.isoformat()}
        after |= {"partner_id": values.partner_id, "team_id": values.team_id, "observation_id": values.observation_id}
        audit.record(session, actor, "create", entity="decision", entity_id=decision.id, after=after)
        _notify_new(session, decision, cellule.name)
        return decision.id


def _is(column, value):
    return column.is_(None) if value is None else column == value


def _errors(session: Session, cellule: Cellule, communes, values: DecisionInput, text: str, day: dt.date) -> dict:
    errors: dict[str, str] = {}
    if not text:
        errors["text"] = "Écrivez ce qui a été décidé."
    elif len(text) > TEXT_MAX:
        errors["text"] = f"La décision est trop longue ({len(text)} caractères, {TEXT_MAX} au plus)."
    if (values.partner_id is None) == (values.team_id is None):
        errors["who"] = "Choisissez qui agit : un partenaire ou une équipe."
    elif values.partner_id is not None:
        members = set(session.scalars(select(CellulePartner.partner_id).where(CellulePartner.cellule_id == cellule.id)))
        if values.partner_id not in members:
            errors["who"] = "Ce partenaire n'est pas membre de la cellule."
    elif values.team_id is not None:
        departments = set(session.scalars(select(Commune.department).where(Commune.insee.in_(communes))))
        team = session.get(Team, values.team_id)
        if team is None or team.department not in departments:
            errors["who"] = "Cette équipe n'est pas du département de la cellule."
    if values.due_on is None:
        errors["due_on"] = "Choisissez l'échéance."
    elif values.due_on < day:
        errors["due_on"] = "L'échéance ne peut pas précéder la réunion."
    if values.observation_id is not None:
        insee = session.scalar(select(Observation.commune_insee).where(Observation.id == values.observation_id))
        if insee not in communes:
            errors["observation"] = (
                f"L'observation n° {values.observation_id} n'est pas sur le territoire de la cellule."
            )
    return errors


def _assign_observation(session: Session, actor: Actor, decision: MeetingDecision, day: dt.date, today) -> None:
    """The observation the decision is about goes to the partner, due by the decision's date."""
    from diagnostics.services import assignments

    observation = session.get(Observation, decision.observation_id)
    before = assignment_values(observation)
    reason = f"Décision de la cellule du {localtime.format_date(day)}"
    events = apply_assignment(
        session, actor, observation, decision.partner_id, decision.due_on, reason, min(today, decision.due_on)
    )
    if events:
        assignments._record(session, actor, observation, events, before)
        notifications.after_assignment(session, observation, events)


def _notify_new(session: Session, decision: MeetingDecision, cellule_name: str) -> None:
    data = {"decision": decision.text, "due_on": decision.due_on, "cellule": cellule_name, "decision_id": decision.id}
    if decision.partner_id is not None:
        partner = session.get(Partner, decision.partner_id)
        outbox.notify(session, "decision", recipients=notifications.partner_contacts(session, partner), data=data)
    else:
        outbox.notify(session, "decision", recipients=outbox.team_agents(session, decision.team_id), data=data)


def scan_late_decisions(db: Database, now: dt.datetime) -> int:
    """Every open decision whose due date passed: the partner (or the team) is told once per
    decision and due date (`dedup_key`), however often the worker runs; the messages written."""
    today = localtime.to_paris(now).date()
    written = 0
    with db.session() as session:
        late = session.execute(
            select(MeetingDecision, Cellule.name)
            .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
            .join(Cellule, Cellule.id == Meeting.cellule_id)
            .where(MeetingDecision.status == "open", MeetingDecision.due_on < today)
            .order_by(MeetingDecision.id)
        ).all()
        for decision, cellule_name in late:
            if decision.partner_id is not None:
                recipients = notifications.partner_contacts(session, session.get(Partner, decision.partner_id))
            else:
                recipients = outbox.team_agents(session, decision.team_id)
            data = {"decision": decision.text, "due_on": decision.due_on, "cellule": cellule_name,
                    "decision_id": decision.id}  # fmt: skip
            key = f"decision_due:{decision.id}:{decision.due_on.isoformat()}"
            written += len(outbox.notify(session, "decision_due", recipients=recipients, data=data, dedup_key=key))
    return written


def set_done(db: Database, actor: Actor, decision_id: int, done: bool = True) -> None:
    """A commander marks a decision done (or open again)."""
    with db.session() as session:
        decision, cellule = _decision_and_cellule(session, decision_id)
        cellules.require_cellule_writer(
            session, actor, cellules.cellule_communes(session, cellule.id), meeting_agenda.DENIED
        )
        before = {"status": decision.status}
        decision.status = "done" if done else "open"
        decision.done_at = utcnow() if done else None
        audit.record(session, actor, "update", entity="decision", entity_id=decision.id, before=before,
                     after={"status": decision.status})  # fmt: skip


def meeting_decisions(db: Database, actor: Actor, cellule_name: str, day: dt.date) -> list[DecisionLine]:
    """The decisions of the meeting on `day`, as they stand today (the relevé de décisions)."""
    today = localtime.now_paris().date()
    with db.session() as session:
        cellule = cellules.cellule_by_name(session, cellule_name)
        cellules.require_cellule_writer(
            session, actor, cellules.cellule_communes(session, cellule.id), meeting_agenda.DENIED
        )
        return decision_lines(session, cellule.id, today, meeting_on=day)


def releve_pdf(db: Database, actor: Actor, cellule_name: str, day: dt.date) -> bytes:
    """The forces' relevé de décisions of the meeting on `day`, its download audited."""
    from diagnostics.decisions_pdf import render_releve_pdf

    lines = meeting_decisions(db, actor, cellule_name, day)
    pdf = render_releve_pdf(cellule_name, day, lines, issued_on=localtime.now_paris().date())
    audit.record_now(db, actor, "export", entity="releve_decisions", entity_id=cellule_name,
                     after={"held_on": day.isoformat(), "decisions": len(lines)})  # fmt: skip
    return pdf


def decision_lines(
    session: Session,
    cellule_id: int,
    as_of: dt.date,
    *,
    meeting_on: dt.date | None = None,
    before: dt.date | None = None,
) -> list[DecisionLine]:
    """Decisions of the cellule's meeting on `meeting_on`; or, with `before`, those of the last
    meeting before that date followed by the ones of earlier meetings still open."""
    statement = (
        select(MeetingDecision, Meeting.held_on, Partner.name, Team.name)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .outerjoin(Partner, Partner.id == MeetingDecision.partner_id)
        .outerjoin(Team, Team.id == MeetingDecision.team_id)
        .where(Meeting.cellule_id == cellule_id)
        .order_by(Meeting.held_on.desc(), MeetingDecision.due_on, MeetingDecision.id)
    )
    if meeting_on is not None:
        statement = statement.where(Meeting.held_on == meeting_on)
    if before is not None:
        last = session.scalar(
            select(Meeting.held_on)
            .join(MeetingDecision, MeetingDecision.meeting_id == Meeting.id)
            .where(Meeting.cellule_id == cellule_id, Meeting.held_on < before)
            .order_by(Meeting.held_on.desc())
            .limit(1)
        )
        if last is None:
            return []
        statement = statement.where(
            Meeting.held_on <= last, (Meeting.held_on == last) | (MeetingDecision.status == "open")
        )
    return [_line(d, held_on, partner or team or "", as_of) for d, held_on, partner, team in session.execute(statement)]


def _line(decision: MeetingDecision, held_on: dt.date, who: str, as_of: dt.date) -> DecisionLine:
    state = "done" if decision.status == "done" else "late" if decision.due_on < as_of else "open"
    return DecisionLine(
        decision.id,
        held_on,
        decision.text,
        who,
        decision.partner_id,
        decision.due_on,
        state,
        decision.answer,
        decision.answer_comment or "",
        decision.observation_id,
    )


def decision_meeting(db: Database, actor: Actor, decision_id: int) -> tuple[str, dt.date]:
    """The cellule and the meeting date of a decision (an e-mail's link opens that meeting)."""
    with db.session() as session:
        decision, cellule = _decision_and_cellule(session, decision_id)
        cellules.require_cellule_writer(
            session, actor, cellules.cellule_communes(session, cellule.id), meeting_agenda.DENIED
        )
        return cellule.name, session.get(Meeting, decision.meeting_id).held_on


def _decision_and_cellule(session: Session, decision_id: int) -> tuple[MeetingDecision, Cellule]:
    row = session.execute(
        select(MeetingDecision, Cellule)
        .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
        .join(Cellule, Cellule.id == Meeting.cellule_id)
        .where(MeetingDecision.id == decision_id)
    ).first()
    if row is None:
        raise NotFound(UNKNOWN.format(id=decision_id))
    return row[0], row[1]


# --- the partner's side: « Mes préconisations » -------------------------------------------------


@dataclass(frozen=True)
class MyDecision:
    id: int
    cellule: str
    meeting_on: dt.date
    text: str
    due_on: dt.date
    state: str
    answer: str | None
    answer_comment: str


def my_decisions(db: Database, actor: Actor) -> list[MyDecision]:
    """The decisions given to the actor's partner, open ones first, the soonest due first."""
    partner_id = _partner_of(actor)
    today = localtime.now_paris().date()
    with db.session() as session:
        rows = session.execute(
            select(MeetingDecision, Meeting.held_on, Cellule.name)
            .join(Meeting, Meeting.id == MeetingDecision.meeting_id)
            .join(Cellule, Cellule.id == Meeting.cellule_id)
            .where(MeetingDecision.partner_id == partner_id)
            .order_by(MeetingDecision.due_on, MeetingDecision.id)
        ).all()
    mine = [
        MyDecision(
            d.id, name, held_on, d.text, d.due_on, _line(d, held_on, "", today).state, d.answer, d.answer_comment or ""
        )  # fmt: skip
        for d, held_on, name in rows
    ]
    return sorted(mine, key=lambda d: d.state == "done")


@audit.refusals_recorded
def answer_decision(db: Database, actor: Actor, decision_id: int, kind: str, comment: str) -> None:
    """The partner's answer to a decision given to it; « réalisé » marks it done."""
    from diagnostics.services.partner_answers import COMMENT_REQUIRED

    partner_id = _partner_of(actor)
    comment = (comment or "").strip()
    if kind not in ANSWERS:
        raise ValidationError({"answer": "Réponse inconnue."})
    if kind in COMMENT_REQUIRED and not comment:
        raise ValidationError({"comment": COMMENT_REQUIRED[kind].replace("cette demande", "cette décision")})
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": f"Le commentaire est trop long ({len(comment)} caractères, {COMMENT_MAX} au plus)."}
        )
    with db.session() as session:
        decision, cellule = _decision_and_cellule(session, decision_id)
        if decision.partner_id != partner_id:
            raise NotFound(UNKNOWN.format(id=decision_id))
        if decision.status == "done":
            raise ValidationError({"answer": "Cette décision est faite : elle n'attend plus de réponse."})
        before = {"status": decision.status, "answer": decision.answer}
        decision.answer, decision.answer_comment, decision.answered_at = kind, comment, utcnow()
        if kind == "realise":
            decision.status, decision.done_at = "done", utcnow()
        audit.record(session, actor, "answer", entity="decision", entity_id=decision.id, before=before,
                     after={"status": decision.status, "answer": kind})  # fmt: skip
        departments = set(
            session.scalars(
                select(Commune.department).where(Commune.insee.in_(cellules.cellule_communes(session, cellule.id)))
            )
        )
        partner = session.get(Partner, partner_id)
        recipients = [r for department in sorted(departments) for r in outbox.commanders_of(session, department)]
        data = {"decision": decision.text, "partner_name": partner.name, "answer": kind, "comment": comment,
                "decision_id": decision.id}  # fmt: skip
        outbox.notify(session, "decision_answer", recipients=recipients, data=data)


def _partner_of(actor: Actor) -> int:
    require(actor, "partner_answers")
    if actor.partner_id is None:
        raise PermissionDenied(NO_PARTNER)
    return actor.partner_id
