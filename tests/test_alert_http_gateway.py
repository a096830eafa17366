"""The HTTP sending backend of the alerts against a real HTTP server on loopback (issue 16): what is
POSTed (JSON body, sender, HTTP Basic credentials from the URL), the provider's id kept, a 429
retried after its back-off and sent once, a 5xx retried until it gives up, a 4xx failed at once."""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from diagnostics.alert_models import AlertDelivery, Subscriber
from diagnostics.models import utcnow
from diagnostics.services import alerts
from diagnostics.services.alert_sending import MAX_ATTEMPTS, run_outbox, send_alert
from tests.alert_helpers import SECOND_70, add_people, gray_alert
from tests.conftest import COMMANDANT_70

TEXT = "Alerte PSQ : demarcheurs suspects a Gray."


class Provider(ThreadingHTTPServer):
    """Answers like an SMS provider: 201 with an id, or the status scripted for a number."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), ProviderHandler)
        self.received: list[dict] = []
        self.script: dict[str, list[int]] = {}  # number → statuses to answer first, in turn
        self.lock = threading.Lock()


class ProviderHandler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 — http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.received.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "type": self.headers["Content-Type"]}
                | body
            )
            queue = self.server.script.get(body["to"], [])
            status = queue.pop(0) if queue else 201
            count = len(self.server.received)
        answer = json.dumps({"id": f"prov-{count}"} if status < 300 else {"error": "refusé"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(monkeypatch):
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PSQ_SMS_URL", f"http://psq:s%3Acret@127.0.0.1:{server.server_port}/v1/sms")
    monkeypatch.setenv("PSQ_SMS_SENDER", "GendHS")
    monkeypatch.setenv("PSQ_SMS_RATE", "50")
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


def queue_gray_alert(db) -> int:
    add_people(db)
    alert_id = alerts.create_alert(
        db, COMMANDANT_70, gray_alert(text=TEXT, categories=("bijouterie", "pharmacie", "boulangerie"))
    )
    alerts.approve_alert(db, SECOND_70, alert_id)
    assert send_alert(db, COMMANDANT_70, alert_id) == 3
    return alert_id


def deliveries(db) -> dict[str, tuple[str, str | None, int]]:
    with db.session() as session:
        rows = session.execute(
            select(Subscriber.phone, AlertDelivery.status, AlertDelivery.message_id, AlertDelivery.attempts).join(
                Subscriber, Subscriber.id == AlertDelivery.subscriber_id
            )
        ).all()
    return {phone: (status, message_id, attempts) for phone, status, message_id, attempts in rows}


def test_http_backend_posts_each_sms_and_keeps_the_provider_id(db, provider):
    provider.script = {"+33612345602": [429], "+33612345603": [400]}
    queue_gray_alert(db)
    first = run_outbox(db)
    assert (first.sent, first.retried, first.failed) == (1, 1, 1)
    assert len(provider.received) == 3
    basic = "Basic " + base64.b64encode(b"psq:s:cret").decode()
    for post in provider.received:
        assert (post["path"], post["auth"], post["type"]) == ("/v1/sms", basic, "application/json")
        assert (post["from"], post["text"]) == ("GendHS", TEXT)
    assert {p["to"] for p in provider.received} == {"+33612345601", "+33612345602", "+33612345603"}
    state = deliveries(db)
    assert state["+33612345601"] == ("sent", "prov-1", 1)  # the provider's id, for its receipts
    assert state["+33612345602"][0] == "pending"  # throttled: waits for its back-off
    assert state["+33612345603"][:2] == ("failed", None)  # refused for good: never retried

    assert run_outbox(db).sent == 0  # not before its back-off
    assert len(provider.received) == 3
    second = run_outbox(db, now=utcnow() + dt.timedelta(hours=1))
    assert (second.sent, second.failed) == (1, 0)
    assert [p["to"] for p in provider.received].count("+33612345602") == 2
    assert [p["to"] for p in provider.received].count("+33612345603") == 1
    assert deliveries(db)["+33612345602"][0] == "sent"
    assert run_outbox(db, now=utcnow() + dt.timedelta(days=1)).sent == 0  # each recipient once
    assert len(provider.received) == 4
    [info] = alerts.list_alerts(db, COMMANDANT_70)
    assert (info.counts["sent"], info.counts["failed"]) == (2, 1)


def test_http_backend_server_errors_are_retried_then_marked_failed(db, provider):
    provider.script = {"+33612345601": [503] * MAX_ATTEMPTS}
    queue_gray_alert(db)
    later = utcnow()
    for _ in range(MAX_ATTEMPTS):
        run_outbox(db, now=later)
        later += dt.timedelta(hours=1)
    assert [p["to"] for p in provider.received].count("+33612345601") == MAX_ATTEMPTS
    status, message_id, attempts = deliveries(db)["+33612345601"]
    assert (status, message_id, attempts) == ("failed", None, MAX_ATTEMPTS)
    assert run_outbox(db, now=later).sent == 0
    assert [p["to"] for p in provider.received].count("+33612345601") == MAX_ATTEMPTS
    with db.session() as session:
        error = session.scalar(select(AlertDelivery.error).where(AlertDelivery.status == "failed"))
    assert "HTTP 503" in error


def test_http_backend_unreachable_is_retried(db, provider, monkeypatch):
    queue_gray_alert(db)
    port = provider.server_port
    provider.shutdown()
    provider.server_close()
    monkeypatch.setenv("PSQ_SMS_URL", f"http://127.0.0.1:{port}/v1/sms")
    result = run_outbox(db)
    assert (result.sent, result.retried) == (0, 3)
    assert {status for status, _, _ in deliveries(db).values()} == {"pending"}
