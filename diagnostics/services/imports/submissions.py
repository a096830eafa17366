"""Observations that carry a form tool's submission id (KoboToolbox `_uuid`, ODK `instanceID`):
stored with it, so that a submission already imported — from this file, an earlier export or a
second copy in the same file — is told apart and not added again. The id lives in the
observation's `form_token` (unique in the database), in a namespace of its own."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
from sqlalchemy import String, bindparam, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import JSON
from sqlalchemy.orm import Session

from diagnostics.models import Observation
from diagnostics.services.imports.rows import REJECTED, WARNING, RowIssue
from diagnostics.texts import imports_text as text

PREFIX = "import:"
UNCHANGED = "inchangé"
_ROOM = Observation.form_token.type.length - len(PREFIX)
_CHUNK = 100_000  # tokens per query, as one parameter


def token(key) -> str | None:
    """The stored token of a submission id; None without one."""
    if key is None or not str(key).strip():
        return None
    key = str(key).strip()
    return PREFIX + (key if len(key) <= _ROOM else hashlib.sha256(key.encode()).hexdigest()[:_ROOM])


def tokens(keys) -> list[str | None]:
    """`token` of each key (a trimmed key that fits taken as it is, without a call per key)."""
    room, prefix = _ROOM, PREFIX
    return [
        prefix + key if key.__class__ is str and 0 < len(key) <= room and key == key.strip() else token(key)
        for key in keys
    ]


def mark_known(session: Session, frame, where: str) -> list[RowIssue]:
    """« inchangé » for the valid rows whose submission is stored or met earlier in the file."""
    if frame.empty or "import_key" not in frame.columns:
        return []
    valid = frame["statut"].to_numpy() != REJECTED
    found = np.array(tokens(frame["import_key"].to_numpy(dtype=object, na_value=None)), dtype=object)
    found[~valid] = None
    codes, distinct = pd.factorize(found, use_na_sentinel=True)
    if not len(distinct):
        return []
    stored = set()
    for start in range(0, len(distinct), _CHUNK):
        stored |= _stored(session, sorted(distinct[start : start + _CHUNK]))
    is_stored = np.isin(distinct, list(stored)) if stored else np.zeros(len(distinct), dtype=bool)
    first = np.full(len(distinct), -1, dtype=np.int64)
    present = np.flatnonzero(codes >= 0)
    _, at = np.unique(codes[present], return_index=True)
    first[codes[present][at]] = present[at]  # each submission's first row in the file
    positions = np.arange(len(found))
    again = (codes >= 0) & ~is_stored[codes] & (first[codes] != positions)
    unchanged = (codes >= 0) & (is_stored[codes] | again)
    if not unchanged.any():
        return []
    actions = frame["action"].to_numpy(dtype=object, copy=True)
    actions[unchanged] = UNCHANGED
    frame["action"] = actions
    numbers = frame["ligne"].to_numpy()
    return [
        RowIssue(int(numbers[row]), WARNING, text("submission_twice", other=int(numbers[first[codes[row]]])), where)
        for row in np.flatnonzero(again).tolist()
    ]


def _stored(session: Session, chunk: list[str]) -> set[str]:
    """Those of `chunk` already stored. The tokens go as one parameter, a JSON list, not one
    each: SQLAlchemy renders an IN list value by value (a million values took longer than their
    queries), and psycopg dumps an array value by value too (1.5 s a million on PostGIS)."""
    column = Observation.form_token
    listed = bindparam("tokens", json.dumps(chunk), type_=String)
    if session.get_bind().dialect.name == "postgresql":
        listed = func.json_array_elements_text(cast(listed, JSON))
    else:
        listed = func.json_each(listed)
    return set(session.scalars(select(column).where(column.in_(select(literal_column("value")).select_from(listed)))))
