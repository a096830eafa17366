"""Streamlit's index.html says `<html lang="en">`; the app speaks French (RGAA 8.3, WCAG 3.1.1).

The middleware rewrites the language of that one document as it leaves the server, so a screen
reader reads every page in French from the first byte (a script setting `lang` after load would
leave the first announcement in English). Streamlit serves the same index.html for `/` and every
page path (`/carte`, `/saisie`…); the app's own routes already write `lang="fr"` themselves.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STREAMLIT_LANG = b'<html lang="en">'
FRENCH_LANG = b'<html lang="fr">'
# Paths that never answer with Streamlit's index.html: left alone, compressed as before.
PASS_THROUGH = ("/_stcore/", "/app/static/", "/component/", "/media/", "/api/", "/ogc", "/tiles/", "/terrain/")


class FrenchDocumentMiddleware:
    """Sets `lang="fr"` on Streamlit's HTML document; every other response passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or _passes(scope["path"]):
            await self.app(scope, receive, send)
            return
        # The index is small: ask Streamlit's gzip middleware for it uncompressed, to rewrite it.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        await self.app({**scope, "headers": headers}, receive, _Rewriter(send).send)


def _passes(path: str) -> bool:
    return path.startswith(PASS_THROUGH) or path in ("/terrain", "/ogc")


class _Rewriter:
    """Holds an HTML answer until its body is complete, then sends it with the French language."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._start: Message | None = None
        self._body = b""

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            content_type = MutableHeaders(raw=list(message["headers"])).get("content-type", "")
            if content_type.startswith("text/html"):
                self._start = message
                return
        elif message["type"] == "http.response.body" and self._start is not None:
            self._body += message.get("body", b"")
            if message.get("more_body"):
                return
            body = self._body.replace(STREAMLIT_LANG, FRENCH_LANG, 1)
            headers = MutableHeaders(raw=list(self._start["headers"]))
            if "content-length" in headers:
                headers["content-length"] = str(len(body))
            await self._send({**self._start, "headers": headers.raw})
            await self._send({"type": "http.response.body", "body": body})
            return
        await self._send(message)
