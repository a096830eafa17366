"""Writing a previewed import: every valid row in one transaction, or nothing when a row was
rejected (unless the user chose to keep the valid rows). Objects already in the database get only
the fields the file provides; the rest stay as they are.

Imported observations need a diagnostic: each import creates one « import » diagnostic per
commune, for the team the importer chooses, dated by its first observation, with the file's
name as place and a reference made of the file's digest (the same file cannot be imported twice,
not even by two imports at the same moment: the reference is unique in the database). From
`BULK_ROWS` observations on, the rows go through diagnostics.bulk rather than the ORM: the same
rows, checks and transaction, several times faster.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from diagnostics import bulk
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import DatabaseUnavailable
from diagnostics.io import files
from diagnostics.models import SRID, CommuneDispositif, Diagnostic, Observation, Team, utcnow
from diagnostics.redaction import SHAREABLE_FIELDS, encode_shared_fields
from diagnostics.services import audit, reference_edits
from diagnostics.services.imports import submissions
from diagnostics.services.imports.preview import ImportPreview, ImportRefused
from diagnostics.services.imports.rows import REJECTED
from diagnostics.services.imports.shapes import drawing_points
from diagnostics.services.imports.specs import LAYERS, SPECS, LayerSpec
from diagnostics.texts import imports_text as text

# From this many observations, an import writes them through diagnostics.bulk (COPY on PostGIS),
# in the same transaction as its diagnostics and audit events.
BULK_ROWS = 5_000


@dataclass(frozen=True)
class ImportResult:
    layer: str
    added: int
    updated: int
    skipped: int  # rejected rows left out (keep_valid)
    unchanged: int = 0

    def __str__(self) -> str:
        return text(
            "result",
            layer=LAYERS[self.layer],
            added=self.added,
            updated=self.updated,
            same=self.unchanged,
            skipped=self.skipped,
        )


def commit_import(
    db: Database, actor: Actor, preview: ImportPreview, *, keep_valid: bool = False, team_id: int | None = None
) -> ImportResult:
    """Write the previewed rows in one transaction; nothing when a row was rejected (unless
    `keep_valid`). Observations need `team_id`: the team their import diagnostics belong to."""
    require(actor, "manage_reference")
    if preview.rejected and not keep_valid:
        raise ImportRefused(text("refused", count=preview.rejected, valid=preview.valid))
    rows = preview.frame[preview.frame["statut"] != REJECTED]
    if rows.empty:
        raise ImportRefused(text("nothing"))
    try:
        with db.session() as session:
            counts = _WRITERS.get(preview.layer, _reference)(session, actor, preview, rows, team_id)
            result = ImportResult(preview.layer, counts[0], counts[1], preview.rejected, counts[2])
            audit.record(
                session,
                actor,
                "import",
                entity=preview.layer,
                detail=f"{preview.source_name} ({preview.fmt}, sha256 {preview.digest[:12]}) : {result}",
            )
    except IntegrityError as exc:  # another import of the same file (or names) won the race
        _refuse_if_imported(db, preview)
        raise ImportRefused(text("already_imported_now")) from exc
    except DatabaseUnavailable:  # SQLite: the other import held the lock; say so if it was this file
        if preview.layer == "observations":
            _refuse_if_imported(db, preview)
        raise
    return result


def _records(rows: pd.DataFrame) -> list[dict]:
    """The rows as dicts of plain values (None for missing ones), for the row-by-row writers."""
    return [
        {k: (None if v is pd.NaT or (isinstance(v, float) and np.isnan(v)) else v) for k, v in record.items()}
        for record in rows.to_dict("records")
    ]


def _prefix(preview: ImportPreview) -> str:
    return f"import-{preview.digest[:12]}-"


def _refuse_if_imported(db_or_session, preview: ImportPreview) -> None:
    def check(session: Session) -> None:
        statement = select(Diagnostic.reference).where(Diagnostic.reference.like(_prefix(preview) + "%"))
        earlier = session.scalar(statement.limit(1))
        if earlier:
            raise ImportRefused(text("already_imported", reference=earlier))

    if isinstance(db_or_session, Session):
        check(db_or_session)
    else:
        with db_or_session.session() as session:
            check(session)


def _observations(session: Session, actor: Actor, preview: ImportPreview, rows: pd.DataFrame, team_id):
    if not team_id:
        raise ImportRefused(text("team_required"))
    if session.get(Team, team_id) is None:
        raise ImportRefused(text("team_unknown"))
    _refuse_if_imported(session, preview)
    new = rows[rows["action"] != submissions.UNCHANGED].sort_values("commune_insee", kind="stable")
    communes = new["commune_insee"].to_numpy(dtype=object)
    starts = np.flatnonzero(np.r_[True, communes[1:] != communes[:-1]]) if len(new) else np.zeros(0, dtype=int)
    ends = np.r_[starts[1:], len(new)] if len(new) else starts
    days = new["observed_on"].to_numpy(dtype=object)
    label = files.FORMAT_LABELS[preview.fmt]
    diagnostics = [
        Diagnostic(
            reference=_prefix(preview) + communes[start],
            team_id=team_id,
            commune_insee=communes[start],
            place=text("import_place", name=preview.source_name)[: Diagnostic.place.type.length],
            visited_on=min(days[start:end]),
            context=text("import_context", name=preview.source_name, format=label),
            author=actor.login,
        )
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True)
    ]
    session.add_all(diagnostics)
    session.flush()  # once for every commune: their ids
    for diagnostic in diagnostics:
        audit.record(session, actor, "create", entity="diagnostic", entity_id=diagnostic.id, detail="import")
    ids = np.repeat(np.array([d.id for d in diagnostics], dtype=np.int64), ends - starts)
    if len(new) >= BULK_ROWS:
        _write_in_bulk(session, actor, ids, new)
        return len(new), 0, len(rows) - len(new)
    for diagnostic_id, record in zip(ids.tolist(), _records(new), strict=True):
        session.add(
            Observation(
                diagnostic_id=diagnostic_id,
                commune_insee=record["commune_insee"],
                observed_on=record["observed_on"],
                category=record["category"],
                severity=int(record["severity"]),
                status=record.get("status") or "nouvelle",
                description=record.get("description") or "",
                recommendation=record.get("recommendation") or "",
                partner=record.get("partner") or "",
                shareable=bool(record.get("shareable")),
                author=actor.login,
                geom=from_shape(record["geometry"], srid=SRID),
                form_token=submissions.token(record.get("import_key")),
            )
        )
    session.flush()
    return len(new), 0, len(rows) - len(new)


def _write_in_bulk(session: Session, actor: Actor, ids: np.ndarray, rows: pd.DataFrame) -> None:
    """The rows of a large import through diagnostics.bulk (COPY on PostGIS), column by column,
    in the same order and with the same values as the ORM path above (its listeners' work done
    here: the drawing point on the shape, every text field shared when the row is shareable)."""
    geometries = np.asarray(rows.geometry.values, dtype=object)
    points = drawing_points(geometries)
    shareable = np.array([bool(v) for v in _cells(rows, "shareable")], dtype=bool)
    now = utcnow()
    columns = {
        "diagnostic_id": ids,
        "commune_insee": _cells(rows, "commune_insee"),
        "observed_on": _cells(rows, "observed_on"),
        "category": _cells(rows, "category"),
        "severity": rows["severity"].to_numpy().astype(np.int64),
        "status": _cells(rows, "status", "nouvelle"),
        "description": _cells(rows, "description", ""),
        "recommendation": _cells(rows, "recommendation", ""),
        "partner": _cells(rows, "partner", ""),
        "shareable": shareable,
        "shared_fields": np.where(shareable, encode_shared_fields(SHAREABLE_FIELDS), "").astype(object),
        "author": actor.login,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "form_token": submissions.tokens(_cells(rows, "import_key")),
    }
    # Points are their own drawing points: the writer makes them from lon/lat (no WKB per row).
    shaped = None if (shapely.get_type_id(geometries) == 0).all() else geometries
    bulk.write_observations(session, columns, shapely.get_x(points), shapely.get_y(points), geometries=shaped)


def _cells(rows: pd.DataFrame, name: str, default=None) -> np.ndarray:
    """A column's values (None for missing ones; `default` for missing or empty ones when given)."""
    values = rows[name].to_numpy(dtype=object, na_value=None, copy=True)
    if default is not None:
        values[[not value for value in values]] = default
    return values


