"""A minimal ASGI client for route tests (Starlette's TestClient needs httpx, not installed)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    header_list: list[tuple[str, str]] = field(default_factory=list)  # repeated ones too (Set-Cookie)

    def json(self):
        return json.loads(self.body)

    def set_cookies(self) -> dict[str, str]:
        """Each Set-Cookie of the reply, by cookie name, as the raw header."""
        return {next(iter(SimpleCookie(value))): value for key, value in self.header_list if key == "set-cookie"}


def request(
    app,
    path: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    scheme: str = "http",
) -> Reply:
    """Send one HTTP request to `app` and collect the whole reply."""
    parts = urlsplit(path)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": parts.path,
        "raw_path": parts.path.encode(),
        "query_string": parts.query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8501),
    }
    reply = Reply(0, {}, b"")

    async def run() -> None:
        sent = asyncio.Event()
        requested = False

        async def receive():
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": body, "more_body": False}
            await sent.wait()  # streaming responses listen for the client leaving
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                reply.status = message["status"]
                reply.header_list = [(k.decode().lower(), v.decode()) for k, v in message.get("headers", [])]
                reply.headers = dict(reply.header_list)
            elif message["type"] == "http.response.body":
                reply.body += message.get("body", b"")
                if not message.get("more_body", False):
                    sent.set()

        await app(scope, receive, send)

    asyncio.run(run())
    return reply
