"""The checks of field entry: a diagnostic's and an observation's fields, and where it lies.

Pure except `position_errors`, which reads the commune's boundary through the caller's open
`Session`. Each returns a French message per field; an empty dict means the input is valid.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from diagnostics import limits, taxonomy
from diagnostics.models import Diagnostic, Observation
from diagnostics.services.reference import commune_boundary, commune_name
from diagnostics.texts import t

if TYPE_CHECKING:
    from diagnostics.services.fieldwork import DiagnosticDraft, ObservationDraft

EARLIEST_DATE = dt.date(2000, 1, 1)
OBSERVATION_TEXTS = ("description", "recommendation", "partner")
DIAGNOSTIC_TEXTS = ("place", "participants", "context", "summary")


def diagnostic_errors(draft: DiagnosticDraft, today: dt.date) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.team_id:
        errors["team_id"] = t("team_required")
    if not draft.commune_insee:
        errors["commune_insee"] = t("commune_required")
    if not draft.place.strip():
        errors["place"] = t("place_required")
    if draft.visited_on is None:
        errors["visited_on"] = t("date_required")
    elif draft.visited_on > today:
        errors["visited_on"] = t("date_in_future", date=f"{draft.visited_on:%d/%m/%Y}")
    elif draft.visited_on < EARLIEST_DATE:
        errors["visited_on"] = t("date_too_old", date=f"{draft.visited_on:%d/%m/%Y}")
    errors.update(limits.too_long(Diagnostic, {name: getattr(draft, name) for name in DIAGNOSTIC_TEXTS}))
    return errors


def observation_field_errors(draft: ObservationDraft) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not draft.category or not taxonomy.is_category(draft.category):
        errors["category"] = t("category_required")
    if draft.severity not in taxonomy.SEVERITIES:
        errors["severity"] = t("severity_invalid")
    if not draft.description.strip():
        errors["description"] = t("description_required")
    errors.update(limits.too_long(Observation, {name: getattr(draft, name) for name in OBSERVATION_TEXTS}))
    return errors


def observation_geometry(draft: ObservationDraft) -> tuple[BaseGeometry | None, dict[str, str]]:
    """The drawn shape, or the point of the typed latitude and longitude; errors otherwise."""
    if draft.geometry is not None:
        if draft.geometry.is_empty or not draft.geometry.is_valid:
            return None, {"geometry": t("geometry_invalid")}
        return draft.geometry, {}
    if draft.latitude is None or draft.longitude is None:
        return None, {"position": t("position_required")}
    errors = {}
    if not _is_coordinate(draft.latitude, 90):
        errors["latitude"] = t("latitude_invalid")
    if not _is_coordinate(draft.longitude, 180):
        errors["longitude"] = t("longitude_invalid")
    if errors:
        return None, errors
    return Point(float(draft.longitude), float(draft.latitude)), {}


def position_errors(session: Session, insee: str, geometry: BaseGeometry) -> dict[str, str]:
    """A point must lie in the commune; a line or polygon must touch it."""
    boundary = commune_boundary(session, insee)
    inside = boundary.covers(geometry) if geometry.geom_type == "Point" else boundary.intersects(geometry)
    if inside:
        return {}
    point = geometry.representative_point()
    return {"position": t("outside_commune", lat=point.y, lon=point.x, commune=commune_name(session, insee))}


def _is_coordinate(value, most: float) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and -most <= number <= most
