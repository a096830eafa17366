"""KoboToolbox and ODK Central (or Briefcase) CSV exports, recognised from their own columns.

- Positions: Kobo splits a geopoint `gps` into `_gps_latitude` / `_gps_longitude` (with its
  groups: `_lieu/gps_latitude`); ODK into `gps-Latitude` / `gps-Longitude` (`lieu-gps-Latitude`);
  either may also give the geopoint as one « lat lon altitude précision » string.
- Dates: the form's `start`, else `end`, else the server's `_submission_time` (Kobo, UTC without
  zone) or `SubmissionDate` (ODK): the day in Europe/Paris, as `date_releve`.
- Key: `_uuid`, `meta/instanceID`, `KEY` or `instanceID` (without its `uuid:` prefix) as
  `cle_import`, so that a submission imported twice is stored once.
- Columns inside groups (`lieu/categorie`, `lieu-categorie`) are renamed after their field.
"""

from __future__ import annotations

import re

import pandas as pd
import shapely

from diagnostics import localtime
from diagnostics.texts import imports_text as text

KOBO_MARKERS = ("_uuid", "_submission_time", "_id", "__version__", "_validation_status")
ODK_MARKERS = ("SubmissionDate", "KEY", "meta-instanceID", "instanceID", "meta/instanceID")
KEY_COLUMNS = ("_uuid", "meta/instanceID", "meta-instanceID", "KEY", "instanceID")
TIME_COLUMNS = ("start", "end", "_submission_time", "SubmissionDate")
# The tools' own columns about the submission, dropped once read: `_status` or `Status` would
# otherwise be taken for the observation's statut.
METADATA = {
    *KOBO_MARKERS,
    *ODK_MARKERS,
    "_notes", "_status", "_submitted_by", "_tags", "_index", "_attachments", "_geolocation",
    "_xform_id_string", "meta/rootUuid", "meta/deprecatedID", "meta-deprecatedID",
    "SubmitterID", "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState",
    "DeviceID", "Edits", "FormVersion", "start", "end", "today", "deviceid", "username",
}  # fmt: skip
KEY, DATE = "cle_import", "date_releve"
_KOBO_SPLIT = re.compile(r"^_(?P<stem>.+)_latitude$")
_ODK_SPLIT = re.compile(r"^(?P<stem>.+)-Latitude$")
_GEOPOINT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+(-?\d+(?:\.\d+)?)(?:\s+-?\d+(?:\.\d+)?){0,2}\s*$")
_SIDE_PARTS = {"kobo": ("_latitude", "_longitude", "_altitude", "_precision"), "odk": ("-Altitude", "-Accuracy")}


def tool_of(columns) -> str | None:
    names = set(columns)
    if names & set(KOBO_MARKERS):
        return "KoboToolbox"
    if names & set(ODK_MARKERS):
        return "ODK"
    return None


def read_export(frame: pd.DataFrame):
    """(attributes, geometries, note) for a Kobo or ODK export; None for any other CSV."""
    tool = tool_of(frame.columns)
    if tool is None:
        return None
    position = _split_position(frame) or _geopoint_column(frame)
    if position is None:
        return None
    geometries, used = position
    table = frame.drop(columns=used)
    found = []
    key = next((c for c in KEY_COLUMNS if c in table.columns and table[c].str.strip().ne("").any()), None)
    if key:
        table[KEY] = table[key].map(_bare_key)
        found.append(text("odk_key", column=key))
    when = next((c for c in TIME_COLUMNS if c in table.columns and table[c].str.strip().ne("").any()), None)
    if when:
        table[DATE] = table[when].map(paris_day)
        found.append(text("odk_date", column=when))
    table = _without_groups(table.drop(columns=[c for c in table.columns if c in METADATA]))
    note = text("odk_recognised", tool=tool, position=", ".join(used[:2]), found="; ".join(found) or "—")
    return table, geometries, note


def _split_position(frame: pd.DataFrame):
    for column in frame.columns:
        for pattern, longitude, side in (
            (_KOBO_SPLIT, "_{stem}_longitude", "kobo"),
            (_ODK_SPLIT, "{stem}-Longitude", "odk"),
        ):
            match = pattern.match(str(column))
            if not match or longitude.format(stem=match["stem"]) not in frame.columns:
                continue
            stem, lon = match["stem"], longitude.format(stem=match["stem"])
            points = [_point(y, x) for y, x in zip(frame[column], frame[lon], strict=True)]
            used = [column, lon, *_companions(frame, stem, side)]
            return points, used
    return None


def _companions(frame: pd.DataFrame, stem: str, side: str) -> list[str]:
    """The geopoint's other columns: altitude, precision and the combined string."""
    if side == "kobo":
        names = [f"_{stem}{part}" for part in _SIDE_PARTS["kobo"][2:]] + [stem]
    else:
        names = [f"{stem}{part}" for part in _SIDE_PARTS["odk"]] + [stem]
    return [n for n in names if n in frame.columns]


def _geopoint_column(frame: pd.DataFrame):
    for column in frame.columns:
        values = frame[column].str.strip()
        filled = values[values.ne("")]
        if len(filled) and filled.str.match(_GEOPOINT).all():
            points = []
            for value in values:
                match = _GEOPOINT.match(value) if value else None
                points.append(_point(match[1], match[2]) if match else None)
            return points, [column]
    return None


def _point(latitude, longitude):
    try:
        y, x = float(str(latitude).replace(",", ".")), float(str(longitude).replace(",", "."))
    except ValueError:
        return None
    return shapely.Point(x, y)


def _bare_key(value: str) -> str:
    value = str(value).strip()
    return value[5:] if value.lower().startswith("uuid:") else value


def paris_day(value) -> str:
    """The day in Paris of an export's time: with its zone (`+01:00`, `Z`), or UTC without one
    (Kobo's `_submission_time`); the text itself when it is not a time."""
    if not str(value).strip():
        return ""
    try:
        moment = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError):
        return str(value)
    if moment.tzinfo is None:
        moment = moment.tz_localize("UTC")
    return localtime.to_paris(moment.to_pydatetime()).date().isoformat()


def _without_groups(table: pd.DataFrame) -> pd.DataFrame:
    """`lieu/categorie` → `categorie` (and ODK's `lieu-categorie`), when the name stays unique."""
    renamed = {}
    taken = set(table.columns)
    for column in table.columns:
        name = str(column)
        if name.startswith("_") or name.startswith("meta"):
            continue
        field = re.split(r"[/-]", name)[-1]
        if field != name and field not in taken and field not in renamed.values():
            renamed[column] = field
    return table.rename(columns=renamed)