def _dispositifs(session: Session, actor: Actor, preview: ImportPreview, rows: pd.DataFrame, _team_id):
    records = _records(rows)
    existing = {(d.commune_insee, d.kind): d for d in session.scalars(select(CommuneDispositif))}
    provided = set(preview.columns)
    added = updated = unchanged = 0
    for record in records:
        key = (record["commune_insee"], record["dispositif"])
        row = existing.get(key)
        if row is None:
            values = {"since": record.get("since"), "source": record.get("source") or ""}
            row = CommuneDispositif(commune_insee=key[0], kind=key[1], **values)
            session.add(row)
            existing[key] = row
            added += 1
            audit.record(session, actor, "create", entity="dispositif", entity_id="/".join(key), after=values)
            continue
        values = {f: record.get(f) for f in ("since", "source") if f in provided and record.get(f) is not None}
        before = {f: getattr(row, f) for f in values}
        changed = {f: v for f, v in values.items() if before[f] != v}
        if not changed:
            unchanged += 1
            continue
        for name, value in changed.items():
            setattr(row, name, value)
        updated += 1
        audit.record(
            session, actor, "update", entity="dispositif", entity_id="/".join(key), before=before, after=changed
        )
    session.flush()
    return added, updated, unchanged


def _reference(session: Session, actor: Actor, preview: ImportPreview, rows: pd.DataFrame, _team_id):
    records = _records(rows)
    spec = SPECS[preview.layer]
    provided = set(preview.columns)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    key_field = spec.key[0]
    for record in records:
        key = record[key_field]
        exists = session.scalar(select(spec.model).where(getattr(spec.model, spec.column(key_field)) == key))
        attributes = _changes(spec, record, provided) if exists else _new_attributes(spec, preview, record)
        outcome = reference_edits.upsert(
            session, actor, preview.layer, key, attributes, record["geometry"], action="import"
        )
        counts[outcome] += 1
    session.flush()
    return counts["added"], counts["updated"], counts["unchanged"]


