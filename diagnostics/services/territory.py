"""The territory the application covers (Haute-Saône and Jura): its bounds, whether a shape lies
inside it, and the geometry checks that imports and drawings share (polygonal parts, the French
reason a shape is invalid)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics.db import Database
from diagnostics.models import Commune
from diagnostics.services._frames import geometry_as_wkb

Bounds = tuple[float, float, float, float]  # west, south, east, north (WGS84 degrees)

# Haute-Saône and Jura with a margin, when the database has no communes to measure them.
DEFAULT_BOUNDS: Bounds = (5.10, 46.10, 7.00, 48.20)
MARGIN = 0.1  # degrees

# GEOS's validity reasons (shapely.is_valid_reason) → what a person can act on.
_REASONS = {
    "Self-intersection": "le contour se recoupe",
    "Ring Self-intersection": "un anneau se touche lui-même",
    "Too few points": "trop peu de points",
    "Interior is disconnected": "l'intérieur est coupé en morceaux",
    "Hole lies outside shell": "un trou est hors du contour",
    "Nested holes": "trous imbriqués",
    "Nested shells": "contours imbriqués",
    "Duplicate Rings": "anneaux en double",
    "Ring is not closed": "le contour n'est pas fermé",
    "Invalid Coordinate": "coordonnée invalide",
}


def covered_bounds(session: Session, departments: tuple[str, ...]) -> Bounds:
    """The covered communes' bounds plus a margin (the same on SpatiaLite and PostGIS)."""
    rows = session.execute(
        select(geometry_as_wkb(func.ST_Envelope(Commune.geom))).where(Commune.department.in_(departments))
    ).all()
    if not rows:
        return DEFAULT_BOUNDS
    west, south, east, north = shapely.total_bounds(shapely.from_wkb([bytes(r[0]) for r in rows]))
    return (float(west) - MARGIN, float(south) - MARGIN, float(east) + MARGIN, float(north) + MARGIN)


def commune_bounds(db: Database, insee: Iterable[str]) -> dict[str, Bounds]:
    """{INSEE: (west, south, east, north)} of the known communes among `insee`."""
    codes = sorted(set(insee))
    with db.session() as session:
        rows = session.execute(
            select(Commune.insee, geometry_as_wkb(func.ST_Envelope(Commune.geom))).where(Commune.insee.in_(codes))
        ).all()
    return {code: tuple(float(v) for v in shapely.from_wkb(bytes(wkb)).bounds) for code, wkb in rows}


def inside(bounds, territory: Bounds) -> bool:
    """True when the box `bounds` (finite) lies within `territory`."""
    west, south, east, north = bounds
    tw, ts, te, tn = territory
    return bool(np.isfinite(bounds).all()) and tw <= west and east <= te and ts <= south and north <= tn


def contains_geometry(session: Session, departments: tuple[str, ...], geometry: BaseGeometry) -> bool:
    return inside(geometry.bounds, covered_bounds(session, departments))


def polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    """The polygonal part of a repaired shape, or None when repairing made something else of it."""
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        others = [g for g in geometry.geoms if g.geom_type not in ("Polygon", "MultiPolygon")]
        if parts and not others:
            return shapely.union_all(parts)
    return None


def single(geometry: BaseGeometry) -> BaseGeometry:
    """A multi-geometry of one part as that part (KML and shapefiles wrap single shapes)."""
    if geometry.geom_type.startswith("Multi") and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry


def invalid_reason(geometry: BaseGeometry) -> str:
    """Why GEOS finds `geometry` invalid, in French when the reason is a known one."""
    reason = shapely.is_valid_reason(geometry)
    for english, french in _REASONS.items():
        if reason.startswith(english):
            return french
    return reason
