"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepted, for the outbox tests.

`replies` queues answers to DATA (« 451 … », « 550 … ») before the default 250; `on_data` runs
inside the server after a message is read and before the server answers (a test blocks it there).
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from tests.servers import free_port


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        return self.message.get_body(preferencelist=("plain",)).get_content()

    def attachments(self) -> list[tuple[str, str, bytes]]:
        return [
            (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
            for part in self.message.iter_attachments()
        ]


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    on_data: Callable[[Received], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        item = Received(envelope.mail_from, list(envelope.rcpt_tos), parsed)
        with self.lock:
            reply = self.replies.pop(0) if self.replies else "250 Message accepted for delivery"
            if reply.startswith("250"):
                self.received.append(item)
        if self.on_data is not None:
            self.on_data(item)
        return reply


class SmtpServer:
    def __init__(self, **controller_options):
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **controller_options)

    @property
    def url(self) -> str:
        return f"smtp+plain://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [item for item in self.received if address in item.recipients]

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                pytest.fail(f"expected {count} message(s), the SMTP server received {len(self.received)}")
            time.sleep(0.05)
        return self.received

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp_server(monkeypatch):
    server = SmtpServer().start()
    monkeypatch.setenv("PSQ_SMTP_URL", server.url)
    monkeypatch.setenv("PSQ_MAIL_FROM", "PSQ 70 <psq@interieur.test>")
    yield server
    server.stop()
