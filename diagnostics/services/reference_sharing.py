"""Which patrol zones and sites partners may read in full (see `diagnostics.redaction`).

An administrator's decision, versioned in the audit log like every change of reference data.
"""

from __future__ import annotations

from sqlalchemy import select

from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.models import PatrolZone, Site
from diagnostics.services import audit

SHAREABLE_LAYERS = {"zones": PatrolZone, "sites": Site}


def set_shareable(db: Database, actor: Actor, layer: str, name: str, shareable: bool) -> bool:
    """Mark the zone or site called `name` as shareable with partners (or not); returns whether
    anything changed. Only administrators decide."""
    require(actor, "manage_reference")
    model = SHAREABLE_LAYERS.get(layer)
    if model is None:
        raise NotFound(f"Couche sans partage : {layer}")
    with db.session() as session:
        row = session.scalars(select(model).where(model.name == name)).first()
        if row is None:
            raise NotFound(f"Objet inconnu dans la couche {layer} : {name}")
        if bool(row.shareable) == shareable:
            return False
        row.shareable = shareable
        audit.record(
            session,
            actor,
            "update",
            entity=model.__tablename__,
            entity_id=row.id,
            before={"shareable": not shareable},
            after={"shareable": shareable},
            detail="partage avec les partenaires",
        )
    return True
