"""Observations that carry a form tool's submission id (KoboToolbox `_uuid`, ODK `instanceID`):
stored with it, so that a submission already imported — from this file, an earlier export or a
second copy in the same file — is told apart and not added again. The id lives in the
observation's `form_token` (unique in the database), in a namespace of its own."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
from sqlalchemy import String, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
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
    """`token` of each key."""
    return [token(key) for key in keys]


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
    """Those of `chunk` already stored. The tokens go as one parameter (an array on PostGIS, a
    JSON list on SpatiaLite), not one each: SQLAlchemy renders an IN list value by value, a
    million values taking longer than their queries."""
    column = Observation.form_token
    if session.get_bind().dialect.name == "postgresql":
        wanted = column == any_(bindparam("tokens", chunk, type_=ARRAY(String)))
    else:
        listed = select(literal_column("value")).select_from(func.json_each(bindparam("tokens", json.dumps(chunk))))
        wanted = column.in_(listed)
    return set(session.scalars(select(column).where(wanted)))
