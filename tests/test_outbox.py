"""The outbox end to end in this process: notify() in a transaction, the worker, a real SMTP server
on loopback; what each recipient's role may read; retries, back-off, failures, digests, preferences."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics import localtime
from diagnostics.auth import AGENT, COMMANDANT, MAIRE, Actor
from diagnostics.io.mail import SmtpTransport, parse_smtp_url
from diagnostics.models import utcnow
from diagnostics.notify import worker
from diagnostics.services import outbox
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, GRAY, MAIRE_GRAY, make_diagnostic, make_observation
from tests.outbox_helpers import make_account, messages, notify_now
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)

SECRET = "Passages de la patrouille entre 21 h et 23 h"
PARTNER = Actor(login="habitat70", role="partenaire")


def transport() -> SmtpTransport:
    from diagnostics import config

    return SmtpTransport(parse_smtp_url(config.get("PSQ_SMTP_URL")))


@pytest.fixture
def observation_id(db, team_id) -> int:
    diagnostic = make_diagnostic(db, team_id)
    return make_observation(
        db, diagnostic, description=SECRET, recommendation="Réparer le candélabre", shared_fields=("recommendation",)
    )


def test_each_role_reads_what_it_may(db, observation_id, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PSQ_PUBLIC_URL", "https://psq.intranet.test/")
    commander = make_account(db, COMMANDANT_70, "cdt@gendarmerie.test")
    mayor = make_account(db, MAIRE_GRAY, "maire@gray.test")
    with db.session() as session:
        recipients = [
            *outbox.commanders_of(session, "70"),
            *outbox.mayors_of(session, GRAY[0]),
            outbox.Recipient("contact@habitat70.test", "partenaire"),
        ]
        outbox.notify(
            session,
            "assignment",
            observation_id=observation_id,
            recipients=recipients,
            data={"partner_name": "Habitat 70", "due_on": dt.date(2026, 12, 31), "comment": "Voir avec le BTA"},
        )
    assert [m.user_id for m in messages(db)] == [commander, mayor, None]

    report = worker.run_once(db, transport())
    assert report.sent == 3
    smtp_server.wait_for(3)
    [to_commander] = smtp_server.to("cdt@gendarmerie.test")
    [to_partner] = smtp_server.to("contact@habitat70.test")
    [to_mayor] = smtp_server.to("maire@gray.test")
    assert to_commander.subject == f"[PSQ] Observation attribuée : observation n° {observation_id} — Gray"
    assert to_commander.message["From"] == "PSQ 70 <psq@interieur.test>"
    assert SECRET in to_commander.text and "Groupe de contact de Gray" in to_commander.text
    assert "Voir avec le BTA" in to_commander.text
    for outside in (to_partner, to_mayor):
        assert SECRET not in outside.text  # the description was not shared
        assert "Groupe de contact" not in outside.text and "Voir avec le BTA" not in outside.text
        assert "Réparer le candélabre" in outside.text  # the shared préconisation is there
        assert "Échéance : 31/12/2026" in outside.text and "Habitat 70" in outside.text
    assert f"https://psq.intranet.test/preconisations?observation={observation_id}" in to_partner.text
    assert f"https://psq.intranet.test/preconisations?observation={observation_id}" in to_mayor.text
    assert all(m.status == "sent" and m.sent_at for m in messages(db))


def test_a_message_is_written_with_the_change_or_not_at_all(db, observation_id):
    with pytest.raises(RuntimeError), db.session() as session:
        outbox.notify(session, "assignment", observation_id=observation_id,
                      recipients=[outbox.Recipient("a@b.test", COMMANDANT)])  # fmt: skip
        raise RuntimeError("the change fails after the notify")
    assert messages(db) == []


def test_a_dedup_key_sends_once_per_recipient(db):
    recipients = [outbox.Recipient("a@b.test", COMMANDANT), outbox.Recipient("A@b.test", AGENT)]
    assert len(notify_now(db, "due_passed", recipients, dedup_key="due:1:2026-12-01")) == 1
    assert notify_now(db, "due_passed", recipients, dedup_key="due:1:2026-12-01") == []
    assert len(messages(db)) == 1


def test_transient_errors_back_off_then_fail_for_good(db, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PSQ_OUTBOX_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("PSQ_OUTBOX_RETRY_SECONDS", "60")
    notify_now(db, "due_passed", [outbox.Recipient("a@b.test", COMMANDANT)])
    smtp_server.handler.replies[:] = ["451 4.3.0 Try again later"] * 3
    start = utcnow()
    delays = []
    for attempt in range(1, 4):
        now = start + dt.timedelta(days=attempt)  # past any back-off
        worker.run_once(db, transport(), now=now)
        [message] = messages(db)
        assert message.attempts == attempt and "451" in message.last_error
        delays.append(message.next_attempt_at - now)
    assert message.status == "failed"
    assert delays[0] == pytest.approx(dt.timedelta(seconds=60), abs=dt.timedelta(seconds=5))
    assert delays[1] == pytest.approx(dt.timedelta(seconds=120), abs=dt.timedelta(seconds=5))
    assert smtp_server.received == []

    assert outbox.retry(db, ADMIN_ACTOR, [message.id]) == 1
    worker.run_once(db, transport())
    assert [m.status for m in messages(db)] == ["sent"]
    assert len(smtp_server.wait_for(1)) == 1


def test_a_refused_recipient_fails_at_once(db, smtp_server):  # noqa: F811
    notify_now(db, "due_passed", [outbox.Recipient("nobody@b.test", COMMANDANT)])
    smtp_server.handler.replies[:] = ["550 5.1.1 No such user"]
    worker.run_once(db, transport())
    [message] = messages(db)
    assert (message.status, message.attempts) == ("failed", 1)
    assert "550" in message.last_error


def test_an_unreachable_server_leaves_messages_pending(db, monkeypatch):
    notify_now(db, "due_passed", [outbox.Recipient("a@b.test", COMMANDANT)])
    unreachable = SmtpTransport(parse_smtp_url("smtp+plain://127.0.0.1:9"))
    worker.run_once(db, unreachable)
    [message] = messages(db)
    assert message.status == "pending" and "connexion" in message.last_error


def test_preferences_nothing_and_daily_digest(db, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PSQ_DIGEST_HOUR", "7")
    quiet = Actor(login="quiet", role=COMMANDANT, departments=("70",))
    daily = Actor(login="daily", role=COMMANDANT, departments=("70",))
    make_account(db, quiet, "quiet@b.test", "none")
    make_account(db, daily, "daily@b.test", "digest")
    with db.session() as session:
        recipients = outbox.commanders_of(session, "70")
        for _ in range(3):
            outbox.notify(session, "due_passed", recipients=recipients)
    assert {m.status for m in messages(db)} == {"held"} and len(messages(db)) == 3

    # tomorrow 06:59 in Paris, before the digest hour (the messages above were held today)
    tomorrow = localtime.now_paris().date() + dt.timedelta(days=1)
    paris_morning = dt.datetime.combine(tomorrow, dt.time(6, 59), localtime.PARIS).astimezone(dt.UTC)
    paris_morning = paris_morning.replace(tzinfo=None)
    worker.run_once(db, transport(), now=paris_morning)
    assert smtp_server.received == []
    worker.run_once(db, transport(), now=paris_morning + dt.timedelta(minutes=2))
    [digest] = smtp_server.wait_for(1)
    assert digest.recipients == ["daily@b.test"]
    assert digest.subject == f"[PSQ] Résumé du {tomorrow:%d/%m/%Y} : 3 message(s)"
    assert digest.text.count("Échéance dépassée") == 3
    assert sorted(m.status for m in messages(db)) == ["digested"] * 3 + ["sent"]


def test_email_addresses_are_checked(db):
    with pytest.raises(Exception, match="Adresse de courriel invalide"):
        outbox.check_email("a@b.test\r\nBcc: x@y.test")
    assert outbox.check_email(" prenom.nom@interieur.gouv.fr ") == "prenom.nom@interieur.gouv.fr"


def test_blank_bodies_keeps_the_trace(db, observation_id, smtp_server):  # noqa: F811
    notify_now(db, "assignment", [outbox.Recipient("a@b.test", COMMANDANT)], observation_id=observation_id)
    worker.run_once(db, transport())
    with db.session() as session:
        assert outbox.blank_bodies(session, utcnow() + dt.timedelta(seconds=1)) == 1
    [message] = messages(db)
    assert message.body == "" and message.recipient == "a@b.test" and message.status == "sent"


def test_parse_smtp_url():
    assert parse_smtp_url("none") is None
    s = parse_smtp_url("smtp://psq%40x:p%3Ass@mail.test")
    assert (s.security, s.host, s.port, s.user, s.password) == ("starttls", "mail.test", 587, "psq@x", "p:ss")
    assert parse_smtp_url("smtps://u:p@mail.test").port == 465
    with pytest.raises(ValueError, match="en clair"):
        parse_smtp_url("smtp+plain://u:p@mail.test")
    with pytest.raises(ValueError, match="n'est pas reconnue"):
        parse_smtp_url("http://mail.test")


_ = (MAIRE,)
