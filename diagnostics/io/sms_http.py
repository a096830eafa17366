"""An HTTP sending API (providers that offer one): one JSON POST per SMS.

Body `{"to": "+33…", "from": SENDER, "text": …, "reference": ROW}`; a 2xx answer accepts it (its
JSON `id` or `message_id`, when there is one, is kept); 429 and 5xx are retried later; other
answers fail the message. Credentials go in the URL (`https://user:key@host/path`, sent as HTTP
Basic) — never in logs.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from diagnostics.notify.gateway import GatewayEvent, SmsMessage, SubmitResult


class HttpGateway:
    def __init__(self, url: str, *, sender: str, rate: int, timeout: float = 10.0):
        parts = urlsplit(url)
        self.url = urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
        self.auth = None
        if parts.username:
            pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            self.auth = "Basic " + base64.b64encode(pair).decode()
        self.sender, self.rate, self.timeout = sender, rate, timeout

    def submit(self, messages: list[SmsMessage], on_event: Callable[[GatewayEvent], None], **_) -> list[SubmitResult]:
        results, last = [], 0.0
        for message in messages:
            wait = last + 1.0 / self.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last = time.monotonic()
            results.append(self._post(message))
        return results

    def listen(self, seconds: float, on_event: Callable[[GatewayEvent], None]) -> None:
        """Receipts of an HTTP API come by its own callbacks, not by polling here."""

    def _post(self, message: SmsMessage) -> SubmitResult:
        body = json.dumps({"to": message.to, "from": self.sender, "text": message.text, "reference": message.key})
        request = urllib.request.Request(self.url, data=body.encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        if self.auth:
            request.add_header("Authorization", self.auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            retry = exc.code == 429 or exc.code >= 500
            return SubmitResult(message.key, None, f"API SMS : HTTP {exc.code}", retry)
        except (OSError, urllib.error.URLError) as exc:
            return SubmitResult(message.key, None, f"API SMS injoignable : {exc}", True)
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            data = {}
        identifier = (
            str(data.get("id") or data.get("message_id") or f"http-{message.key}")
            if isinstance(data, dict)
            else f"http-{message.key}"
        )
        return SubmitResult(message.key, identifier[:80], "", False)
