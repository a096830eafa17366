"""A real SMPP server on loopback for the alert tests: tests/smsc/smsc.js on the npm package `smpp`.

It records every PDU it receives (decoded by the package) to a JSON-lines file the tests read,
sends delivery receipts, and delivers inbound messages (« STOP ») when asked on its control port.
Its node modules are installed by `make test-assets` (tests/smsc/assets.lock).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.servers import free_port
from tests.servers import missing as missing_in_ci_fails

HERE = Path(__file__).resolve().parent / "smsc"
SYSTEM_ID, PASSWORD = "psq", "s3cret"  # SMPP passwords: 8 characters at most


class Smsc:
    def __init__(self, folder: Path):
        self.port, self.control_port = free_port(), free_port()
        self.log = folder / "smsc.jsonl"
        self.log.touch()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"smpp://{SYSTEM_ID}:{PASSWORD}@127.0.0.1:{self.port}"

    def start(self) -> Smsc:
        args = [str(self.port), str(self.control_port), SYSTEM_ID, PASSWORD, str(self.log)]
        self.process = subprocess.Popen(
            ["node", str(HERE / "smsc.js"), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        line = self.process.stdout.readline()
        if "READY" not in line:
            self.stop()
            raise RuntimeError(f"the test SMSC did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def records(self, event: str = "submit_sm") -> list[dict]:
        lines = self.log.read_text().splitlines()
        return [entry for entry in map(json.loads, lines) if entry["event"] == event]

    def wait_for(self, event: str, count: int, timeout: float = 15) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.records(event)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.records(event)

    def control(self, path: str, **data) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.control_port}{path}", data=json.dumps(data).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()

    def messages(self) -> dict[str, list[str]]:
        """Each number's texts, with concatenated parts joined back by their UDH reference."""
        found: dict[str, list[str]] = {}
        partial: dict[tuple[str, str], dict[int, str]] = {}
        for entry in self.records():
            if entry["udh"]:
                header = bytes.fromhex(entry["udh"])
                ref, total, number = header[-3], header[-2], header[-1]
                parts = partial.setdefault((entry["to"], ref), {})
                parts[number] = entry["text"]
                if len(parts) == total:
                    found.setdefault(entry["to"], []).append("".join(parts[i] for i in sorted(parts)))
            else:
                found.setdefault(entry["to"], []).append(entry["text"])
        return found


@pytest.fixture
def smsc(tmp_path, monkeypatch):
    missing = shutil.which("node") is None or not (HERE / "node_modules" / "smpp" / "package.json").is_file()
    if missing:
        missing_in_ci_fails("node or tests/smsc/node_modules missing: run `make test-assets`")
    server = Smsc(tmp_path).start()
    monkeypatch.setenv("PSQ_SMS_URL", server.url)
    monkeypatch.setenv("PSQ_SMS_RATE", "50")
    yield server
    server.stop()
