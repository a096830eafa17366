"""The field page's offline bundle: everything a team needs to record observations without network.

One JSON document the field page's service worker keeps: the team's communes (outlines, simplified),
the sectors, patrol zones and sites that lie in them, the diagnostics still open for the team, the
prevention grid, the taxonomy, the text limits (the same as every write path checks), partner
suggestions and the basemap. The team's communes are those of its open diagnostics, plus the ones
the agent asked to take along.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from diagnostics import config, limits, taxonomy
from diagnostics.auth import AGENT, Actor, require, writable_departments
from diagnostics.db import Database
from diagnostics.errors import PermissionDenied
from diagnostics.io import photos as photo_io
from diagnostics.models import SRID, Commune, Diagnostic, Observation, PatrolZone, Sector, Site, Team
from diagnostics.redaction import SHAREABLE_FIELDS
from diagnostics.services import audit, checklists, fieldwork
from diagnostics.services._frames import geometry_as_wkb
from diagnostics.texts import FR

MAX_COMMUNES = 12  # a team's working area; past it the bundle is no longer a phone's download
SIMPLIFY_DEGREES = 0.00003  # about 3 m: outlines stay faithful, the server checks the exact one
DECIMALS = 6  # about 0.1 m
PARTNER_SUGGESTIONS = 40
MAX_PHOTOS = 6  # per observation
# The server's own French messages, so the page says what the server would (placeholders in braces).
MESSAGES = (
    "category_required",
    "severity_invalid",
    "description_required",
    "team_required",
    "commune_required",
    "place_required",
    "date_required",
    "date_in_future",
    "text_too_long",
    "outside_commune",
)
NO_TEAM = "Votre compte n'est rattaché à aucune équipe : la saisie hors ligne est réservée aux équipes."


def require_field_actor(actor: Actor) -> None:
    """Who may use the field page: the roles of Saisie terrain; an agent must belong to a team."""
    require(actor, "record_diagnostic")
    if actor.role == AGENT and actor.team_id is None:
        raise PermissionDenied(NO_TEAM)


@audit.refusals_recorded
def field_bundle(db: Database, actor: Actor, *, extra_communes: Iterable[str] = ()) -> dict:
    """The bundle (a JSON-ready dict) for the actor's team and the communes asked for."""
    require_field_actor(actor)
    open_diagnostics = [d for d in fieldwork.list_diagnostics(db, actor) if not d.closed]
    _, grid = checklists.active_template(db)
    with db.session() as session:
        allowed = _commune_choices(session, actor)
        wanted = [d.commune_insee for d in open_diagnostics] + [c for c in extra_communes if c in allowed]
        insee = list(dict.fromkeys(wanted))[:MAX_COMMUNES]
        outlines = _outlines(session, insee)
        area = shapely.union_all([outline for _, _, outline in outlines]) if outlines else None
        return {
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "actor": {"login": actor.login, "label": actor.label, "role": actor.role},
            "teams": _teams(session, actor),
            "communes": _collection(_feature(o, {"insee": code, "name": name}) for code, name, o in outlines),
            "commune_choices": [{"insee": code, "label": label} for code, label in allowed.items()],
            "sectors": _layer(session, Sector, area, ("kind",)),
            "zones": _layer(session, PatrolZone, area, ("unit", "kind", "schedule")),
            "sites": _layer(session, Site, area, ("kind", "address")),
            "diagnostics": [_diagnostic(d) for d in open_diagnostics if d.commune_insee in insee],
            "grid": grid,
            "taxonomy": _taxonomy(),
            "shareable_fields": [{"code": code, "label": label} for code, label in SHAREABLE_FIELDS.items()],
            "limits": _limits(),
            "partners": _partner_suggestions(session, actor),
            "basemap": basemap(),
            "messages": {key: FR[key] for key in MESSAGES},
            "photos": {
                "max_side": photo_io.MAX_SIDE_PX,
                "max_bytes": photo_io.MAX_UPLOAD_BYTES,
                "max_count": MAX_PHOTOS,
            },
        }


def basemap() -> list[dict]:
    """The tile layers the server configures (PSQ_TILES), as Leaflet takes them. `offline`: the
    page may keep their tiles (the app's own tile file, an intranet server; never the internet's)."""
    return [_tile_layer(source) for source in config.tile_sources()]


