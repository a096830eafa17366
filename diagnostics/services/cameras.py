"""Cameras of a centre de supervision urbain (issue 17): saving one (its site and its field of
view in one transaction, versioned like every reference object), reading them for the forces, and
the observations that no camera sees, asked of the database on both backends.

A camera is a site of kind ``camera`` (`sites`) and a row of `cameras`: bearing, angle, range,
owner (a partner: the commune) and field of view. The field of view is computed from the other
four (diagnostics.camera_geometry) unless an administrator drew it (`drawn`); it is kept when only
the name or the owner changes, and computed again when the position, bearing, angle or range does.

Camera positions are confidential: only the forces read them here (`command_map`,
`manage_reference`); what leaves the forces goes through `diagnostics.redaction`, which drops
cameras unless the recipient owns them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, exists, func, literal_column, not_, or_, select, text
from sqlalchemy.orm import Session

from diagnostics import camera_geometry, values
from diagnostics.auth import Actor, PermissionDenied, can, require
from diagnostics.camera_models import CAMERA_KIND, Camera
from diagnostics.db import Database
from diagnostics.models import SRID, Observation, Site
from diagnostics.partner_models import Partner
from diagnostics.redaction import CONFIDENTIAL_SITE_KINDS
from diagnostics.services import reference_edits
from diagnostics.services._frames import geometry_as_wkb, read_frame

MAX_RANGE_M = 2000
DRAWN_NEAR_M = 50  # a drawn field of view starts at most this far from its camera
DENIED = "Les caméras sont réservées aux forces de sécurité."
ERRORS = {
    "bearing": "Indiquez l'orientation en degrés depuis le nord (0 à 359).",
    "angle": "Indiquez l'angle de vue en degrés (1 à 360).",
    "range_m": f"Indiquez la portée en mètres (1 à {MAX_RANGE_M}).",
    "owner": "Propriétaire inconnu : choisissez un partenaire de la liste.",
    "field_of_view": "Le champ de vision dessiné doit être un polygone valide qui part de la caméra.",
}
ATTRIBUTES = ("bearing", "angle", "range_m", "owner_partner_id", "drawn")


@dataclass
class CameraDraft:
    """A camera as placed and described on the admin page (or in the demo data)."""

    name: str
    position: BaseGeometry | None  # a point, WGS84
    bearing: float
    angle: float
    range_m: float
    owner_partner_id: int | None = None
    address: str = ""
    source: str = "dessin sur la carte"
    approximate: bool = True
    field_of_view: BaseGeometry | None = None  # drawn by hand; None: computed (or the drawn one kept)


def save_camera(db: Database, actor: Actor, draft: CameraDraft, *, original_name: str | None = None) -> bool:
    """Create (or, with `original_name`, change and possibly rename) a camera; True when created.
    Raises ValidationError with French messages; nothing is written then."""
    with db.session() as session:
        return save_camera_in(session, actor, draft, original_name=original_name)


def save_camera_in(session: Session, actor: Actor, draft: CameraDraft, *, original_name: str | None = None) -> bool:
    require(actor, "manage_reference")
    name = values.clean_text(draft.name)
    old_position = _stored_position(session, original_name or name)
    site = reference_edits.ReferenceDraft(
        layer="sites",
        name=name,
        geometry=draft.position,
        kind=CAMERA_KIND,
        address=draft.address.strip() or None,
        source=draft.source,
        approximate=draft.approximate,
    )
    more_errors = _errors(session, draft)
    created = reference_edits.save_drawn_in(session, actor, site, original_name=original_name, more_errors=more_errors)
    session.flush()
    row = session.scalars(select(Site).where(Site.name == name)).one()
    camera = session.get(Camera, row.id)
    wanted = {
        "bearing": camera_geometry.normalised_bearing(draft.bearing),
        "angle": float(draft.angle),
        "range_m": float(draft.range_m),
        "owner_partner_id": draft.owner_partner_id,
    }
    before = None if camera is None else {a: getattr(camera, a) for a in ATTRIBUTES}
    before_view = None if camera is None else _stored_view(session, row.id)
    moved = old_position is None or not shapely.equals_exact(old_position, draft.position, tolerance=1e-9)
    same_shape = before is not None and all(before[a] == wanted[a] for a in ("bearing", "angle", "range_m"))
    if draft.field_of_view is not None:
        view, drawn = shapely.force_2d(draft.field_of_view), True
    elif before is not None and before["drawn"] and not moved and same_shape:
        view, drawn = before_view, True  # only the name or the owner changed: the drawing stays
    else:
        point = draft.position
        view = camera_geometry.field_of_view(point.x, point.y, wanted["bearing"], wanted["angle"], wanted["range_m"])
        drawn = False
    wanted["drawn"] = drawn
    changed = before is None or any(before[a] != wanted[a] for a in ATTRIBUTES)
    if not changed and before_view is not None and shapely.equals_exact(before_view, view, tolerance=1e-9):
        return created
    if camera is None:
        camera = Camera(site_id=row.id)
        session.add(camera)
    for attribute, value in wanted.items():
        setattr(camera, attribute, value)
    camera.field_of_view = from_shape(view, srid=SRID)
    action = "create" if before is None else "update"
    reference_edits.record_version(session, actor, "cameras", name, action, before_view, before, view, wanted)
    return created


def _stored_position(session: Session, name: str) -> BaseGeometry | None:
    wkb = session.scalar(select(geometry_as_wkb(Site.geom)).where(Site.name == name))
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def _errors(session: Session, draft: CameraDraft) -> dict[str, str]:
    errors = {}
    numbers = {
        "bearing": (draft.bearing, -1e9, 1e9),
        "angle": (draft.angle, 1, 360),
        "range_m": (draft.range_m, 1, MAX_RANGE_M),
    }
    for name, (value, low, high) in numbers.items():
        try:
            number = float(value)
        except (TypeError, ValueError):
            errors[name] = ERRORS[name]
            continue
        if not (low <= number <= high) or number != number:
            errors[name] = ERRORS[name]
    if draft.owner_partner_id is not None and session.get(Partner, draft.owner_partner_id) is None:
        errors["owner"] = ERRORS["owner"]
    view = draft.field_of_view
    if view is not None:
        position = draft.position
        near = position is not None and _metres_between(view, position) <= DRAWN_NEAR_M
        if not isinstance(view, Polygon) or not view.is_valid or view.is_empty or not near:
            errors["field_of_view"] = ERRORS["field_of_view"]
    return errors


def _metres_between(area: BaseGeometry, point: BaseGeometry) -> float:
    frame = gpd.GeoSeries([area, point], crs="EPSG:4326").to_crs("EPSG:2154")
    return float(frame.iloc[0].distance(frame.iloc[1]))


def _stored_view(session: Session, site_id: int) -> BaseGeometry | None:
    wkb = session.scalar(select(geometry_as_wkb(Camera.field_of_view)).where(Camera.site_id == site_id))
    return None if wkb is None else shapely.from_wkb(bytes(wkb))


def delete_camera(db: Database, actor: Actor, name: str) -> None:
    """Remove the camera and its site (versioned)."""
    reference_edits.delete_drawn(db, actor, "sites", name)


# --- Reading ---------------------------------------------------------------------------------


def require_forces(actor: Actor) -> None:
    if not (can(actor, "command_map") or can(actor, "manage_reference")):
        raise PermissionDenied(DENIED)


def cameras_frame(db: Database, actor: Actor) -> gpd.GeoDataFrame:
    """Every camera for the forces: its site (id, name, kind, commune, address, source,
    approximate, shareable), bearing, angle, range_m, owner (id and name), drawn, and
    `field_of_view` (a shapely polygon); the geometry is the camera's position."""
    require_forces(actor)
    statement = (
        select(
            Site.id,
            Site.name,
            Site.kind,
            Site.commune_insee,
            Site.address,
            Site.source,
            Site.approximate,
            Site.shareable,
            Camera.bearing,
            Camera.angle,
            Camera.range_m,
            Camera.owner_partner_id,
            Partner.name.label("owner_name"),
            Camera.drawn,
            func.ST_AsBinary(Camera.field_of_view).label("view_wkb"),
            geometry_as_wkb(Site.geom),
        )
        .join(Camera, Camera.site_id == Site.id)
        .outerjoin(Partner, Partner.id == Camera.owner_partner_id)
        .order_by(Site.name)
    )
    with db.session() as session:
        frame = read_frame(session, statement)
    frame["field_of_view"] = [shapely.from_wkb(bytes(v)) if v is not None else None for v in frame.pop("view_wkb")]
    return frame


