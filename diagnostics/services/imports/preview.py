"""Previewing an import: read the file (refused before parsing when too large or not what its
name says; parsed in a child process), reproject it to WGS84, recognise its columns, check every
row, and tell for each valid row what importing would do (ajout, mise à jour, inchangé). Nothing
is written."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import config, values
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.models import Commune
from diagnostics.services import territory
from diagnostics.services._frames import geometry_as_wkb, read_frame
from diagnostics.services.imports import features, submissions
from diagnostics.services.imports.rows import FIXED, REJECTED, WARNING, RowChecker, RowIssue, Territory
from diagnostics.services.imports.specs import FIELD_LABELS, FIELDS, LAYERS, SPECS, LayerSpec
from diagnostics.texts import imports_text as text

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
ADDED, UPDATED, UNCHANGED = "ajout", "mise à jour", "inchangé"
OVERLAP_SHARE = 0.05  # a new commune covering this share of an existing one is probably a merger


class ImportRefused(DiagnosticsError):
    """The import wrote nothing; the message says why, in French."""


@dataclass
class ImportPreview:
    layer: str
    source_name: str
    fmt: str
    source_crs: str
    digest: str
    frame: gpd.GeoDataFrame  # one row per feature: ligne, statut, action, fields, geometry (WGS84)
    issues: list[RowIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole file (CRS assumed, columns)
    columns: dict[str, str] = field(default_factory=dict)  # field → column of the file
    file_columns: list[str] = field(default_factory=list)  # every attribute column of the file
    sheets: list[str] = field(default_factory=list)  # a workbook's sheets (the first is read by default)
    sheet: str | None = None  # the sheet read, for a workbook

    @property
    def rejected(self) -> int:
        return int((self.frame["statut"] == REJECTED).sum())

    @property
    def valid(self) -> int:
        return len(self.frame) - self.rejected

    def action_counts(self) -> dict[str, int]:
        actions = self.frame["action"] if len(self.frame) else pd.Series([], dtype=str)
        return {action: int((actions == action).sum()) for action in (ADDED, UPDATED, UNCHANGED)}

    def summary(self) -> str:
        return text(
            "summary",
            layer=LAYERS[self.layer],
            count=len(self.frame),
            name=self.source_name,
            format=files.FORMAT_LABELS[self.fmt],
            crs=self.source_crs,
            valid=self.valid,
            fixed=int((self.frame["statut"] == FIXED).sum()),
            rejected=self.rejected,
        )

    def actions(self) -> str:
        counts = self.action_counts()
        return text("actions", added=counts[ADDED], updated=counts[UPDATED], same=counts[UNCHANGED])

    def report(self) -> str:
        return "\n".join([self.summary(), self.actions(), *self.notes, *(str(issue) for issue in self.issues)])


def preview_import(
    db: Database,
    actor: Actor,
    layer: str,
    path: Path,
    *,
    name: str | None = None,
    crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    position: Mapping[str, str] | None = None,
    sheet: str | None = None,
    today: dt.date | None = None,
    keep_track_times: bool = False,
) -> ImportPreview:
    """Read and check `path` for `layer`; write nothing.

    `name` is the file's original name (uploads live in temporary files); `crs` overrides the
    file's coordinate system; `columns` maps fields to the file's columns where names are not
    recognised; `position` names CSV position columns (`x`, `y` or `wkt`); `sheet` is the sheet
    of a workbook to read (else its first); `keep_track_times`
    keeps when each GPX track began and ended (the team's choice: dropped otherwise).
    """
    require(actor, "manage_reference")
    if layer not in SPECS:
        raise DiagnosticsError(text("layer_unknown", value=layer, choices=", ".join(LAYERS)))
    spec = SPECS[layer]
    name = name or path.name
    fmt = files.check_file(path, max_bytes=config.import_max_bytes(), name=name)
    if sheet and fmt not in files.SPREADSHEETS:
        raise ImportRefused(text("sheet_option"))
    options = _read_options(spec, fmt, crs, position) | ({"sheet": sheet} if sheet else {})
    if fmt == "gpx":
        options["keep_times"] = keep_track_times
    raw, read_notes = files.read_upload(path, fmt, **options)
    if raw.empty:
        raise ImportRefused(text("empty"))
    raw = features.named_descriptions(raw, spec, fmt)
    sheets = list(raw.attrs.get("sheets", []))
    digest = _digest(path, sheet if sheets and sheet != sheets[0] else None)
    notes = list(read_notes)
    raw = _with_crs(raw, crs, notes)
    file_columns = [str(c) for c in raw.columns.drop(raw.geometry.name)]
    mapping = _column_mapping(spec, file_columns, columns or {})
    where = "ligne" if fmt in files.TABLES else "objet"
    with db.session() as session:
        place = _territory(session)
        checker = RowChecker(layer, spec, place, raw.crs, today or dt.date.today(), where)
        frame, issues = checker.check(raw, mapping, first_row=2 if fmt in files.TABLES else 1)
        frame = frame if len(frame) else _empty_frame(layer)
        existing = _existing(session, spec)
        issues += _mark_actions(spec, frame, existing, set(mapping), place.communes, where)
        issues += submissions.mark_known(session, frame, where)
    missing = [FIELD_LABELS[f] for f in spec.fields if f not in mapping and f not in spec.key and f != "name"]
    if spec.key and missing and existing:
        notes.append(text("fields_kept", fields=", ".join(missing)))
    issues.sort(key=lambda issue: issue.row)
    return ImportPreview(
        layer=layer,
        source_name=Path(name).name,
        fmt=fmt,
        source_crs=_crs_label(raw.crs),
        digest=digest,
        frame=frame,
        issues=issues,
        notes=notes,
        columns=mapping,
        file_columns=file_columns,
        sheets=sheets,
        sheet=(sheet or sheets[0]) if sheets else None,
    )


def workbook_sheets(actor: Actor, path: Path, *, name: str | None = None) -> list[str]:
    """The sheets of an uploaded workbook (.xlsx, .ods), listed by the import child; [] for
    another format. For the page's sheet picker, before a sheet is read."""
    require(actor, "manage_reference")
    fmt = files.check_file(path, max_bytes=config.import_max_bytes(), name=name or path.name)
    if fmt not in files.SPREADSHEETS:
        return []
    raw, _ = files.read_upload(path, fmt, sheets_only=True, max_uncompressed=10 * config.import_max_bytes())
    return list(raw.attrs.get("sheets", []))


def _digest(path: Path, sheet: str | None) -> str:
    """The file's SHA-256; with the sheet's name for another sheet than the first, so that each
    sheet of a workbook is imported once."""
    digest = hashlib.sha256(path.read_bytes())
    if sheet:
        digest.update(b"\x00sheet:" + sheet.encode("utf-8"))
    return digest.hexdigest()


def _read_options(spec: LayerSpec, fmt: str, crs: str | None, position: Mapping[str, str] | None) -> dict:
    options = dict(position or {}) if fmt in files.TABLES else {}
    if fmt in ("shp", "kmz", *files.SPREADSHEETS):
        options["max_uncompressed"] = 10 * config.import_max_bytes()
    if fmt in files.TABLES and not spec.geometry_kinds:
        options["require_position"] = False
    if fmt in files.TABLES and crs:
        options["crs"] = _crs(crs).to_string()
    return options


def _territory(session: Session) -> Territory:
    statement = select(Commune.insee, Commune.name, Commune.department, geometry_as_wkb(Commune.geom))
    communes = read_frame(session, statement.order_by(Commune.insee))
    covered = communes[communes["department"].isin(config.departments())]
    return Territory(communes, covered, territory.covered_bounds(session, config.departments()))


def _existing(session: Session, spec: LayerSpec) -> dict:
    """Key → the stored object's fields (and `geometry`), for the layers that have a key."""
    if not spec.key:
        return {}
    model = spec.model
    columns = {f: getattr(model, spec.column(f)) for f in spec.fields if hasattr(model, spec.column(f))}
    has_geometry = bool(spec.geometry_kinds)
    statement = select(*(c.label(f) for f, c in columns.items()))
    if has_geometry:
        frame = read_frame(session, statement.add_columns(geometry_as_wkb(model.geom)))
    else:
        frame = pd.DataFrame(session.execute(statement).mappings().all(), columns=list(columns))
    return {spec.key_of(record): record for record in frame.to_dict("records")}


def _mark_actions(spec: LayerSpec, frame, existing: dict, provided: set[str], communes, where: str) -> list[RowIssue]:
    """« ajout », « mise à jour » or « inchangé » for each valid row; warnings about communes."""
    if frame.empty:
        return []
    if not existing and spec.model is not Commune:  # every valid row is new (observations: always)
        frame["action"] = np.where(frame["statut"].to_numpy() == REJECTED, "", ADDED).astype(object)
        return []
    actions, warnings = [], []
    compared = [f for f in spec.fields if f not in spec.key and (f in provided or f == "commune_insee")]
    for record in frame.to_dict("records"):
        if record["statut"] == REJECTED:
            actions.append("")
            continue
        before = existing.get(spec.key_of(record))
        if before is None:
            actions.append(ADDED)
            if spec.model is Commune:
                warnings += _overlaps(record, communes, where)
            continue
        changed = [f for f in compared if record.get(f) is not None and record.get(f) != before.get(f)]
        geometry = record.get("geometry")
        if geometry is not None and not shapely.equals_exact(geometry, before["geometry"], tolerance=1e-9):
            changed.append("geometry")
        actions.append(UPDATED if changed else UNCHANGED)
        if spec.model is Commune and "name" in changed:
            warnings.append(
                RowIssue(
                    record["ligne"],
                    WARNING,
                    text("commune_renamed", insee=record["commune_insee"], old=before["name"], new=record["name"]),
                    where,
                )
            )
    frame["action"] = actions
    return warnings


def _overlaps(record: dict, communes: gpd.GeoDataFrame, where: str) -> list[RowIssue]:
    geometry = record.get("geometry")
    if geometry is None or communes.empty:
        return []
    candidates = communes.iloc[communes.sindex.query(geometry, predicate="intersects")]
    names = [
        f"{row.name} ({row.insee})"
        for row in candidates.itertuples()
        if row.geometry.area and row.geometry.intersection(geometry).area / row.geometry.area >= OVERLAP_SHARE
    ]
    if not names:
        return []
    return [RowIssue(record["ligne"], WARNING, text("commune_overlaps", names=", ".join(names[:5])), where)]


def columns_to_map(layer: str, preview: ImportPreview) -> list[str]:
    """Required fields the file's columns did not provide (for the page's column picker)."""
    spec = SPECS[layer]
    return [name for name in spec.required if name not in preview.columns and name not in spec.derived]


def _empty_frame(layer: str) -> gpd.GeoDataFrame:
    columns = ["ligne", "statut", "action", *FIELDS[layer]]
    return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def _crs(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except Exception:  # pyproj.exceptions.CRSError and friends
        raise ImportRefused(text("crs_unknown", value=value)) from None


def _with_crs(raw: gpd.GeoDataFrame, crs: str | None, notes: list[str]) -> gpd.GeoDataFrame:
    if crs:
        return raw.set_crs(_crs(crs), allow_override=True)
    if raw.crs is not None:
        return raw
    guess = _guess_crs(raw)
    notes.append(text("crs_missing", guess=_crs_label(CRS.from_user_input(guess))))
    return raw.set_crs(guess)


def _guess_crs(raw: gpd.GeoDataFrame) -> str:
    bounds = raw.geometry.dropna()
    if bounds.empty:
        return WGS84
    west, south, east, north = bounds.total_bounds
    return WGS84 if max(abs(west), abs(east)) <= 180 and max(abs(south), abs(north)) <= 90 else LAMBERT93


def _crs_label(crs) -> str:
    if crs is None:
        return "système inconnu"
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    known = {4326: "WGS84", 2154: "Lambert-93"}
    return f"{known.get(epsg, crs.name)} (EPSG:{epsg})" if epsg else crs.name


def _column_mapping(spec: LayerSpec, columns: list[str], given: Mapping[str, str]) -> dict[str, str]:
    """Field → column: what the user said first, then recognised names."""
    by_name = {values.normalise_name(c): c for c in columns}
    mapping = {f: c for f, c in given.items() if c in columns and f in spec.fields}
    taken = set(mapping.values())
    for name in spec.fields:
        if name in mapping:
            continue
        found = next((by_name[a] for a in spec.aliases(name) if a in by_name and by_name[a] not in taken), None)
        if found is not None:
            mapping[name] = found
            taken.add(found)
    return mapping
