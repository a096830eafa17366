"""Checking one row of an imported file: its attributes (parsed and matched to codes), its
commune, its key (no duplicate in the file). Geometry checks live in `shapes`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from diagnostics import values
from diagnostics.services.dispositifs import KINDS as DISPOSITIFS
from diagnostics.services.imports import columns
from diagnostics.services.imports.shapes import ERROR, ShapeChecker, drawing_points
from diagnostics.services.imports.specs import FIELD_LABELS, LayerSpec, text_limit
from diagnostics.texts import imports_text as text

WARNING = "avertissement"
VALID, FIXED, REJECTED = "valide", "réparée", "rejetée"
WGS84 = "EPSG:4326"
NAME_FIELDS = ("name",)  # names people match by eye: cleaned of invisible characters


@dataclass(frozen=True)
class RowIssue:
    row: int  # as the user finds it: the CSV line, or the feature's rank in other formats
    level: str  # erreur, réparé, avertissement
    message: str
    where: str = "ligne"

    def __str__(self) -> str:
        return f"{self.where.capitalize()} {self.row} : {self.message}"


@dataclass(frozen=True)
class Territory:
    """What the rows are checked against, read once per preview."""

    communes: gpd.GeoDataFrame  # insee, name, department, geometry: every commune in the database
    covered: gpd.GeoDataFrame  # those of the départements the application covers
    bounds: tuple[float, float, float, float]

    @property
    def insee_codes(self) -> set[str]:
        return set(self.communes["insee"])

    @property
    def names(self) -> dict[str, str]:
        return {values.normalise_name(n): i for i, n in zip(self.communes["insee"], self.communes["name"], strict=True)}


class RowChecker:
    def __init__(self, layer: str, spec: LayerSpec, territory: Territory, crs, today: dt.date, where: str):
        self.layer, self.spec, self.territory = layer, spec, territory
        self.today, self.where = today, where
        self.shapes = ShapeChecker(spec, crs, territory.bounds)
        self.insee_codes = territory.insee_codes
        self.commune_names = territory.names
        self.limits = {name: text_limit(spec, name) for name in spec.fields if name not in _PARSERS}

    def check(self, raw: gpd.GeoDataFrame, mapping: dict[str, str], first_row: int):
        """The checked rows as a frame (ligne, statut, action, the layer's fields, geometry in
        WGS84) and their issues in row order. Column by column: each distinct value is parsed
        once and the shapes no check objects to are told apart at once, so that a million rows
        take seconds; the messages, and their order within a row, are those of a row-by-row
        check (fields in the layer's order, then the shape, the place, the key)."""
        count = len(raw)
        problems = columns.Problems(count)
        by_column = {c: columns.cells(raw[c], cell) for c in dict.fromkeys(mapping.values())}
        record = {}
        for stage, name in enumerate(self.spec.fields):
            record[name] = self._field(name, by_column.get(mapping.get(name)), count, stage, problems)
        stage = len(self.spec.fields)
        geometries = np.full(count, None, dtype=object)
        if self.spec.geometry_kinds:
            geometries = self.shapes.check_all(raw, lambda row, found: problems.add_row(row, stage, found))
        self._places(record, geometries, problems, stage + 1)
        self._keys(record, problems, stage + 2, first_row)
        checked = {
            "ligne": np.arange(first_row, first_row + count, dtype=np.int64),
            "statut": problems.statuses(VALID, FIXED, REJECTED),
            "action": np.full(count, "", dtype=object),
            **record,
        }
        frame = pd.DataFrame({name: _checked_column(values) for name, values in checked.items()})
        frame["geometry"] = geometries
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)
        return frame, problems.issues(first_row, self.where, RowIssue)

    # attributes

    def _field(self, name: str, values, count: int, stage: int, problems: columns.Problems) -> np.ndarray:
        if values is None:
            values = np.full(count, None, dtype=object)
        if name in self.spec.required and name not in self.spec.derived:
            problems.add(columns.missing(values), stage, ERROR, text("required", field=FIELD_LABELS[name]))
        parser = _PARSERS.get(name)
        if parser is None and columns.is_text(values) and name not in NAME_FIELDS:
            return self._texts(name, values, stage, problems)
        parse = (lambda v, p: parser(self, v, p)) if parser else (lambda v, p: self._text(name, v, p))
        parsed, found = columns.parsed(values, parse)
        for rows, value_problems in found:
            for level, message in value_problems:
                problems.add(rows, stage, level, message)
        return parsed

    def _texts(self, name: str, values: np.ndarray, stage: int, problems: columns.Problems) -> np.ndarray:
        """`_text` on a column of str at once: NUL removed, lengths checked."""
        blank = pd.isna(values)
        present = values[~blank]
        shown = values.copy()
        if "\x00" in "".join(present):  # rare: a CSV with NUL is refused before
            shown[~blank] = [value.replace("\x00", "") for value in present]
        lengths = np.zeros(len(values), dtype=np.int64)
        lengths[~blank] = np.fromiter(map(len, shown[~blank]), dtype=np.int64, count=len(present))
        limit = self.limits[name]
        for row in np.flatnonzero(lengths > limit).tolist():
            message = text("text_too_long", field=FIELD_LABELS[name], length=int(lengths[row]), limit=limit)
            problems.add_row(row, stage, [(ERROR, message)])
        return shown

    def _text(self, name: str, value, problems: list) -> str:
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        shown = values.clean_text(shown) if name in NAME_FIELDS else shown.replace("\x00", "")
        limit = self.limits[name]
        if len(shown) > limit:
            problems.append((ERROR, text("text_too_long", field=FIELD_LABELS[name], length=len(shown), limit=limit)))
        return shown

    def _matched(self, key: str, matcher, value, problems: list):
        code = matcher(value)
        if code is None:
            problems.append((ERROR, text(key, value=value)))
        return code

    def _date(self, value, problems: list):
        day = values.parse_date(value)
        if day is None:
            problems.append((ERROR, text("date", value=value)))
        elif day > self.today:
            problems.append((ERROR, text("date_future", value=f"{day:%d/%m/%Y}")))
        elif day < dt.date(2000, 1, 1):
            problems.append((ERROR, text("date_old", value=f"{day:%d/%m/%Y}")))
        return day

    def _population(self, value, problems: list):
        number = values.parse_whole_number(value)
        if number is None:
            problems.append((ERROR, text("number", field=FIELD_LABELS["population"], value=value)))
        return number

    # place and keys

    def _covering(self, geometries: np.ndarray) -> np.ndarray:
        """For each shape, the first covered commune (by INSEE code) covering its point on
        surface; None for no shape or outside every commune."""
        found = np.full(len(geometries), None, dtype=object)
        wanted = np.flatnonzero(~shapely.is_missing(geometries))
        covered = self.territory.covered
        if not len(wanted) or covered.empty:
            return found
        points = drawing_points(geometries[wanted])
        # The communes ask the tree of points, not each point the tree of communes: a commune's
        # boundary (thousands of vertices) is then prepared once, not tested afresh per point.
        hits, inputs = shapely.STRtree(points).query(covered.geometry.values, predicate="covers")
        order = np.lexsort((hits, inputs))  # by point, then commune: a point's first commune first
        inputs, hits = inputs[order], hits[order]
        first = np.r_[True, inputs[1:] != inputs[:-1]]
        found[wanted[inputs[first]]] = covered["insee"].to_numpy(dtype=object)[hits[first]]
        return found

    def _places(self, record: dict, geometries: np.ndarray, problems, stage: int) -> None:
        if self.spec.place == "named":
            for row in range(len(geometries)):
                found: list = []
                pair = {"commune_insee": record["commune_insee"][row], "name": record["name"][row]}
                self._commune_by_code_or_name(pair, found)
                record["commune_insee"][row] = pair["commune_insee"]
                problems.add_row(row, stage, found)
            return
        if not self.spec.place:
            return
        inside = self._covering(geometries)
        shaped = ~shapely.is_missing(geometries)
        if self.spec.place == "covered":
            outside = np.flatnonzero(shaped & columns.none(inside))
            points = drawing_points(geometries[outside])
            for row, lon, lat in zip(outside.tolist(), shapely.get_x(points), shapely.get_y(points), strict=True):
                problems.add_row(row, stage, [(ERROR, text("outside_communes", lat=lat, lon=lon))])
            if len(outside) < shaped.sum():  # a row-by-row check names the commune of each row found
                record["commune_insee"] = inside
            return
        codes = record["commune_insee"]
        given = np.array([bool(code) for code in codes], dtype=bool)
        unknown = np.flatnonzero(shaped & given & ~np.isin(codes.astype(str), list(self.insee_codes)))
        for row in unknown.tolist():
            problems.add_row(row, stage, [(ERROR, text("commune_unknown", value=codes[row]))])
        filled = shaped & ~given & ~columns.none(inside)
        codes[filled] = inside[filled]

    def _commune_by_code_or_name(self, record: dict, problems: list) -> None:
        code = record.get("commune_insee")
        if code:
            if code not in self.insee_codes:
                problems.append((ERROR, text("commune_unknown", value=code)))
            return
        name = record.get("name")
        if not name:
            problems.append((ERROR, text("required", field=text("commune_or_name"))))
            return
        stripped = str(name).strip()
        code = stripped if stripped in self.insee_codes else self.commune_names.get(values.normalise_name(name))
        if code is None:
            problems.append((ERROR, text("commune_unknown", value=name)))
        record["commune_insee"] = code

    def _keys(self, record: dict, problems, stage: int, first_row: int) -> None:
        """A key met earlier in the file is refused (the layers that have keys are small)."""
        if not self.spec.key:
            return
        seen: dict = {}
        for row, key_values in enumerate(zip(*(record[name] for name in self.spec.key), strict=True)):
            key = self.spec.key_of(dict(zip(self.spec.key, key_values, strict=True)))
            if key is None:
                continue
            if key in seen:
                shown = key if isinstance(key, str) else " / ".join(map(str, key))
                problems.add_row(row, stage, [(ERROR, text("duplicate", value=shown, other=seen[key]))])
            else:
                seen[key] = row + first_row