def camera_owner_column():
    """A select item: the owner partner of a site that is a camera (NULL for other sites), so that
    `redaction.redact_reference_for_partners` can keep a camera for its owner."""
    return select(Camera.owner_partner_id).where(Camera.site_id == Site.id).scalar_subquery().label("owner_partner_id")


def sites_visible_to(partner_ids) -> object:
    """A condition on `sites` for a partner's read (the OGC feed): confidential sites only when
    one of `partner_ids` owns them. The same rule as the redaction of frames, in SQL, so that
    counts and pages are right."""
    owned = select(Camera.site_id).where(Camera.owner_partner_id.in_(tuple(partner_ids) or (-1,)))
    return or_(Site.kind.notin_(CONFIDENTIAL_SITE_KINDS), Site.id.in_(owned))


def uncovered_condition(session: Session):
    """A condition on `observations`: no camera's field of view meets the observation. Through
    the spatial index on both backends (SpatiaLite's SpatialIndex table, PostGIS's GiST)."""
    if session.get_bind().dialect.name == "sqlite":
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = 'cameras' "
            "AND f_geometry_column = 'field_of_view' AND search_frame = observations.geom"
        ).columns(rowid=literal_column("rowid").type)
        meets = and_(
            literal_column("cameras.rowid").in_(candidates),
            func.ST_Intersects(Camera.field_of_view, Observation.geom) == 1,
        )
    else:
        meets = func.ST_Intersects(Camera.field_of_view, Observation.geom)
    return not_(exists(select(literal_column("1")).select_from(Camera.__table__).where(meets)))


