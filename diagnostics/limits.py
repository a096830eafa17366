"""Text limits, declared once: the length of each text column in `models`.

Every path that writes text (field entry, import, follow-up, command line) checks it here, so
that a value the database would refuse (PostGIS raises `DataError` past a `String(n)`) gets a
French message instead. `Text` columns have no length in the database; they get `LONG_TEXT`,
which keeps one observation readable on a phone and in the mayor's PDF.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import String

from diagnostics.models import Base
from diagnostics.texts import t

LONG_TEXT = 5000


def limit(model: type[Base], field: str) -> int:
    """The most characters `model.field` holds (a `String(n)` column's n, else `LONG_TEXT`)."""
    column_type = model.__table__.columns[field].type
    length = getattr(column_type, "length", None) if isinstance(column_type, String) else None
    return length or LONG_TEXT


def limits(model: type[Base]) -> dict[str, int]:
    """Every text column of `model` and its limit."""
    return {column.name: limit(model, column.name) for column in model.__table__.columns if _is_text(column)}


def too_long(model: type[Base], values: Mapping[str, str | None], *, names: Mapping[str, str] | None = None):
    """A French message per field of `values` that exceeds its column (stripped, as stored).

    `names` maps a column name to the form's field name when they differ.
    """
    errors: dict[str, str] = {}
    for column, value in values.items():
        text = (value or "").strip()
        most = limit(model, column)
        if len(text) > most:
            errors[(names or {}).get(column, column)] = t("text_too_long", length=len(text), limit=most)
    return errors


def _is_text(column) -> bool:
    return isinstance(column.type, String)
