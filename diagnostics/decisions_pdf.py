"""The relevé de décisions of a cellule de veille's meeting (issue 17): a pure builder beside
meeting_pdf, same pages (A4, confidential notice, recipient and date of issue on every page).

`shared_only` keeps the decisions given to partners (a partner's pack): a decision given to a
team of the forces stays with the forces.
"""

from __future__ import annotations

import datetime as dt

from diagnostics import localtime
from diagnostics.meeting_pdf import FORCES, decision_lines, lines_pdf, wrapped_lines
from diagnostics.redaction import redact_decisions_for_partners


def releve_lines(cellule: str, meeting_on: dt.date, decisions, *, shared_only: bool = False) -> list[tuple[str, str]]:
    shown = redact_decisions_for_partners(decisions) if shared_only else list(decisions)
    lines = [
        ("title", f"Relevé de décisions — {cellule}"),
        ("text", f"Réunion du {localtime.format_date(meeting_on)} : {len(shown)} décision(s)."),
        ("section", "Décisions, qui agit, échéance et où chacune en est"),
        *decision_lines(shown),
    ]
    return wrapped_lines(lines)


def render_releve_pdf(
    cellule: str,
    meeting_on: dt.date,
    decisions,
    *,
    recipient: str = FORCES,
    issued_on: dt.date,
    shared_only: bool = False,
) -> bytes:
    lines = releve_lines(cellule, meeting_on, decisions, shared_only=shared_only)
    return lines_pdf(lines, title=f"Relevé de décisions — {cellule}", recipient=recipient, issued_on=issued_on)
