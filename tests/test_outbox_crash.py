"""The README's guarantee, with real processes: a worker killed (SIGKILL) after the SMTP server
accepted a message and before it marked it sent makes at most one duplicate and loses nothing;
two workers at once never send the same message twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from diagnostics import config
from diagnostics.auth import COMMANDANT
from diagnostics.services import outbox
from tests.outbox_helpers import messages, notify_now
from tests.smtp_server import smtp_server  # noqa: F401  (fixture)


def worker(db_url: str, smtp_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": db_url, "PSQ_SMTP_URL": smtp_url, "PSQ_OUTBOX_LEASE_SECONDS": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "diagnostics", "notify", "run", *args],
        cwd=config.PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


class RowLock:
    """Holds the outbox row (PostGIS) or the whole database (SQLite) so that mark-sent must wait."""

    def __init__(self, db_url: str, message_id: int):
        url = make_url(db_url)
        if url.get_backend_name() == "sqlite":
            self.sqlite = sqlite3.connect(url.database, isolation_level=None, check_same_thread=False)
            self.sqlite.execute("BEGIN IMMEDIATE")
            self.pg = None
        else:
            self.sqlite = None
            self.engine = create_engine(db_url)
            self.pg = self.engine.connect()
            self.transaction = self.pg.begin()
            self.pg.execute(text("SELECT id FROM outbox_messages WHERE id = :id FOR UPDATE"), {"id": message_id})

    def release(self) -> None:
        if self.sqlite is not None:
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()
        else:
            self.transaction.rollback()
            self.pg.close()
            self.engine.dispose()


def test_a_worker_killed_between_acceptance_and_mark_sends_at_most_one_duplicate(db, db_url, smtp_server):  # noqa: F811
    [message_id] = notify_now(db, "due_passed", [outbox.Recipient("cdt@gendarmerie.test", COMMANDANT)])
    accepted, locked, lock = threading.Event(), threading.Event(), {}

    def hold_the_mark(_item) -> None:
        # Inside the SMTP server, before its 250: lock the row, then let the server accept.
        lock["held"] = RowLock(db_url, message_id)
        accepted.set()
        locked.wait(30)

    smtp_server.handler.on_data = hold_the_mark
    first = worker(db_url, smtp_server.url, "--once")
    try:
        assert accepted.wait(60), first.communicate(timeout=5)[0]
        smtp_server.handler.on_data = None
        locked.set()  # the server answers 250; the worker now waits on the lock to mark it sent
        time.sleep(1.5)
        assert first.poll() is None, "the worker should be blocked on its mark-sent"
        assert [m.status for m in messages(db)] == ["sending"]
        assert len(smtp_server.received) == 1
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        lock["held"].release()
    assert [m.status for m in messages(db)] == ["sending"]  # claimed by a dead worker

    time.sleep(2.2)  # its lease (2 s here) runs out
    second = worker(db_url, smtp_server.url, "--once")
    output, _ = second.communicate(timeout=60)
    assert second.returncode == 0, output
    received = smtp_server.wait_for(2)
    assert len(received) == 2  # the copy accepted before the kill, and one duplicate: no more
    assert (
        received[0].message["Message-ID"]
        == received[1].message["Message-ID"]
        == f"<outbox-{message_id}@psq-diagnostics>"
    )
    [message] = messages(db)
    assert message.status == "sent" and message.attempts == 2


def test_two_workers_at_once_send_each_message_once(db, db_url, smtp_server):  # noqa: F811
    for index in range(30):
        notify_now(db, "due_passed", [outbox.Recipient(f"cdt{index}@gendarmerie.test", COMMANDANT)])
    workers = [worker(db_url, smtp_server.url, "--once", "--batch", "3") for _ in range(2)]
    outputs = [proc.communicate(timeout=120)[0] for proc in workers]
    assert [proc.returncode for proc in workers] == [0, 0], outputs
    received = smtp_server.wait_for(30)
    time.sleep(0.3)
    addresses = [item.recipients[0] for item in smtp_server.received]
    assert len(addresses) == 30 and len(set(addresses)) == 30
    assert {m.status for m in messages(db)} == {"sent"}
    assert all(" envoyé(s)" in output for output in outputs), outputs
    assert received
