"""Reference layers: communes, sectors, patrol zones, sites and teams.

Loading is idempotent: a second load of the same files adds and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.io import geojson
from diagnostics.models import SRID, Commune, PatrolZone, Sector, Site, Team
from diagnostics.services._frames import geometry_as_wkb, read_frame

LAYER_FILES = {
    "communes": "communes.geojson",
    "sectors": "sectors.geojson",
    "zones": "patrol_zones.geojson",
    "sites": "sites.geojson",
}

# Teams known at installation; administrators add others.
DEFAULT_TEAMS: tuple[tuple[str, str, str], ...] = (
    ("Groupe de cohésion police-population de Vesoul", "police_nationale", "70"),
    ("Groupe VTT de Vesoul", "police_nationale", "70"),
    ("Groupe de contact de Gray", "gendarmerie", "70"),
    ("FLAME des Mille Étangs", "gendarmerie", "70"),
    ("Brigade de Gray", "gendarmerie", "70"),
    ("Brigade de Pusey — kiosque Oasis III", "gendarmerie", "70"),
    ("Commissariat de Lons-le-Saunier", "police_nationale", "39"),
    ("Brigade de Clairvaux-les-Lacs", "gendarmerie", "39"),
)


@dataclass(frozen=True)
class _LayerSpec:
    model: type
    key: str
    attributes: tuple[str, ...]
    multipolygon: bool


_SPECS = {
    "communes": _LayerSpec(Commune, "insee", ("name", "department", "population"), True),
    "sectors": _LayerSpec(Sector, "name", ("kind", "commune_insee", "source", "approximate"), True),
    "zones": _LayerSpec(
        PatrolZone, "name", ("unit", "kind", "schedule", "commune_insee", "source", "approximate"), True
    ),
    "sites": _LayerSpec(Site, "name", ("kind", "commune_insee", "address", "source", "approximate"), False),
}


@dataclass(frozen=True)
class LoadReport:
    layer: str
    added: int
    updated: int

    def __str__(self) -> str:
        return f"{self.layer} : {self.added} ajouté(s), {self.updated} mis à jour"


def load_reference_layers(db: Database, geodata_dir: Path) -> list[LoadReport]:
    """Load every reference layer from `geodata_dir`, communes first (others refer to them)."""
    reports = []
    with db.session() as session:
        for layer, filename in LAYER_FILES.items():
            frame = geojson.read_layer(geodata_dir / filename)
            reports.append(_sync_layer(session, layer, frame))
            session.flush()
        reports.append(_sync_teams(session))
    return reports


def _sync_layer(session: Session, layer: str, frame: gpd.GeoDataFrame) -> LoadReport:
    spec = _SPECS[layer]
    existing = {getattr(row, spec.key): row for row in session.scalars(select(spec.model))}
    existing_wkb = _existing_geometries(session, spec)
    added = updated = 0
    for record in frame.to_dict("records"):
        geometry = _as_multipolygon(record["geometry"]) if spec.multipolygon else record["geometry"]
        values = {name: _plain(record.get(name)) for name in spec.attributes}
        key = str(record[spec.key])
        row = existing.get(key)
        if row is None:
            session.add(spec.model(**{spec.key: key, **values, "geom": from_shape(geometry, srid=SRID)}))
            added += 1
            continue
        changed = {name: value for name, value in values.items() if getattr(row, name) != value}
        if not shapely.equals_exact(existing_wkb[key], geometry, tolerance=1e-9):
            changed["geom"] = from_shape(geometry, srid=SRID)
        for name, value in changed.items():
            setattr(row, name, value)
        updated += bool(changed)
    return LoadReport(layer, added, updated)


def _existing_geometries(session: Session, spec: _LayerSpec) -> dict[str, BaseGeometry]:
    key_column = getattr(spec.model, spec.key)
    rows = session.execute(select(key_column, geometry_as_wkb(spec.model.geom)))
    return {key: shapely.from_wkb(bytes(wkb)) for key, wkb in rows}


def _sync_teams(session: Session) -> LoadReport:
    known = set(session.scalars(select(Team.name)))
    missing = [team for team in DEFAULT_TEAMS if team[0] not in known]
    session.add_all(Team(name=name, force=force, department=dep) for name, force, dep in missing)
    return LoadReport("teams", len(missing), 0)


def _as_multipolygon(geometry: BaseGeometry) -> MultiPolygon:
    if isinstance(geometry, Polygon):
        return MultiPolygon([geometry])
    return geometry


def _plain(value):
    """pandas' missing values and numpy scalars as plain Python values."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


