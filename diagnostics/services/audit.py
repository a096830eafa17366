"""The audit log: every login, creation, change, deletion and export, with who and when.

Events are written in the same transaction as the change they describe, so a change and its
trace are stored together or not at all. The table is append-only (database triggers).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.models import AuditEvent

ACTIONS: dict[str, str] = {
    "login": "Connexion",
    "login_failed": "Échec de connexion",
    "logout": "Déconnexion",
    "create": "Création",
    "update": "Modification",
    "delete": "Suppression",
    "export": "Export",
    "import": "Import",
    "purge": "Purge",
    "reopen": "Réouverture",
}


def record(
    session: Session,
    actor: Actor | str,
    action: str,
    *,
    entity: str = "",
    entity_id: object = "",
    before: dict | None = None,
    after: dict | None = None,
    detail: str = "",
) -> None:
    """Add an event to the session's transaction."""
    session.add(
        AuditEvent(
            actor=actor if isinstance(actor, str) else actor.login,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=_json(before),
            after=_json(after),
            detail=detail,
        )
    )


def record_now(db: Database, actor: Actor | str, action: str, **fields) -> None:
    """An event on its own (logins, exports): its own short transaction."""
    with db.session() as session:
        record(session, actor, action, **fields)


def _json(values: dict | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)


@dataclass(frozen=True)
class AuditFilter:
    start: dt.date | None = None
    end: dt.date | None = None
    actor: str = ""
    actions: tuple[str, ...] = ()
    entity: str = ""
    limit: int = 5000


AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "before", "after", "detail")


def audit_events(db: Database, actor: Actor, criteria: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """The events kept by `criteria`, newest first (administrators only)."""
    require(actor, "read_audit")
    statement = select(*(getattr(AuditEvent, column) for column in AUDIT_COLUMNS))
    if criteria.start:
        statement = statement.where(AuditEvent.at >= dt.datetime.combine(criteria.start, dt.time.min))
    if criteria.end:
        statement = statement.where(AuditEvent.at <= dt.datetime.combine(criteria.end, dt.time.max))
    if criteria.actor:
        statement = statement.where(AuditEvent.actor == criteria.actor)
    if criteria.actions:
        statement = statement.where(AuditEvent.action.in_(criteria.actions))
    if criteria.entity:
        statement = statement.where(AuditEvent.entity == criteria.entity)
    statement = statement.order_by(AuditEvent.id.desc()).limit(criteria.limit)
    with db.session() as session:
        rows = session.execute(statement).all()
    return pd.DataFrame(rows, columns=list(AUDIT_COLUMNS))


def audit_csv(events: pd.DataFrame) -> bytes:
    """CSV for spreadsheets: semicolon-separated, UTF-8 with BOM (as French Excel expects).

    Cells that a spreadsheet would run as a formula are prefixed with a quote.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(events.columns)
    for row in events.itertuples(index=False):
        writer.writerow([_spreadsheet_safe(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _spreadsheet_safe(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
