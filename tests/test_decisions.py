"""Decisions of a cellule de veille become work (issue 17): each is assigned work with its due
date, the partner concerned sees and answers it, the next agenda starts with them and where each
stands; the commander's agenda edits persist and drive the PDF; permissions; both backends."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.decisions_pdf import render_releve_pdf
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.meeting_pdf import render_agenda_pdf
from diagnostics.models import Observation, Team
from diagnostics.outbox_models import OutboxMessage
from diagnostics.services import agenda, decisions, meeting_agenda
from diagnostics.services.decisions import DecisionInput
from diagnostics.services.meeting_agenda import Point
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, COMMANDANT_70, LONS
from tests.test_agenda import MEETING, PREVIOUS, lons_cellule, make_partner, observation

NAME = "Cellule de veille de Lons-le-Saunier"
NEXT = MEETING + dt.timedelta(days=7)


def _setup(db):
    partner_id = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],), emails=("pm@lons.example",))
    lons_cellule(db, partner_id)
    return partner_id


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_decisions_become_assigned_work_and_open_the_next_agenda(db, team_id):
    partner_id = _setup(db)
    seen = observation(db, team_id, dt.date(2026, 11, 30), 3)
    with db.session() as session:
        lons_team = session.scalar(select(Team.id).where(Team.department == "39"))
    light = DecisionInput("Réparer l'éclairage du parking", MEETING + dt.timedelta(days=14), partner_id=partner_id,
                          observation_id=seen)  # fmt: skip
    patrol = DecisionInput("Patrouilles renforcées le vendredi soir", MEETING + dt.timedelta(days=3),
                           team_id=lons_team)  # fmt: skip
    first = decisions.record_decision(db, COMMANDANT_39, NAME, MEETING, light, today=MEETING)
    assert decisions.record_decision(db, COMMANDANT_39, NAME, MEETING, light, today=MEETING) == first  # a retry
    decisions.record_decision(db, COMMANDANT_39, NAME, MEETING, patrol, today=MEETING)

    # the observation is assigned to the partner with the decision's due date, and it is told
    with db.session() as session:
        assigned = session.get(Observation, seen)
        assert (assigned.partner_id, assigned.due_on) == (partner_id, light.due_on)
        sent = select(OutboxMessage.kind).where(OutboxMessage.recipient == "pm@lons.example")
        kinds = list(session.scalars(sent))
    assert "decision" in kinds and "assignment" in kinds

    # the partner sees its decision as assigned work, with its due date, and answers it
    partner = Actor(login="pm.lons", role=PARTENAIRE, partner_id=partner_id)
    [mine] = decisions.my_decisions(db, partner)
    assert (mine.text, mine.due_on, mine.state, mine.cellule) == (light.text, light.due_on, "open", NAME)
    with pytest.raises(ValidationError, match="Décrivez"):
        decisions.answer_decision(db, partner, mine.id, "realise", "")
    decisions.answer_decision(db, partner, mine.id, "pris_en_compte", "Devis demandé")
    other = Actor(login="autre", role=PARTENAIRE, partner_id=make_partner(db, "OPH du Jura", kind="bailleur"))
    assert decisions.my_decisions(db, other) == []
    with pytest.raises(NotFound):
        decisions.answer_decision(db, other, mine.id, "pris_en_compte", "")
    with pytest.raises(PermissionDenied):
        decisions.record_decision(db, partner, NAME, MEETING, light)

    # the next agenda starts with them and where each stands (the patrol is late by then)
    result = agenda.prepare_agenda(db, COMMANDANT_39, NAME, NEXT)
    assert result.points[0].section == "decisions"
    states = {line.text: (line.state, line.answer, line.due_on) for line in result.decisions}
    assert states == {
        light.text: ("open", "pris_en_compte", light.due_on),
        patrol.text: ("late", None, patrol.due_on),
    }
    text = _text(render_agenda_pdf(result, issued_on=MEETING))
    assert "1. Suivi des décisions" in text and "en retard" in text and "Pris en compte" in text
    decisions.answer_decision(db, partner, mine.id, "realise", "Candélabre remplacé")
    done = agenda.prepare_agenda(db, COMMANDANT_39, NAME, NEXT).decisions
    assert {line.text: line.state for line in done}[light.text] == "done"

    # the relevé: every page carries the notice, the recipient and the date; a partner's keeps its decisions
    lines = decisions.meeting_decisions(db, COMMANDANT_39, NAME, MEETING)
    forces = _text(render_releve_pdf(NAME, MEETING, lines, issued_on=MEETING))
    shared = _text(render_releve_pdf(NAME, MEETING, lines, recipient="Mairie", issued_on=MEETING, shared_only=True))
    assert "Patrouilles" in forces and "Patrouilles" not in shared and "Réparer" in shared
    assert "Patrouilles" in _text(decisions.releve_pdf(db, COMMANDANT_39, NAME, MEETING))  # audited download
    assert "Document confidentiel" in shared and "Destinataire : Mairie" in shared and "02/12/2026" in shared


def test_refusals_are_clear_and_write_nothing(db, team_id):
    partner_id = _setup(db)
    outsider = make_partner(db, "Habitat du Jura", kind="bailleur")
    cases = [
        (DecisionInput("", MEETING), {"text", "who"}),
        (DecisionInput("X", MEETING - dt.timedelta(days=1), partner_id=partner_id), {"due_on"}),
        (DecisionInput("X", None, partner_id=outsider), {"who", "due_on"}),
    ]
    for values, fields in cases:
        with pytest.raises(ValidationError) as refused:
            decisions.record_decision(db, ADMIN_ACTOR, NAME, MEETING, values, today=MEETING)
        assert set(refused.value.errors) == fields
    with pytest.raises(PermissionDenied):  # a commandant of the 70 cannot touch the Lons cellule
        decisions.record_decision(db, COMMANDANT_70, NAME, MEETING, DecisionInput("X", NEXT, partner_id=partner_id))
    with pytest.raises(PermissionDenied):
        meeting_agenda.agenda_points(db, COMMANDANT_70, NAME, MEETING)
    assert decisions.meeting_decisions(db, ADMIN_ACTOR, NAME, MEETING) == []


def test_agenda_edits_persist_and_drive_the_pdf(db):
    _setup(db)
    assert [p.section for p in meeting_agenda.agenda_points(db, COMMANDANT_39, NAME, MEETING)] == list(
        meeting_agenda.SECTIONS
    )
    edited = [
        Point(section="rising"),
        Point(title="Point sur la fête de quartier", body="Présentation par la mairie"),
        Point(section="decisions"),
        Point(section="alerts", dropped=True),
    ]
    meeting_agenda.save_agenda_points(db, COMMANDANT_39, NAME, MEETING, edited)
    again = meeting_agenda.agenda_points(db, ADMIN_ACTOR, NAME, MEETING)
    assert [p.heading for p in again[:4]] == [
        "Secteurs en hausse",
        "Point sur la fête de quartier",
        "Suivi des décisions de la réunion précédente",
        "Alertes diffusées sur le territoire",
    ]
    assert again[3].dropped and {p.section for p in again} >= set(meeting_agenda.SECTIONS)
    text = _text(render_agenda_pdf(agenda.prepare_agenda(db, COMMANDANT_39, NAME, MEETING), issued_on=MEETING))
    assert "1. Secteurs en hausse" in text and "2. Point sur la fête de quartier" in text
    assert "Présentation par la mairie" in text and "Alertes diffusées" not in text
    with pytest.raises(ValidationError, match="intitulé"):
        meeting_agenda.save_agenda_points(db, COMMANDANT_39, NAME, MEETING, [Point(title="  ")])
    assert meeting_agenda.agenda_points(db, COMMANDANT_39, NAME, MEETING)[0].section == "rising"  # unchanged
    with pytest.raises(PermissionDenied):
        meeting_agenda.save_agenda_points(db, COMMANDANT_70, NAME, MEETING, edited)
    # the previous meeting's partners present can be corrected
    meeting_agenda.set_partners_present(db, COMMANDANT_39, NAME, PREVIOUS, ())
    assert meeting_agenda.partners_present(db, COMMANDANT_39, NAME, PREVIOUS) == ()


def test_a_late_decision_is_recalled_once(db):
    partner_id = _setup(db)
    values = DecisionInput("Rencontrer le bailleur", MEETING + dt.timedelta(days=1), partner_id=partner_id)
    decisions.record_decision(db, COMMANDANT_39, NAME, MEETING, values, today=MEETING)
    assert decisions.scan_late_decisions(db, dt.datetime(2026, 12, 3, 12)) == 0  # due that day: not late yet
    later = dt.datetime(2026, 12, 8, 12)
    assert decisions.scan_late_decisions(db, later) == 1  # the partner's contact address
    assert decisions.scan_late_decisions(db, later) == 0  # once per decision and due date
    with db.session() as session:
        [body] = session.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "decision_due"))
    assert "Rencontrer le bailleur" in body and "03/12/2026" in body


def test_late_decisions_are_counted_with_their_partners_late_work(db, team_id):
    """« En retard, par partenaire » is what a commander reads before asking each partner around
    the table: its late decisions are there with its late préconisations, each work item once."""
    partner_id = _setup(db)
    seen = observation(db, team_id, dt.date(2026, 11, 30), 3)
    with db.session() as session:
        lons_team = session.scalar(select(Team.id).where(Team.department == "39"))
    due = MEETING + dt.timedelta(days=3)
    free = DecisionInput("Élaguer les haies de la rue des Écoles", due, partner_id=partner_id)
    about = DecisionInput("Réparer l'éclairage du parking", due, partner_id=partner_id, observation_id=seen)
    patrol = DecisionInput("Patrouilles renforcées le vendredi soir", due, team_id=lons_team)
    for values in (free, about, patrol):
        decisions.record_decision(db, COMMANDANT_39, NAME, MEETING, values, today=MEETING)
    done = decisions.record_decision(
        db, COMMANDANT_39, NAME, MEETING, DecisionInput("Réunir les commerçants", due, partner_id=partner_id),
        today=MEETING,
    )  # fmt: skip
    partner = Actor(login="pm.lons", role=PARTENAIRE, partner_id=partner_id)
    decisions.answer_decision(db, partner, done, "realise", "Réunion tenue le 04/12")

    result = agenda.prepare_agenda(db, COMMANDANT_39, NAME, NEXT)

    [(name, items)] = result.overdue.items()
    assert name == "Mairie de Lons-le-Saunier"
    # the observation the decision was about once (as the observation), the free decision, not the one done
    assert [(i.observation_id, i.decision, i.due_on) for i in items] == [
        (seen, None, due),
        (None, free.text, due),
    ]
    text = _text(render_agenda_pdf(result, issued_on=NEXT))
    assert "Mairie de Lons-le-Saunier : 2 en retard" in text
    assert f"Décision du {MEETING:%d/%m/%Y} : {free.text}, échéance {due:%d/%m/%Y}" in text
    assert patrol.text not in text.split("Préconisations et décisions en retard")[1].split("Contre-visites")[0]
