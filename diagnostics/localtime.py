"""Dates, times and numbers as French users read them: Europe/Paris, 01/12/2026 23:47, 3,5.

The database stores naive UTC (`models.utcnow`); everything shown to a person goes through here,
so that no page prints UTC or an ISO date.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import pandas as pd

PARIS = ZoneInfo("Europe/Paris")
DATE_FORMAT = "%d/%m/%Y"
TIME_FORMAT = "%H:%M"
DATETIME_FORMAT = f"{DATE_FORMAT} {TIME_FORMAT}"
# What a date widget shows (Streamlit's own format syntax, not strftime).
WIDGET_DATE_FORMAT = "DD/MM/YYYY"
MISSING = "—"
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def to_paris(value: dt.datetime) -> dt.datetime:
    """`value` in Paris time; a naive value is UTC, as stored."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(PARIS)


def now_paris() -> dt.datetime:
    return dt.datetime.now(PARIS)


def format_datetime(value: dt.datetime | None) -> str:
    """« 01/12/2026 23:47 » in Paris time; « — » when there is no value."""
    if value is None or _is_missing(value):
        return MISSING
    return to_paris(value).strftime(DATETIME_FORMAT)


def format_time(value: dt.datetime | None) -> str:
    """« 23:47 » in Paris time (for « bloqué jusqu'à 23:47 »)."""
    if value is None or _is_missing(value):
        return MISSING
    return to_paris(value).strftime(TIME_FORMAT)


def format_date(value: dt.date | dt.datetime | None) -> str:
    """« 01/12/2026 »; a datetime is first put in Paris time."""
    if value is None or _is_missing(value):
        return MISSING
    if isinstance(value, dt.datetime):
        value = to_paris(value)
    return value.strftime(DATE_FORMAT)


def format_month(year: int, month: int) -> str:
    """« décembre 2026 »."""
    return f"{MONTHS[month - 1]} {year}"


def format_decimal(value: float | None, digits: int = 1) -> str:
    """« 3,5 »: a decimal comma, `digits` after it; « — » when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return f"{value:.{digits}f}".replace(".", ",")


def datetime_column(values: pd.Series) -> pd.Series:
    """A column of stored datetimes as French text (for tables)."""
    return values.map(lambda v: format_datetime(None if _is_missing(v) else pd.Timestamp(v).to_pydatetime()))


def date_column(values: pd.Series) -> pd.Series:
    """A column of dates as French text (for tables)."""
    return values.map(lambda v: format_date(None if _is_missing(v) else _as_date(v)))


def _as_date(value) -> dt.date | dt.datetime:
    if isinstance(value, dt.datetime | dt.date):
        return value
    return pd.Timestamp(value).to_pydatetime()


def _is_missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
