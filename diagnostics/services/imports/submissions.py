"""Observations that carry a form tool's submission id (KoboToolbox `_uuid`, ODK `instanceID`):
stored with it, so that a submission already imported — from this file, an earlier export or a
second copy in the same file — is told apart and not added again. The id lives in the
observation's `form_token` (unique in the database), in a namespace of its own."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.models import Observation
from diagnostics.services.imports.rows import REJECTED, WARNING, RowIssue
from diagnostics.texts import imports_text as text

PREFIX = "import:"
UNCHANGED = "inchangé"
_ROOM = Observation.form_token.type.length - len(PREFIX)


def token(key) -> str | None:
    """The stored token of a submission id; None without one."""
    if key is None or not str(key).strip():
        return None
    key = str(key).strip()
    return PREFIX + (key if len(key) <= _ROOM else hashlib.sha256(key.encode()).hexdigest()[:_ROOM])


def mark_known(session: Session, frame, where: str) -> list[RowIssue]:
    """« inchangé » for the valid rows whose submission is stored or met earlier in the file."""
    if frame.empty or "import_key" not in frame.columns:
        return []
    tokens = [token(k) if s != REJECTED else None for k, s in zip(frame["import_key"], frame["statut"], strict=True)]
    wanted = sorted({t for t in tokens if t})
    stored = set()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        stored |= set(session.scalars(select(Observation.form_token).where(Observation.form_token.in_(chunk))))
    issues, seen = [], {}
    actions = list(frame["action"])
    for position, (number, value) in enumerate(zip(frame["ligne"], tokens, strict=True)):
        if value is None:
            continue
        if value in stored:
            actions[position] = UNCHANGED
        elif value in seen:
            actions[position] = UNCHANGED
            issues.append(RowIssue(number, WARNING, text("submission_twice", other=seen[value]), where))
        else:
            seen[value] = number
    frame["action"] = actions
    return issues
