"""Checking one row of an imported file: its attributes (parsed and matched to codes), its
commune, its key (no duplicate in the file). Geometry checks live in `shapes`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from diagnostics import values
from diagnostics.services.dispositifs import KINDS as DISPOSITIFS
from diagnostics.services.imports.shapes import ERROR, REPAIRED, ShapeChecker
from diagnostics.services.imports.specs import FIELD_LABELS, LayerSpec, text_limit
from diagnostics.texts import imports_text as text

WARNING = "avertissement"
VALID, FIXED, REJECTED = "valide", "réparée", "rejetée"
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

    def check(self, raw: gpd.GeoDataFrame, mapping: dict[str, str], first_row: int):
        geometries = raw.geometry.values
        projected = self.shapes.reprojected(raw) if self.spec.geometry_kinds else [None] * len(raw)
        table = raw[list(dict.fromkeys(mapping.values()))] if mapping else pd.DataFrame(index=raw.index)
        checked = []
        for position, cells in enumerate(table.itertuples(index=False, name=None)):
            problems: list[tuple[str, str]] = []
            by_column = dict(zip(table.columns, cells, strict=True))
            record = self._fields({name: cell(by_column[column]) for name, column in mapping.items()}, problems)
            geometry = None
            if self.spec.geometry_kinds:
                geometry = self.shapes.check(geometries[position], projected[position], problems)
            checked.append((record, geometry, problems))
        # The commune of every shape at once (one spatial index query, not one scan per row).
        covering = self._covering([geometry for _, geometry, _ in checked]) if self.spec.place else []
        rows, issues, seen = [], [], {}
        for position, (record, geometry, problems) in enumerate(checked):
            number = position + first_row
            self._place(record, geometry, problems, covering[position] if covering else None)
            self._unique(record, number, seen, problems)
            issues.extend(RowIssue(number, level, message, self.where) for level, message in problems)
            levels = {level for level, _ in problems}
            status = REJECTED if ERROR in levels else FIXED if REPAIRED in levels else VALID
            rows.append({"ligne": number, "statut": status, "action": "", **record, "geometry": geometry})
        return rows, issues

    # attributes

    def _fields(self, found: dict, problems: list) -> dict:
        record = {name: None for name in self.spec.fields}
        for name in self.spec.fields:
            value = found.get(name)
            if value is None:
                if name in self.spec.required and name not in self.spec.derived:
                    problems.append((ERROR, text("required", field=FIELD_LABELS[name])))
                continue
            parser = _PARSERS.get(name)
            record[name] = parser(self, value, problems) if parser else self._text(name, value, problems)
        return record

    def _text(self, name: str, value, problems: list) -> str:
        shown = value.isoformat() if hasattr(value, "isoformat") else str(value)
        shown = values.clean_text(shown) if name in NAME_FIELDS else shown.replace("\x00", "")
        limit = text_limit(self.spec, name)
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

    def _covering(self, geometries: list) -> list[str | None]:
        """For each shape, the first covered commune (by INSEE code) covering its point on
        surface; None for no shape or outside every commune."""
        found: list[str | None] = [None] * len(geometries)
        wanted = [i for i, geometry in enumerate(geometries) if geometry is not None]
        covered = self.territory.covered
        if not wanted or covered.empty:
            return found
        points = shapely.point_on_surface(np.array([geometries[i] for i in wanted], dtype=object))
        inputs, hits = shapely.STRtree(covered.geometry.values).query(points, predicate="covered_by")
        codes = covered["insee"].to_numpy()
        first: dict[int, int] = {}
        for point, hit in zip(inputs.tolist(), hits.tolist(), strict=True):
            if hit < first.get(point, len(codes)):
                first[point] = hit
        for point, hit in first.items():
            found[wanted[point]] = codes[hit]
        return found

    def _place(self, record: dict, geometry: BaseGeometry | None, problems: list, inside: str | None) -> None:
        if self.spec.place == "named":
            self._commune_by_code_or_name(record, problems)
            return
        if geometry is None or not self.spec.place:
            return
        if self.spec.place == "covered":
            if inside is None:
                point = geometry.representative_point()
                problems.append((ERROR, text("outside_communes", lat=point.y, lon=point.x)))
            else:
                record["commune_insee"] = inside
            return
        code = record.get("commune_insee")
        if code and code not in self.insee_codes:
            problems.append((ERROR, text("commune_unknown", value=code)))
        elif not code and inside is not None:
            record["commune_insee"] = inside

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

    def _unique(self, record: dict, number: int, seen: dict, problems: list) -> None:
        key = self.spec.key_of(record)
        if key is None:
            return
        if key in seen:
            shown = key if isinstance(key, str) else " / ".join(map(str, key))
            problems.append((ERROR, text("duplicate", value=shown, other=seen[key])))
        else:
            seen[key] = number


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
