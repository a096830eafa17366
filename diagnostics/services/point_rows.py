"""The map's points' columns as SQL (codes, day numbers), and on SpatiaLite in one blob.

The codes and day numbers are computed by the database: small integers cost Python nothing,
where 100,000 strings per column cost more than the query itself.

One blob (issue 20): no Python tuple per row. A town box's 7,000 points cost SQLite 2.5 ms to
find in ix_observations_points and 7 ms to hand over as 7,000 tuples (the rest of the query's 15
ms: the frame, SQLAlchemy). Collected by the database instead, into one MULTIPOINT ZM (x, y the
drawing point; z the N°, m the gravité, catégorie, statut and date packed into one integer, all
exact in a double) and one string of the communes' five-character codes, they come in one row
and numpy reads them as arrays. The blob's layout is SpatiaLite's documented BLOB-Geometry: a
47-byte header, 37 bytes per point, an end marker; anything else (or a commune code of another
length) returns None, and the caller reads the rows as tuples. For a box (every point stored:
none NULL, none left out of the collection while its commune is in the string).
"""

from __future__ import annotations

import functools

import numpy as np
from sqlalchemy import Integer, case, cast, func, literal, literal_column

from diagnostics import taxonomy
from diagnostics.models import Observation

_HEADER, _END = 47, 0xFE
_MULTIPOINT_ZM, _POINT_ZM, _ENTITY = 3004, 3001, 0x69
_ENTITIES = np.dtype([("marker", "u1"), ("type", "<i4"), ("x", "<f8"), ("y", "<f8"), ("z", "<f8"), ("m", "<f8")])


@functools.cache
def codes() -> tuple:
    """The catégorie's and the statut's codes, as SQL (built once: a CASE of 12 terms per call
    cost more than a small box's query): the position in taxonomy's lists, -1 if unknown."""
    return (
        _code(Observation.category, [c.code for c in taxonomy.CATEGORIES]),
        _code(Observation.status, list(taxonomy.STATUSES)),
    )


def _code(column, values: list[str]):
    return case({value: index for index, value in enumerate(values)}, value=column, else_=-1)


def days_since_1970(db):
    if db.is_sqlite:
        return cast(func.julianday(Observation.observed_on) - 2440587.5, Integer)
    return literal_column("(observations.observed_on - DATE '1970-01-01')", Integer)


def collected(point_id, lon, lat, severity, category, status, day, commune) -> list:
    """The select items: the points' blob, the communes' codes, the count. `category` and
    `status` are codes from -1, `severity` 1 to 4, `day` days since 1970."""
    packed = ((day * 16 + (category + 1)) * 8 + (status + 1)) * 8 + severity
    return [
        func.Collect(func.MakePointZM(lon, lat, point_id, packed)),
        func.group_concat(commune, literal("")),
        func.count(),
    ]


def point_columns(row: tuple, dtype: np.dtype) -> np.ndarray | None:
    """The points of `collected`'s row as a structured array of `dtype` (the map's points'
    fields), or None when the blob or the codes are not as expected."""
    blob, communes, count = row
    array = np.zeros(count, dtype=dtype)
    if not count:
        return array
    if blob is None or len(blob) != _HEADER + _ENTITIES.itemsize * count + 1 or not _header_fits(blob, count):
        return None
    entities = np.frombuffer(blob, dtype=_ENTITIES, offset=_HEADER, count=count)
    if (entities["marker"] != _ENTITY).any() or (entities["type"] != _POINT_ZM).any():
        return None
    codes = (communes or "").encode("ascii", errors="replace")
    if len(codes) != 5 * count:
        return None
    packed = entities["m"].astype(np.int64)
    array["id"], array["lon"], array["lat"] = entities["z"].astype(np.int64), entities["x"], entities["y"]
    array["severity"], packed = packed % 8, packed // 8
    array["status"], packed = packed % 8 - 1, packed // 8
    array["category"], array["observed_on"] = packed % 16 - 1, packed // 16
    array["commune_insee"] = np.frombuffer(codes, dtype="S5").astype("U5")
    return array


def _header_fits(blob: bytes, count: int) -> bool:
    little = blob[0] == 0 and blob[1] == 1 and blob[38] == 0x7C and blob[-1] == _END
    return little and np.frombuffer(blob, dtype="<i4", offset=39, count=2).tolist() == [_MULTIPOINT_ZM, count]
