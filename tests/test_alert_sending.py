"""Sending alerts end to end through a real SMPP server on loopback (tests/smsc/smsc.js, npm `smpp`)
and e-mail through a real SMTP server (aiosmtpd): the right subscribers and only them, once,
after approval and not before; receipts; STOP honoured before the next alert (issue 16)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from diagnostics.__main__ import main
from diagnostics.alert_models import AlertDelivery, Subscriber
from diagnostics.errors import PermissionDenied
from diagnostics.notify.gateway import gateway_from_url
from diagnostics.services import alerts
from diagnostics.services.alert_sending import poll_gateway, run_outbox, send_alert
from tests.alert_helpers import GRAY_JEWELLERS, SECOND_70, add_people, gray_alert
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70
from tests.smsc_server import smsc  # noqa: F401 — fixture
from tests.smtp_server import smtp_server  # noqa: F401 — fixture


def approved(db, **changes) -> int:
    alert_id = alerts.create_alert(db, COMMANDANT_70, gray_alert(**changes))
    alerts.approve_alert(db, SECOND_70, alert_id)
    return alert_id


def test_an_unapproved_alert_cannot_be_sent_by_any_path(db, smsc, capsys):  # noqa: F811
    add_people(db)
    alert_id = alerts.create_alert(db, COMMANDANT_70, gray_alert())
    with pytest.raises(PermissionDenied, match="validée"):
        send_alert(db, ADMIN_ACTOR, alert_id)
    assert main(["alerts", "send", str(alert_id)]) == 1
    assert "pas été validée" in capsys.readouterr().err
    assert run_outbox(db).sent == 0
    assert smsc.records() == []


def test_the_right_subscribers_receive_the_alert_once_with_receipts(db, smsc, smtp_server):  # noqa: F811
    add_people(db)
    alert_id = approved(db, email=True)
    assert send_alert(db, COMMANDANT_70, alert_id) == 3  # 2 SMS + 1 e-mail (the jeweller gave one)
    result = run_outbox(db)
    assert (result.sent, result.failed) == (3, 0)
    received = smsc.messages()
    assert set(received) == GRAY_JEWELLERS
    assert all(texts == [gray_alert().text] for texts in received.values())  # UCS-2 (« – »), in 2 parts, joined
    first = smsc.records()[0]
    assert (first["data_coding"], first["from"], first["to_ton"]) == (8, "PSQ", 1)
    [mail] = smtp_server.wait_for(1)
    assert mail.recipients == ["bijou@example.fr"] and gray_alert().text in mail.text

    # Retries and a second send add nothing: one row per alert × subscriber × channel.
    assert send_alert(db, COMMANDANT_70, alert_id) == 0
    assert run_outbox(db).sent == 0
    assert len(smsc.messages()["33612345601"]) == 1
    smsc.wait_for("receipt", 2)
    poll_gateway(db, seconds=0.5)
    [info] = alerts.list_alerts(db, COMMANDANT_70)
    assert info.counts["sent"] == 2 and info.counts["delivered"] == 2 and info.counts["failed"] == 0


def test_stop_from_the_gateway_is_honoured_before_the_next_alert(db, smsc):  # noqa: F811
    add_people(db)
    smsc.control("/mo", **{"from": "33612345601", "text": "Stop"})
    result = poll_gateway(db, seconds=1.0)
    assert result.stops == 1
    with db.session() as session:
        row = session.scalar(select(Subscriber).where(Subscriber.phone == "+33612345601"))
        assert row.opted_out_at is not None and "STOP" in row.opted_out_by
    alert_id = approved(db, text="Alerte PSQ : vols à la fausse qualité à Gray. Fermez vos portes.")
    send_alert(db, COMMANDANT_70, alert_id)
    run_outbox(db)
    assert set(smsc.messages()) == {"33612345602"}


def test_undelivered_and_throttled_messages(db, smsc):  # noqa: F811
    add_people(db)
    smsc.control("/undeliverable", to="33612345602")
    smsc.control("/throttle", count=1)
    alert_id = approved(db, text="Alerte PSQ : demarcheurs suspects a Gray.")  # GSM-7, one part
    send_alert(db, COMMANDANT_70, alert_id)
    first = run_outbox(db)
    assert (first.sent, first.retried) == (1, 1)  # the throttled one waits for its back-off
    with db.session() as session:  # its time has come
        session.execute(AlertDelivery.__table__.update().values(next_attempt_at=dt.datetime(2000, 1, 1)))
    assert run_outbox(db).sent == 1
    assert sorted(entry["to"] for entry in smsc.records()) == sorted(GRAY_JEWELLERS)
    assert smsc.records()[0]["data_coding"] == 0 and smsc.records()[0]["udh"] is None
    smsc.wait_for("receipt", 2)
    poll_gateway(db, seconds=0.5)
    [info] = alerts.list_alerts(db, COMMANDANT_70)
    assert (info.counts["sent"], info.counts["delivered"], info.counts["failed"]) == (2, 1, 1)


def test_file_gateway_writes_what_would_be_sent(db, tmp_path, monkeypatch):
    add_people(db)
    monkeypatch.setenv("PSQ_SMS_URL", f"file://{tmp_path / 'sms'}")
    alert_id = approved(db)
    send_alert(db, ADMIN_ACTOR, alert_id)
    assert run_outbox(db).sent == 2
    [path] = (tmp_path / "sms").iterdir()
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert {line["to"] for line in lines} == {"+33612345601", "+33612345602"}
    assert lines[0]["segments"] == 2 and lines[0]["encoding"] == "UCS-2"


def test_gateway_choice_is_explained(monkeypatch):
    with pytest.raises(ValueError, match="PSQ_SMS_URL"):
        gateway_from_url("")
    with pytest.raises(ValueError, match="schéma inconnu"):
        gateway_from_url("ftp://x")
