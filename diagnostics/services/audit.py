"""The audit log: every login, creation, change, deletion and export, with who and when.

Events are written in the same transaction as the change they describe, so a change and its
trace are stored together or not at all. The table is append-only (database triggers).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import audit_writer
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import DatabaseUnavailable, PermissionDenied
from diagnostics.localtime import PARIS
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
    "refused": "Accès refusé",
    "reopen": "Réouverture",
    "revoke": "Fermeture de session",
    "approve": "Validation",
    "send": "Envoi",
}
# What an event is about, in French (the stored codes are the code's names).
ENTITIES: dict[str, str] = {
    "user": "Compte",
    "session": "Session",
    "diagnostic": "Diagnostic",
    "observation": "Observation",
    "observations": "Observations",
    "photo": "Photo",
    "commune": "Commune",
    "communes": "Communes",
    "departement": "Département",
    "dispositif": "Dispositif",
    "dispositifs": "Dispositifs",
    "sectors": "Secteurs",
    "zones": "Zones de patrouille",
    "sites": "Sites",
    "cameras": "Caméras",
    "grid_template": "Grille de diagnostic",
    "diagnostic_grid": "Grille remplie",
    "retention": "Conservation des données",
    "subscriber": "Abonné aux alertes",
    "subscribers": "Abonnés aux alertes",
    "trade_category": "Métier",
    "alert": "Alerte",
    "outbox": "File d'envoi des courriels",
    "delivery": "Envoi des cartes aux maires",
    "meeting_pack": "Dossier de réunion d'une cellule de veille",
    # refused use cases (`refusals_recorded` stores the use case's name)
    "export_layer": "Export d'une couche",
    "snapshot_layers": "Carte d'une commune",
    "commune_snapshot": "Carte d'une commune",
    "commune_preview_png": "Carte d'une commune",
    "department_communes": "Cartes d'un département",
    "add_user": "Création de compte",
    "set_active": "Activation de compte",
    "list_users": "Liste des comptes",
    "open_sessions": "Sessions ouvertes",
    "revoke_session": "Fermeture de session",
    "audit_events": "Journal d'audit",
    "purge": "Purge",
    "build_pack": "Dossier de réunion",
    "build_day_pack": "Dossier de réunion",
    "record_pack_download": "Dossier de réunion",
    "send_packs": "Envoi des dossiers de réunion",
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
    """Add an event to the session's transaction (chained when it commits: diagnostics.audit_writer)."""
    audit_writer.append(
        session,
        actor=actor if isinstance(actor, str) else actor.login,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=_json(before),
        after=_json(after),
        detail=detail,
    )


def record_now(db: Database, actor: Actor | str, action: str, **fields) -> None:
    """An event on its own (logins, exports): its own short transaction."""
    with db.session() as session:
        record(session, actor, action, **fields)


P = ParamSpec("P")
R = TypeVar("R")


def refusals_recorded(use_case: Callable[P, R]) -> Callable[P, R]:
    """For a use case `f(db, actor, target, …)`: a refusal is written to the audit log, then raised.

    The refused use case rolls back whatever it began (usually nothing), so the trace of the
    attempt (who, which use case, on what, why) gets its own short transaction. A refusal passed
    up through several such use cases is recorded once.
    """

    @functools.wraps(use_case)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except PermissionDenied as refusal:
            if not getattr(refusal, "recorded", False):
                refusal.recorded = True
                _record_refusal(use_case.__name__, args, refusal)
            raise

    return checked


def _record_refusal(use_case: str, args: tuple, refusal: PermissionDenied) -> None:
    db, actor, *rest = args
    target = rest[0] if rest and isinstance(rest[0], str | int) else ""
    # With the database down, the refusal still reaches the user; the outage is reported elsewhere.
    with contextlib.suppress(DatabaseUnavailable):
        record_now(db, actor, "refused", entity=use_case[:40], entity_id=str(target)[:40], detail=str(refusal))


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


@refusals_recorded
def audit_events(db: Database, actor: Actor, criteria: AuditFilter = AuditFilter()) -> pd.DataFrame:
    """The events kept by `criteria`, newest first (administrators only)."""
    require(actor, "read_audit")
    statement = select(*(getattr(AuditEvent, column) for column in AUDIT_COLUMNS))
    # The period is in Paris days (as the page shows them); events are stored in UTC.
    if criteria.start:
        statement = statement.where(AuditEvent.at >= _utc_midnight(criteria.start))
    if criteria.end:
        statement = statement.where(AuditEvent.at < _utc_midnight(criteria.end + dt.timedelta(days=1)))
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


def _utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=PARIS).astimezone(dt.UTC).replace(tzinfo=None)


@refusals_recorded
def audit_csv_export(db: Database, actor: Actor, criteria: AuditFilter = AuditFilter(), recipient: str = "") -> bytes:
    """The events kept by `criteria` as CSV, the export itself written to the log (who, scope, recipient)."""
    events = audit_events(db, actor, criteria)
    scope = {"start": criteria.start, "end": criteria.end, "actor": criteria.actor, "actions": list(criteria.actions)}
    after = {**scope, "rows": len(events), "recipient": recipient}
    record_now(db, actor, "export", entity="audit_events", after=after, detail="journal d'audit CSV")
    return audit_csv(events)


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
