"""The field page's sync request, read into the services' items: pure, no database.

A request is `{"items": [item, …]}`; an item is

    {"uuid": "…", "diagnostic_id": 12 | null,
     "diagnostic": {"uuid", "team_id", "commune_insee", "place", "visited_on", "participants", "context"} | null,
     "observation": {"category", "severity", "description", "recommendation", "partner",
                     "shared_fields": ["description", …], "geometry": <GeoJSON Point, LineString or Polygon>},
     "photos": ["<base64 JPEG>", …], "photos_shareable": false,
     "login": "agent.gray"}   (optional: the account the phone recorded it under)

An item that cannot be read is answered as refused, with a French reason, like the others.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from shapely.geometry import shape

from diagnostics.redaction import SHAREABLE_FIELDS
from diagnostics.services import field_sync as sync
from diagnostics.services import fieldwork

MAX_ITEMS = 50
UNREADABLE = "Observation illisible par le serveur ({what}) : modifiez-la puis renvoyez-la."
SHAPES = ("Point", "LineString", "Polygon")


class PayloadError(ValueError):
    """The request as a whole cannot be read (French message)."""


def items_of(payload: object) -> list[sync.SyncItem | sync.ItemResult]:
    """Each item read into a SyncItem, or an ItemResult refusing it."""
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        raise PayloadError("Requête illisible : une liste « items » est attendue.")
    if len(payload["items"]) > MAX_ITEMS:
        raise PayloadError(f"Trop d'observations dans un envoi ({len(payload['items'])}, {MAX_ITEMS} au plus).")
    return [_item(raw) for raw in payload["items"]]


def _item(raw: object) -> sync.SyncItem | sync.ItemResult:
    item_uuid = str(raw.get("uuid", ""))[:64] if isinstance(raw, dict) else ""
    try:
        if not isinstance(raw, dict):
            raise _Unreadable("format")
        return sync.SyncItem(
            uuid=item_uuid,
            observation=_observation(raw.get("observation")),
            diagnostic_id=_optional_int(raw.get("diagnostic_id"), "diagnostic"),
            new_diagnostic=_new_diagnostic(raw.get("diagnostic")),
            photos=[_photo(data) for data in _list(raw.get("photos"), "photos")],
            photos_shareable=raw.get("photos_shareable") is True,
            recorded_by=_text(raw.get("login")) or None,
        )
    except _Unreadable as exc:
        return sync.ItemResult(item_uuid, sync.REFUSED, errors={"form": UNREADABLE.format(what=exc)})


class _Unreadable(ValueError):
    pass


def _observation(raw: object) -> fieldwork.ObservationDraft:
    if not isinstance(raw, dict):
        raise _Unreadable("observation")
    latitude, longitude, geometry = _position(raw.get("geometry"))
    fields = [code for code in _list(raw.get("shared_fields"), "partage") if code in SHAREABLE_FIELDS]
    return fieldwork.ObservationDraft(
        category=_text(raw.get("category")) or None,
        severity=_optional_int(raw.get("severity"), "gravité"),
        description=_text(raw.get("description")),
        latitude=latitude,
        longitude=longitude,
        geometry=geometry,
        recommendation=_text(raw.get("recommendation")),
        partner=_text(raw.get("partner")),
        shared_fields=tuple(fields),
    )


def _position(raw: object):
    """(latitude, longitude, None) for a point, (None, None, shape) for a line or polygon."""
    if raw is None:
        return None, None, None
    if not isinstance(raw, dict) or raw.get("type") not in SHAPES:
        raise _Unreadable("forme")
    try:
        geometry = shape(raw)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
        raise _Unreadable("forme") from exc
    if geometry.geom_type == "Point":
        return geometry.y, geometry.x, None
    return None, None, geometry


def _new_diagnostic(raw: object) -> sync.NewDiagnostic | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise _Unreadable("diagnostic")
    try:
        visited_on = dt.date.fromisoformat(str(raw.get("visited_on"))) if raw.get("visited_on") else None
    except ValueError as exc:
        raise _Unreadable("date") from exc
    draft = fieldwork.DiagnosticDraft(
        team_id=_optional_int(raw.get("team_id"), "équipe"),
        commune_insee=_text(raw.get("commune_insee")) or None,
        place=_text(raw.get("place")),
        visited_on=visited_on,
        participants=_text(raw.get("participants")),
        context=_text(raw.get("context")),
    )
    return sync.NewDiagnostic(str(raw.get("uuid", "")), draft)


def _photo(data: object) -> bytes:
    if not isinstance(data, str):
        raise _Unreadable("photo")
    if data.startswith("data:"):
        data = data.partition(",")[2]
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _Unreadable("photo") from exc


def _text(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Unreadable("texte")
    return value


def _optional_int(value: object, what: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _Unreadable(what)
    try:
        return int(value)
    except ValueError as exc:
        raise _Unreadable(what) from exc


def _list(value: object, what: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _Unreadable(what)
    return value
