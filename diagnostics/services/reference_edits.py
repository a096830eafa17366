"""Changing reference layers one object at a time: patrol zones, sectors and sites drawn on the
map, and objects imported from files. Every change keeps a version (`reference_changes`: the
geometry as WKT and the attributes, before and after, who and when) and an audit event, in the
same transaction. Only administrators (`manage_reference`) change reference layers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import delete as sa_delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import config, limits, values
from diagnostics.auth import Actor, require
from diagnostics.camera_models import Camera
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.models import SRID, Commune, PatrolZone, ReferenceChange, Sector, Site
from diagnostics.services import audit, territory
from diagnostics.services._frames import geometry_as_wkb
from diagnostics.texts import imports_text as text

EDITABLE = {"zones": "Zone de patrouille", "sectors": "Secteur", "sites": "Site"}
_MODELS = {"zones": PatrolZone, "sectors": Sector, "sites": Site, "communes": Commune}
_KEYS = {"zones": "name", "sectors": "name", "sites": "name", "communes": "insee"}
ATTRIBUTES = {
    "zones": ("unit", "kind", "schedule", "commune_insee", "source", "approximate"),
    "sectors": ("kind", "commune_insee", "source", "approximate"),
    "sites": ("kind", "commune_insee", "address", "source", "approximate"),
    "communes": ("name", "department", "population"),
}


def upsert(
    session: Session,
    actor: Actor,
    layer: str,
    key: str,
    attributes: dict,
    geometry: BaseGeometry,
    *,
    action: str | None = None,
) -> str:
    """Add or change the object `key` of `layer` in the session's transaction: « added »,
    « updated » or « unchanged ». `attributes` on an existing object are the ones to change.

    Nothing is versioned when nothing changed (a second import of the same file is a no-op).
    """
    require(actor, "manage_reference")
    model = _MODELS[layer]
    key_column = getattr(model, _KEYS[layer])
    row = session.scalars(select(model).where(key_column == key)).first()
    if layer in ("zones", "sectors", "communes") and isinstance(geometry, Polygon):
        geometry = MultiPolygon([geometry])
    if row is None:
        row = model(**{_KEYS[layer]: key, **attributes, "geom": from_shape(geometry, srid=SRID)})
        session.add(row)
        session.flush()
        record_version(session, actor, layer, key, action or "create", None, None, geometry, attributes)
        return "added"
    before_geometry = _stored_geometry(session, model, key_column, key)
    before = {name: getattr(row, name) for name in attributes}
    changed = {name: value for name, value in attributes.items() if before[name] != value}
    same_shape = before_geometry is not None and shapely.equals_exact(before_geometry, geometry, tolerance=1e-9)
    if not changed and same_shape:
        return "unchanged"
    for name, value in changed.items():
        setattr(row, name, value)
    if not same_shape:
        row.geom = from_shape(geometry, srid=SRID)
    after = {**before, **changed}
    record_version(session, actor, layer, key, action or "update", before_geometry, before, geometry, after)
    return "updated"


def _stored_geometry(session: Session, model, key_column, key) -> BaseGeometry | None:
    wkb = session.scalar(select(geometry_as_wkb(model.geom)).where(key_column == key))
    return shapely.from_wkb(bytes(wkb)) if wkb is not None else None


def record_version(session, actor, layer, key, action, before_geometry, before, after_geometry, after) -> None:
    """A version (`reference_changes`) and its audit event, in the session's transaction."""
    session.add(
        ReferenceChange(
            actor=actor.login,
            layer=layer,
            object_key=str(key),
            action=action,
            before_wkt=before_geometry.wkt if before_geometry is not None else None,
            after_wkt=after_geometry.wkt if after_geometry is not None else None,
            before_attributes=_json(before),
            after_attributes=_json(after),
        )
    )
    audit_action = {"import": "update" if before is not None else "create"}.get(action, action)
    audit.record(
        session,
        actor,
        audit_action,
        entity=layer,
        entity_id=str(key)[:40],
        before=None if before is None else {**before, "wkt": before_geometry.wkt if before_geometry else None},
        after=None if after is None else {**after, "wkt": after_geometry.wkt if after_geometry else None},
        detail="import" if action == "import" else "",
    )


def _json(values: dict | None) -> str | None:
    return None if values is None else json.dumps(values, ensure_ascii=False, default=str, sort_keys=True)


# --- Drawing on the map ---------------------------------------------------------------------


@dataclass
class ReferenceDraft:
    """A zone, sector or site as drawn and described on the admin page."""

    layer: str
    name: str
    geometry: BaseGeometry | None
    kind: str = ""
    unit: str = ""
    schedule: str = ""
    address: str = ""
    commune_insee: str | None = None
    source: str = "dessin sur la carte"
    approximate: bool = True


