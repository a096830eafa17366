"""Reading an upload in a fresh Python process, to measure the parsing child's memory peak.

The peak must be measured there: the test process's RUSAGE_CHILDREN also remembers every child the
suite started before (Streamlit servers, render workers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_PROBE = """
import resource, sys
from pathlib import Path
from diagnostics.io import files
path = Path(sys.argv[1])
try:
    files.read_upload(path, files.check_file(path, max_bytes=50_000_000))
    print("accepted", "-")
except Exception as exc:
    print(type(exc).__name__, str(exc).replace(" ", "_") or "-")
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def read_in_fresh_process(path: Path) -> tuple[str, str, int]:
    """(exception class name or "accepted", message with "_" for spaces, child's peak in MB)."""
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)], capture_output=True, text=True, timeout=300, cwd=REPO
    )
    try:
        refusal, message, peak = result.stdout.split()[-3:]
        return refusal, message, int(peak)
    except ValueError as exc:
        raise AssertionError(f"the probe printed no result:\n{result.stdout}\n{result.stderr}") from exc
