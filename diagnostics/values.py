"""Values as people write them, matched to the codes the application stores: categories,
gravités, statuts, dispositifs, dates, yes/no, whole numbers, INSEE codes; and names cleaned of
invisible characters before they are matched or stored."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd

from diagnostics import taxonomy

# Zero-width and bidirectional controls draw nothing (or reorder what is drawn): two names that
# differ only by them look the same on screen.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")
_TRUE = ("1", "true", "vrai", "oui", "yes", "o", "y", "x")


def clean_text(value: str) -> str:
    """NFC, without invisible or bidirectional control characters nor NUL, trimmed."""
    text = unicodedata.normalize("NFC", str(value)).replace("\x00", "")
    return _INVISIBLE.sub("", text).strip()


def _remembered(function):
    """`function` remembered per distinct value, and per type (1, 1.0 and True apart): a large
    file repeats a few catégories, gravités and dates on every row. A value that cannot be a key
    (a list in a GeoJSON property) is worked out each time."""
    remembered = functools.lru_cache(maxsize=4096, typed=True)(function)

    @functools.wraps(function)
    def matcher(value):
        try:
            return remembered(value)
        except TypeError:
            return function(value)

    return matcher


def normalise_name(name: object) -> str:
    """`Coordonnée X (L93)` → `coordonnee_x_l93`: no accents, lower case, underscores."""
    return _normalised(str(name))


@functools.lru_cache(maxsize=4096)
def _normalised(name: str) -> str:
    text = unicodedata.normalize("NFKD", clean_text(name)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def match_code(value, labels: Mapping) -> str | None:
    """A code from its code or its label, accents, case and punctuation aside."""
    wanted = normalise_name(value)
    for code, label in labels.items():
        if wanted in (normalise_name(code), normalise_name(label)):
            return code
    return None


@_remembered
def match_category(value) -> str | None:
    """`Éclairage`, `eclairage`, `VIDEOPROTECTION`, `Visibilité et recoins` → their codes."""
    labels = {c.code: c.label for c in taxonomy.CATEGORIES}
    code = match_code(value, labels)
    if code is not None:
        return code
    wanted = normalise_name(value)
    if len(wanted) < 4:
        return None
    starts = [code for code, label in labels.items() if normalise_name(label).startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    words = [code for code, label in labels.items() if wanted in normalise_name(label).split("_")]
    return words[0] if len(words) == 1 else None  # « tags » → dégradations et tags


@_remembered
def match_severity(value) -> int | None:
    text = str(value).strip()
    if re.fullmatch(r"[1-4](\.0+|,0+)?", text):
        return int(text[0])
    code = match_code(text, dict(taxonomy.SEVERITIES.items()))
    return int(code) if code is not None else None


@_remembered
def match_status(value) -> str | None:
    return match_code(value, taxonomy.STATUSES)


def match_prefix(value, labels: Mapping) -> str | None:
    """A code from its code, its label, or the first six letters of its code (« participation »)."""
    code = match_code(value, labels)
    if code is None:
        wanted = normalise_name(value)
        code = next((c for c in labels if wanted and c.startswith(wanted[:6])), None)
    return code


@_remembered
def parse_date(value) -> dt.date | None:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = re.split(r"[ T]", str(value).strip(), maxsplit=1)[0]
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


@_remembered
def parse_bool(value) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return normalise_name(value) in _TRUE


def parse_whole_number(value) -> int | None:
    """`5 512`, `5512`, `5512.0`, `5 512,0` → 5512; None when it is not a number."""
    try:
        return int(float(re.sub(r"[\s\u00a0\u202f]", "", str(value)).replace(",", ".")))
    except (ValueError, OverflowError):
        return None


def parse_insee(value) -> str | None:
    """An INSEE code (`70279`, `2A004`; `1053` as a spreadsheet writes `01053`), or None."""
    code = str(value).strip().upper()
    if re.fullmatch(r"\d{4}", code):  # spreadsheets drop the leading zero of 01…09
        code = "0" + code
    return code if re.fullmatch(r"\d[\dAB]\d{3}", code) else None
