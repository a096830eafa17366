"""The services of issue 15 write their e-mails in their own transaction; the worker sends them to a
real SMTP server on loopback: re-visit due, re-visit result (and, below, assignment, partner answer,
due date passed)."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics import config
from diagnostics.io.mail import SmtpTransport, parse_smtp_url
from diagnostics.models import Observation
from diagnostics.notify import worker
from diagnostics.services import revisits
from diagnostics.services.revisits import VisitReport, record_visit
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, make_diagnostic, make_observation
from tests.outbox_helpers import make_account, messages
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

SECRET = "Guetteurs au pied de l'immeuble"


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
