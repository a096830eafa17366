"""Streamlit's index.html, as it leaves the server: in French, with the app's start-up hints.

- Its `<html lang="en">` becomes `lang="fr"`, so a screen reader reads every page in French from
  the first byte (a script setting `lang` after load would leave the first announcement in
  English; RGAA 8.3, WCAG 3.1.1). The app's own routes already write `lang="fr"` themselves.
- The hints of `web.boot_hints` go at the end of its head: where the page's server is, so that
  Streamlit does not first look for itself under the page's own path, and the files the next
  pages need, fetched while this one starts.

Streamlit serves the same index.html for `/` and every page path (`/carte`, `/saisie`…).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from diagnostics.web import boot_hints

STREAMLIT_LANG = b'<html lang="en">'
FRENCH_LANG = b'<html lang="fr">'
HEAD_END = b"</head>"
# Paths that never answer with Streamlit's index.html: left alone, compressed as before.
PASS_THROUGH = ("/_stcore/", "/app/static/", "/component/", "/media/", "/api/", "/ogc", "/tiles/", "/terrain/")


class IndexDocumentMiddleware:
    """Rewrites Streamlit's HTML document (language, hints); every other response passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD") or _passes(scope["path"]):
            await self.app(scope, receive, send)
            return
        # The index is small: ask Streamlit's gzip middleware for it uncompressed, to rewrite it.
        headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"accept-encoding"]
        await self.app({**scope, "headers": headers}, receive, _Rewriter(send, scope["path"]).send)


def _passes(path: str) -> bool:
    path = boot_hints.without_base(path) or path
    return path.startswith(PASS_THROUGH) or path in ("/terrain", "/ogc")


def rewrite(body: bytes, path: str) -> bytes:
    """The document in French, with the hints for a page served at `path` (as the server sees it)."""
    body = body.replace(STREAMLIT_LANG, FRENCH_LANG, 1)
    return body.replace(HEAD_END, boot_hints.head(path) + HEAD_END, 1)


class _Rewriter:
    """Holds an HTML answer until its body is complete, then sends it rewritten."""

    def __init__(self, send: Send, path: str) -> None:
        self._send = send
        self._path = path
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
            body = rewrite(self._body, self._path)
            headers = MutableHeaders(raw=list(self._start["headers"]))
            if "content-length" in headers:
                headers["content-length"] = str(len(body))
            await self._send({**self._start, "headers": headers.raw})
            await self._send({"type": "http.response.body", "body": body})
            return
        await self._send(message)
