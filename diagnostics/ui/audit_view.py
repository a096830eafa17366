"""The audit log as an administrator reads it: French labels, Paris time, changes in words.

The stored events keep codes and JSON (the CSV export gives them as they are); this only
shapes what the Administration page shows.
"""

from __future__ import annotations

import json

import pandas as pd

from diagnostics import auth, localtime, taxonomy
from diagnostics.services import audit
from diagnostics.ui import tables

COLUMNS = {
    "at": "Date",
    "actor": "Qui",
    "action": "Action",
    "entity": "Objet",
    "entity_id": "N°",
    "change": "Changement",
    "detail": "Détail",
}
# Keys found in before/after values, in French; others are shown with spaces for underscores.
FIELDS = {
    "active": "actif",
    "role": "rôle",
    "team_id": "équipe",
    "team": "équipe",
    "commune": "commune",
    "commune_insee": "commune",
    "departments": "départements",
    "display_name": "nom",
    "status": "statut",
    "severity": "gravité",
    "category": "catégorie",
    "description": "description",
    "recommendation": "préconisation",
    "partner_id": "partenaire (n°)",
    "due_on": "échéance",
    "emails": "adresses e-mail",
    "communes": "communes",
    "shareable": "partageable",
    "name": "nom",
    "place": "lieu",
    "participants": "participants",
    "visited_on": "date de visite",
    "closed": "clôturé",
    "context": "contexte",
    "summary": "synthèse",
    "observed_on": "date",
    "latitude": "latitude",
    "longitude": "longitude",
    "partner": "partenaire",
    "population": "population",
    "department": "département",
    "kind": "type",
    "unit": "unité",
    "schedule": "horaires",
}
# Coded values, in French.
CODED = {
    "category": taxonomy.category_label,
    "severity": lambda level: taxonomy.severity_label(int(level)),
    "status": taxonomy.status_label,
    "kind": taxonomy.partner_kind_label,
}
VALUES = {True: "oui", False: "non", None: "—", "": "—"}


def audit_table(events: pd.DataFrame) -> pd.DataFrame:
    """The events as shown: one readable « Changement » column instead of raw before/after JSON."""
    shown = pd.DataFrame(
        {
            "at": localtime.datetime_column(events["at"]),
            "actor": events["actor"],
            "action": events["action"].map(lambda code: audit.ACTIONS.get(code, code)),
            "entity": events["entity"].map(lambda code: audit.ENTITIES.get(code, code or "")),
            "entity_id": events["entity_id"].fillna(""),
            "change": [describe_change(b, a) for b, a in zip(events["before"], events["after"], strict=True)],
            "detail": events["detail"].fillna(""),
        }
    )
    return tables.readable(shown.rename(columns=COLUMNS))


def describe_change(before: str | None, after: str | None) -> str:
    """« actif : oui → non ; rôle : maire » from the stored JSON values (either may be missing)."""
    old, new = _values(before), _values(after)
    parts = []
    for key in [*old, *(key for key in new if key not in old)]:
        label = FIELDS.get(key, key.replace("_", " "))
        if key in old and key in new:
            if old[key] != new[key]:
                parts.append(f"{label} : {_value(key, old[key])} → {_value(key, new[key])}")
        elif key in new:
            if new[key] not in (None, "", []):  # a creation lists what was set, not every empty field
                parts.append(f"{label} : {_value(key, new[key])}")
        else:
            parts.append(f"{label} : {_value(key, old[key])} → —")
    return " ; ".join(parts)


def _values(text: str | None) -> dict:
    if not text or (isinstance(text, float) and pd.isna(text)):
        return {}
    try:
        values = json.loads(text)
    except (TypeError, ValueError):
        return {"valeur": text}
    return values if isinstance(values, dict) else {"valeur": values}


def _value(key: str, value) -> str:
    if key == "role" and value in auth.ROLES:
        return auth.ROLES[value]
    if key in CODED and value not in (None, ""):
        try:
            return CODED[key](value)
        except (KeyError, ValueError, TypeError):
            return str(value)
    if isinstance(value, bool) or value is None or value == "":
        return VALUES[value]
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    return str(value)
