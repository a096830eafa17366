"""The file "gateway": writes what would be sent, one JSON line per SMS (demos, dry runs)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

from diagnostics import sms_text
from diagnostics.notify.gateway import GatewayEvent, SmsMessage, SubmitResult


class FileGateway:
    def __init__(self, folder: Path, *, sender: str):
        self.folder, self.sender = folder, sender

    def submit(self, messages: list[SmsMessage], on_event: Callable[[GatewayEvent], None], **_) -> list[SubmitResult]:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"sms-{dt.date.today():%Y-%m-%d}.jsonl"
        with path.open("a", encoding="utf-8") as handle:
            for message in messages:
                length = sms_text.measure(message.text)
                line = {"to": message.to, "from": self.sender, "text": message.text, "encoding": length.encoding,
                        "segments": length.segments, "reference": message.key}  # fmt: skip
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        return [SubmitResult(m.key, f"file-{m.key}", "", False) for m in messages]

    def listen(self, seconds: float, on_event: Callable[[GatewayEvent], None]) -> None:
        """A file receives nothing."""