# --- Queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommuneInfo:
    insee: str
    name: str
    department: str
    population: int

    @property
    def label(self) -> str:
        return f"{self.name} ({self.insee})"


def list_communes(db: Database, departments: tuple[str, ...] | None = None) -> list[CommuneInfo]:
    """Communes sorted by name, without geometry (for pickers)."""
    statement = select(Commune.insee, Commune.name, Commune.department, Commune.population)
    if departments:
        statement = statement.where(Commune.department.in_(departments))
    with db.session() as session:
        rows = session.execute(statement.order_by(Commune.name, Commune.insee)).all()
    return [CommuneInfo(*row) for row in rows]


def communes_frame(db: Database, insee: tuple[str, ...] | None = None) -> gpd.GeoDataFrame:
    statement = select(
        Commune.insee, Commune.name, Commune.department, Commune.population, geometry_as_wkb(Commune.geom)
    )
    if insee is not None:
        statement = statement.where(Commune.insee.in_(insee))
    with db.session() as session:
        return read_frame(session, statement.order_by(Commune.insee))


def commune_boundary(session: Session, insee: str) -> BaseGeometry:
    """The commune's boundary, read through the caller's session (NotFound if unknown)."""
    wkb = session.scalar(select(geometry_as_wkb(Commune.geom)).where(Commune.insee == insee))
    if wkb is None:
        raise NotFound(f"Commune inconnue : {insee}")
    return shapely.from_wkb(bytes(wkb))


def commune_name(session: Session, insee: str) -> str:
    """The commune's name, or its INSEE code when it is unknown."""
    return session.scalar(select(Commune.name).where(Commune.insee == insee)) or insee


def neighbours_frame(db: Database, insee: str) -> gpd.GeoDataFrame:
    """Communes that touch or overlap the given one, itself excluded."""
    with db.session() as session:
        boundary = commune_boundary(session, insee)
        statement = select(
            Commune.insee, Commune.name, Commune.department, Commune.population, geometry_as_wkb(Commune.geom)
        ).where(Commune.insee != insee, Commune.geom.ST_Intersects(from_shape(boundary.envelope, srid=SRID)))
        candidates = read_frame(session, statement)
    return candidates[candidates.intersects(boundary.buffer(1e-5))].reset_index(drop=True)


def sectors_frame(db: Database) -> gpd.GeoDataFrame:
    return _layer_frame(db, "sectors")


def patrol_zones_frame(db: Database) -> gpd.GeoDataFrame:
    return _layer_frame(db, "zones")


def sites_frame(db: Database) -> gpd.GeoDataFrame:
    return _layer_frame(db, "sites")


def _layer_frame(db: Database, layer: str) -> gpd.GeoDataFrame:
    """A hand-made layer (id, name, its attributes, geometry), sorted by name."""
    spec = _SPECS[layer]
    model = spec.model
    columns = [getattr(model, name) for name in spec.attributes]
    statement = select(model.id, model.name, *columns, geometry_as_wkb(model.geom)).order_by(model.name)
    with db.session() as session:
        return read_frame(session, statement)


@dataclass(frozen=True)
class TeamInfo:
    id: int
    name: str
    force: str
    department: str


def list_teams(db: Database) -> list[TeamInfo]:
    with db.session() as session:
        rows = session.execute(select(Team.id, Team.name, Team.force, Team.department).order_by(Team.name))
        return [TeamInfo(*row) for row in rows]