def save_drawn(db: Database, actor: Actor, draft: ReferenceDraft, *, original_name: str | None = None) -> bool:
    """Create (or, with `original_name`, change and possibly rename) a drawn object.

    Checks: a name, unique in its layer; a valid polygon (zones, sectors) or point (sites) inside
    the territory. Returns True when created. Raises ValidationError with French messages.
    """
    with db.session() as session:
        return save_drawn_in(session, actor, draft, original_name=original_name)


def save_drawn_in(
    session: Session, actor: Actor, draft: ReferenceDraft, *, original_name: str | None = None, more_errors=None
) -> bool:
    """`save_drawn` in the caller's transaction (a camera saves its site and itself in one);
    `more_errors` (field → message) are reported with the draft's own."""
    require(actor, "manage_reference")
    layer = draft.layer
    model = _MODELS[layer]
    name = values.clean_text(draft.name)
    errors = {**_draft_errors(session, draft, name, original_name), **(more_errors or {})}
    if errors:
        raise ValidationError(errors)
    attributes = {a: getattr(draft, a) for a in ATTRIBUTES[layer]}
    attributes["commune_insee"] = draft.commune_insee or _commune_at(session, draft.geometry)
    if original_name and original_name != name:
        row = session.scalars(select(model).where(model.name == original_name)).first()
        if row is None:
            raise NotFound(text("object_unknown", layer=EDITABLE[layer], key=original_name))
        _rename(session, actor, layer, row, original_name, name)
    return upsert(session, actor, layer, name, attributes, draft.geometry) == "added"


def _draft_errors(session: Session, draft: ReferenceDraft, name: str, original_name: str | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    model = _MODELS[draft.layer]
    limit = limits.limit(model, "name")
    if not name:
        errors["name"] = text("name_required")
    elif len(name) > limit:
        errors["name"] = text("name_too_long", length=len(name), limit=limit)
    elif name != original_name and session.scalar(select(model.id).where(model.name == name)) is not None:
        errors["name"] = text("name_taken", name=name)
    geometry = draft.geometry
    wanted = ("Point",) if draft.layer == "sites" else ("Polygon", "MultiPolygon")
    if geometry is None or geometry.is_empty or geometry.geom_type not in wanted:
        errors["geometry"] = text("point_required" if draft.layer == "sites" else "polygon_required")
    elif not geometry.is_valid:
        errors["geometry"] = text("geometry_invalid", reason=territory.invalid_reason(geometry))
    elif not territory.contains_geometry(session, config.departments(), geometry):
        errors["geometry"] = text("drawn_outside")
    texts = {a: getattr(draft, a) for a in ATTRIBUTES[draft.layer] if isinstance(getattr(draft, a, None), str)}
    errors.update(limits.too_long(model, texts))
    if draft.commune_insee and session.get(Commune, draft.commune_insee) is None:
        errors["commune_insee"] = text("drawn_commune_unknown", insee=draft.commune_insee)
    return errors


def _commune_at(session: Session, geometry: BaseGeometry) -> str | None:
    point = geometry.representative_point()
    return session.scalar(select(Commune.insee).where(Commune.geom.ST_Covers(from_shape(point, srid=SRID))).limit(1))


def _rename(session: Session, actor: Actor, layer: str, row, old: str, new: str) -> None:
    row.name = new
    session.flush()
    session.add(
        ReferenceChange(
            actor=actor.login,
            layer=layer,
            object_key=new,
            action="rename",
            before_attributes=_json({"name": old}),
            after_attributes=_json({"name": new}),
        )
    )
    audit.record(session, actor, "update", entity=layer, entity_id=new[:40], before={"name": old}, after={"name": new})


def delete_drawn(db: Database, actor: Actor, layer: str, name: str) -> None:
    require(actor, "manage_reference")
    model = _MODELS[layer]
    with db.session() as session:
        row = session.scalars(select(model).where(model.name == name)).first()
        if row is None:
            raise NotFound(text("object_unknown", layer=EDITABLE[layer], key=name))
        geometry = _stored_geometry(session, model, model.name, name)
        before = {a: getattr(row, a) for a in ATTRIBUTES[layer]}
        if layer == "sites":  # a camera's own row goes with its site (SQLite without foreign keys too)
            session.execute(sa_delete(Camera).where(Camera.site_id == row.id))
        session.delete(row)
        record_version(session, actor, layer, name, "delete", geometry, before, None, None)


HISTORY_COLUMNS = (
    "at",
    "actor",
    "layer",
    "object_key",
    "action",
    "before_attributes",
    "after_attributes",
    "before_wkt",
    "after_wkt",
)


def history(
    db: Database, actor: Actor, layer: str | None = None, key: str | None = None, limit: int = 500
) -> pd.DataFrame:
    """Versions of reference objects, newest first."""
    require(actor, "manage_reference")
    statement = select(*(getattr(ReferenceChange, c) for c in HISTORY_COLUMNS))
    if layer:
        statement = statement.where(ReferenceChange.layer == layer)
    if key:
        statement = statement.where(ReferenceChange.object_key == key)
    with db.session() as session:
        rows = session.execute(statement.order_by(ReferenceChange.id.desc()).limit(limit)).all()
    return pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