def _tile_layer(source) -> dict:
    """A `diagnostics.tiles.sources.TileSource` as the field page's Leaflet takes it."""
    names = ("key", "name", "url", "attribution", "min_zoom", "max_native_zoom", "bounds")
    return {**{name: getattr(source, name) for name in names}, "offline": not source.online}


def _commune_choices(session: Session, actor: Actor) -> dict[str, str]:
    departments = writable_departments(actor) or config.departments()
    rows = session.execute(
        select(Commune.insee, Commune.name).where(Commune.department.in_(departments)).order_by(Commune.name)
    )
    return {code: f"{name} ({code})" for code, name in rows}


def _teams(session: Session, actor: Actor) -> list[dict]:
    statement = select(Team.id, Team.name).order_by(Team.name)
    if actor.role == AGENT:
        statement = statement.where(Team.id == actor.team_id)
    else:
        statement = statement.where(Team.department.in_(writable_departments(actor) or config.departments()))
    return [{"id": team_id, "name": name} for team_id, name in session.execute(statement)]


def _outlines(session: Session, insee: list[str]) -> list[tuple[str, str, BaseGeometry]]:
    """(INSEE, name, simplified outline) of the communes, by name."""
    if not insee:
        return []
    statement = select(Commune.insee, Commune.name, geometry_as_wkb(Commune.geom)).where(Commune.insee.in_(insee))
    rows = session.execute(statement.order_by(Commune.name))
    return [(code, name, _simplified(shapely.from_wkb(bytes(wkb)))) for code, name, wkb in rows]


def _simplified(geometry: BaseGeometry) -> BaseGeometry:
    simple = geometry.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    return shapely.set_precision(simple, 10**-DECIMALS) if not simple.is_empty else geometry


def _layer(session: Session, model, area: BaseGeometry | None, attributes: tuple[str, ...]) -> dict:
    """The layer's features that touch the communes (hand-drawn layers: a few dozen rows)."""
    if area is None:
        return _collection([])
    west, south, east, north = area.bounds
    make_box = func.BuildMbr if session.get_bind().dialect.name == "sqlite" else func.ST_MakeEnvelope
    columns = (model.name, *(getattr(model, a) for a in attributes), geometry_as_wkb(model.geom))
    statement = select(*columns).where(
        func.ST_Intersects(func.ST_Envelope(model.geom), make_box(west, south, east, north, SRID))
    )
    features = []
    for row in session.execute(statement.order_by(model.name)):
        geometry = shapely.from_wkb(bytes(row.wkb))
        if geometry.intersects(area):
            properties = {"name": row.name, **{a: getattr(row, a) or "" for a in attributes}}
            features.append(_feature(_simplified(geometry), properties))
    return _collection(features)


def _collection(features: Iterable[dict]) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(geometry: BaseGeometry, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def _diagnostic(summary: fieldwork.DiagnosticSummary) -> dict:
    return {
        "id": summary.id,
        "label": summary.label,
        "commune_insee": summary.commune_insee,
        "commune_name": summary.commune_name,
        "place": summary.place,
        "team": summary.team,
        "visited_on": summary.visited_on.isoformat(),
        "observation_count": summary.observation_count,
    }


def _taxonomy() -> dict:
    return {
        "categories": [{"code": c.code, "label": c.label, "color": c.color} for c in taxonomy.CATEGORIES],
        "severities": [
            {"level": level, "label": label, "color": taxonomy.SEVERITY_COLORS[level]}
            for level, label in taxonomy.SEVERITIES.items()
        ],
    }


def _limits() -> dict:
    observation = {name: limits.limit(Observation, name) for name in ("description", "recommendation", "partner")}
    diagnostic = {name: limits.limit(Diagnostic, name) for name in ("place", "participants", "context")}
    return {"observation": observation, "diagnostic": diagnostic}


def _partner_suggestions(session: Session, actor: Actor) -> list[str]:
    """Partners the team already named, most used first, then the kinds of partner."""
    statement = (
        select(Observation.partner, func.count().label("n"))
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .where(Observation.partner != "")
        .group_by(Observation.partner)
        .order_by(func.count().desc(), Observation.partner)
        .limit(PARTNER_SUGGESTIONS)
    )
    if actor.role == AGENT:
        statement = statement.where(Diagnostic.team_id == actor.team_id)
    used = [partner for partner, _ in session.execute(statement)]
    return list(dict.fromkeys([*used, *taxonomy.PARTNER_KINDS.values()]))