_PARSERS = {
    "category": lambda self, v, p: self._matched("category", values.match_category, v, p),
    "severity": lambda self, v, p: self._matched("severity", values.match_severity, v, p),
    "status": lambda self, v, p: self._matched("status", values.match_status, v, p) or "nouvelle",
    "dispositif": lambda self, v, p: self._matched("dispositif", lambda x: values.match_prefix(x, DISPOSITIFS), v, p),
    "observed_on": lambda self, v, p: self._date(v, p),
    "since": lambda self, v, p: self._date(v, p),
    "shareable": lambda self, v, p: values.parse_bool(v),
    "approximate": lambda self, v, p: values.parse_bool(v),
    "population": lambda self, v, p: self._population(v, p),
    "commune_insee": lambda self, v, p: self._matched("insee", values.parse_insee, v, p),
}


def _checked_column(values: np.ndarray) -> pd.Series:
    """A column of the checked frame: text kept as Python str objects (what the commit reads: no
    copy into an Arrow string array and back), other values as pandas infers them."""
    if values.dtype != object:
        return pd.Series(values)
    column = pd.Series(values, dtype=object)
    return column if columns.is_text(values) else column.infer_objects()


def cell(value):
    """A file's cell as a plain Python value; None for blanks and missing values."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, np.generic):
        return value.item()
    return value
