"""Server-side drafts of Saisie terrain: what an agent is typing, one draft per login and device.

Saved on every change, so a closed tab, a dropped connection or a restarted server loses
nothing: reopening the page offers to resume. A team sharing one account on several phones
keeps one draft per phone: `device` is the browser's id (the page keeps it in a cookie; a
server-side session id can be passed instead). The payload is plain JSON (form fields only).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.field_models import FieldDraft
from diagnostics.models import utcnow

MAX_PAYLOAD_CHARS = 200_000
DEVICE_LIMIT = 64


@dataclass(frozen=True)
class Draft:
    payload: dict
    updated_at: dt.datetime  # UTC


def save_draft(db: Database, actor: Actor, payload: dict, *, device: str = "") -> None:
    """Replace the actor's draft on `device` with `payload` (JSON-serialisable; dates become ISO strings)."""
    require(actor, "record_diagnostic")
    text = json.dumps(payload, ensure_ascii=False, default=_jsonable)
    if len(text) > MAX_PAYLOAD_CHARS:
        return  # a draft is a convenience: never fail the page for it
    with db.session() as session:
        draft = session.get(FieldDraft, (actor.login, _device(device)))
        if draft is None:
            session.add(FieldDraft(login=actor.login, device=_device(device), payload=text, updated_at=utcnow()))
        else:
            draft.payload, draft.updated_at = text, utcnow()


def load_draft(db: Database, actor: Actor, *, device: str = "") -> Draft | None:
    require(actor, "record_diagnostic")
    with db.session() as session:
        draft = session.get(FieldDraft, (actor.login, _device(device)))
        if draft is None:
            return None
        try:
            payload = json.loads(draft.payload)
        except ValueError:
            return None
        return Draft(payload, draft.updated_at)


def discard_draft(db: Database, actor: Actor, *, device: str = "") -> None:
    with db.session() as session:
        draft = session.get(FieldDraft, (actor.login, _device(device)))
        if draft is not None:
            session.delete(draft)


def _device(device: str) -> str:
    return (device or "")[:DEVICE_LIMIT]


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")
