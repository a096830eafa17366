"""Notifications that time causes, not a person: a due date passed, a re-visit due.

Each scan is registered with the outbox worker (`notify.worker.SCANNERS`) and writes its messages
with a `dedup_key`, so that it notifies once per observation and due date however often it runs.
"""

from __future__ import annotations

from diagnostics.notify.worker import SCANNERS
from diagnostics.services.decisions import scan_late_decisions
from diagnostics.services.notifications import scan_due_dates

for scanner in (scan_due_dates, scan_late_decisions):
    if scanner not in SCANNERS:
        SCANNERS.append(scanner)