def _new_attributes(spec: LayerSpec, preview: ImportPreview, record: dict) -> dict:
    """Every attribute of a new object: the file's values, else the layer's defaults."""
    if preview.layer == "communes":
        return {
            "name": record["name"],
            "department": record.get("department") or record["commune_insee"][:2],
            "population": record.get("population") or 0,
        }
    attributes = {name: record.get(name) for name in spec.fields if name != "name"}
    attributes["source"] = attributes.get("source") or f"import : {preview.source_name}"
    attributes["approximate"] = bool(attributes.get("approximate"))
    for name in ("kind", "unit", "schedule"):
        if name in attributes and attributes[name] is None:
            attributes[name] = ""
    if "kind" in attributes and not attributes["kind"]:
        attributes["kind"] = spec.default_kind
    return attributes


def _changes(spec: LayerSpec, record: dict, provided: set[str]) -> dict:
    """Only what the file provides (and the commune found from the shape): the rest is kept."""
    names = [n for n in spec.fields if n not in spec.key and n in provided]
    if "commune_insee" in spec.fields and "commune_insee" not in spec.key:
        names.append("commune_insee")
    changes = {}
    for name in dict.fromkeys(names):
        value = record.get(name)
        if value is not None:
            changes[name] = value
    return changes


_WRITERS = {"observations": _observations, "dispositifs": _dispositifs}