def commune_recipients(session: Session, actor: Actor, insee: str) -> tuple[int, ...]:
    """Who receives a commune's snapshot, as partner ids: a mayor's own partner, otherwise (a
    commandant exporting for the mayor, a mayor's account not linked to a partner) the commune's
    own partners (kind ``commune`` covering it).
    A camera owned by one of them appears on that commune's snapshot; no other camera does."""
    from diagnostics.auth import MAIRE
    from diagnostics.partner_models import PartnerCommune

    if actor.role == MAIRE and actor.partner_id is not None:
        return (actor.partner_id,)
    statement = (
        select(Partner.id)
        .join(PartnerCommune, PartnerCommune.partner_id == Partner.id)
        .where(PartnerCommune.commune_insee == insee, Partner.kind == "commune")
        .order_by(Partner.id)
    )
    return tuple(session.scalars(statement))


@dataclass(frozen=True)
class Uncovered:
    """An observation no camera sees (the agenda of a cellule, when the question is vidéoprotection)."""

    observation_id: int
    observed_on: object
    category: str
    severity: int
    status: str
    commune_insee: str


def uncovered_observations(
    session: Session, communes: tuple[str, ...], start, end, categories: tuple[str, ...] | None = None
) -> list[Uncovered]:
    """Observations of `communes` observed on or after `start` and before `end` (of `categories`
    when given) that meet no camera's field of view, the most serious first: one query."""
    statement = select(
        Observation.id,
        Observation.observed_on,
        Observation.category,
        Observation.severity,
        Observation.status,
        Observation.commune_insee,
    ).where(
        Observation.commune_insee.in_(communes),
        Observation.observed_on >= start,
        Observation.observed_on < end,
        uncovered_condition(session),
    )
    if categories:
        statement = statement.where(Observation.category.in_(categories))
    statement = statement.order_by(Observation.severity.desc(), Observation.observed_on, Observation.id)
    return [Uncovered(*row) for row in session.execute(statement)]
