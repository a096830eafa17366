"""The services of issue 15 write their e-mails in their own transaction; the worker sends them to a
real SMTP server on loopback: re-visit due, re-visit result (and, below, assignment, partner answer,
due date passed)."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics import config
from diagnostics.auth import PARTENAIRE, Actor
from diagnostics.io.mail import SmtpTransport, parse_smtp_url
from diagnostics.models import Observation
from diagnostics.notify import worker
from diagnostics.services import (
    assignments,
    partner_answers,
    revisits,
    schedules,  # noqa: F401  (registers the scans, as `notify run` does)
)
from diagnostics.services.revisits import VisitReport, record_visit
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, make_diagnostic, make_observation, make_partner
from tests.outbox_helpers import make_account, messages
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

SECRET = "Guetteurs au pied de l'immeuble"
TODAY = dt.date(2026, 11, 20)


def send_all(db) -> None:
    worker.run_once(db, SmtpTransport(parse_smtp_url(config.get("PSQ_SMTP_URL"))))


@pytest.fixture
def observation_id(db, team_id) -> int:
    return make_observation(db, make_diagnostic(db, team_id), description=SECRET)


def test_a_scheduled_visit_and_its_result_reach_the_team_and_the_commanders(db, agent, observation_id, smtp_server):  # noqa: F811
    make_account(db, agent, "agent@gendarmerie.test")
    make_account(db, COMMANDANT_70, "cdt@gendarmerie.test")
    with db.session() as session:
        assert revisits.schedule_visit(session, ADMIN_ACTOR, session.get(Observation, observation_id))
    send_all(db)
    [due] = smtp_server.wait_for(1)
    assert due.recipients == ["agent@gendarmerie.test"]
    assert due.subject == f"[PSQ] Contre-visite à faire : observation n° {observation_id} — Gray"

    report = VisitReport(dt.date(2026, 11, 18), "levee", "Candélabre réparé, vu avec le gardien.")
    record_visit(db, agent, observation_id, report, today=dt.date(2026, 11, 20))
    send_all(db)
    result = smtp_server.wait_for(2)[1]
    assert result.recipients == ["cdt@gendarmerie.test"]
    assert result.subject == f"[PSQ] Résultat de contre-visite : observation n° {observation_id} — Gray"
    assert "Constat de la contre-visite : Levée" in result.text and "Statut : Traitée" in result.text
    assert "vu avec le gardien" in result.text and SECRET in result.text  # forces read the forces' text
    assert {m.status for m in messages(db)} == {"sent"}


def test_assignment_answer_and_due_date_reach_the_right_people(db, agent, team_id, smtp_server, photo_dir):  # noqa: F811
    habitat = make_partner(db, "Habitat 70", "bailleur", emails=("contact@habitat70.test",))
    partner = Actor(login="partenaire.habitat70", role=PARTENAIRE, partner_id=habitat)
    make_account(db, partner, "gardien@habitat70.test")
    make_account(db, COMMANDANT_70, "cdt@gendarmerie.test")
    make_account(db, agent, "agent@gendarmerie.test")
    observation_id = make_observation(db, make_diagnostic(db, team_id), description=SECRET)
    assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)
    send_all(db)
    assigned = smtp_server.wait_for(2)
    assert sorted(r for m in assigned for r in m.recipients) == ["contact@habitat70.test", "gardien@habitat70.test"]
    for mail in assigned:
        assert mail.subject == f"[PSQ] Observation attribuée : observation n° {observation_id} — Gray"
        assert SECRET not in mail.text and "Groupe de contact" not in mail.text
        assert "Partenaire : Habitat 70" in mail.text and "Échéance : 18/02/2027" in mail.text  # modérée: 90 days

    partner_answers.answer(db, partner, observation_id, "realise", "Lampe changée le 18/11.")
    send_all(db)
    received = smtp_server.wait_for(4)[2:]
    by_recipient = {m.recipients[0]: m for m in received}
    assert set(by_recipient) == {"cdt@gendarmerie.test", "agent@gendarmerie.test"}
    answer = by_recipient["cdt@gendarmerie.test"]
    assert answer.subject.startswith("[PSQ] Réponse d'un partenaire")
    assert "Réponse : Réalisé" in answer.text and "Lampe changée" in answer.text
    assert by_recipient["agent@gendarmerie.test"].subject.startswith("[PSQ] Contre-visite à faire")


def test_a_due_date_passed_is_told_once_per_due_date(db, agent, team_id, smtp_server):  # noqa: F811
    habitat = make_partner(db, "Habitat 70", "bailleur", emails=("contact@habitat70.test",))
    make_account(db, COMMANDANT_70, "cdt@gendarmerie.test")
    make_account(db, agent, "agent@gendarmerie.test")
    observation_id = make_observation(db, make_diagnostic(db, team_id), description=SECRET, severity=4)
    assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)  # critique: due 27/11/2026
    smtp_server.handler.received.clear()
    transport = SmtpTransport(parse_smtp_url(config.get("PSQ_SMTP_URL")))
    before = dt.datetime(2026, 11, 27, 12, 0)
    assert worker.run_once(db, transport, now=before).scanned == 0
    late = dt.datetime(2026, 11, 28, 8, 0)
    first = worker.run_once(db, transport, now=late)
    assert first.scanned == 3 and first.errors == []
    assert worker.run_once(db, transport, now=late + dt.timedelta(hours=6)).scanned == 0
    assert worker.run_once(db, transport).scanned == 0  # today: the same due date, told already
    mails = {m.recipients[0]: m for m in smtp_server.wait_for(3)}
    assert mails["cdt@gendarmerie.test"].subject.startswith("[PSQ] Échéance dépassée")
    assert mails["contact@habitat70.test"].subject.startswith("[PSQ] Échéance dépassée")
    assert SECRET not in mails["contact@habitat70.test"].text
    assert mails["agent@gendarmerie.test"].subject.startswith("[PSQ] Contre-visite à faire")
    assert "Échéance : 27/11/2026" in mails["agent@gendarmerie.test"].text
