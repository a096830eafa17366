"""Calling an ASGI app in the test's process, without a network or an HTTP client library.

(Starlette's TestClient needs httpx, which the project does not install.)
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from http.cookies import SimpleCookie


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name.lower()), None)

    def set_cookies(self) -> dict[str, str]:
        """Each Set-Cookie of the answer, by cookie name, as the raw header."""
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                found[next(iter(SimpleCookie(value)))] = value
        return found


def call(
    app,
    method: str,
    path: str,
    *,
    json_body=None,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    cookies: dict[str, str] | None = None,
    scheme: str = "http",
    host: str = "psq.test",
) -> Answer:
    headers = {"host": host, **(headers or {})}
    if json_body is not None:
        body = json.dumps(json_body).encode()
        headers.setdefault("content-type", "application/json")
    if cookies:
        headers["cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": (host, 443 if scheme == "https" else 80),
    }
    return asyncio.run(_run(app, scope, body))


async def _run(app, scope: dict, body: bytes) -> Answer:
    sent = False
    started: dict = {}
    chunks: list[bytes] = []

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client never disconnects during a test
        return {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            started.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in started.get("headers", [])]
    return Answer(started["status"], headers, b"".join(chunks))
