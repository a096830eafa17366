"""Exports: reference and observation layers to files, commune snapshots for mayors.

Gathering the data is done here; formatting is done by the pure builders in `io` and
`snapshots`. What leaves the forces goes through `diagnostics.redaction` first.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import and_, func, literal_column, select, text
from sqlalchemy.orm import Session

from diagnostics.auth import Actor, require, require_commune
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.models import SRID, Commune, PatrolZone, Sector, Site
from diagnostics.redaction import redact_for_partners, redact_reference_for_partners
from diagnostics.services import audit, reference
from diagnostics.services._frames import geometry_as_wkb, read_frame
from diagnostics.services.cameras import camera_owner_column, commune_recipients
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.snapshots import SnapshotLayers

RECIPIENT_LIMIT = 120  # to whom an export is given (audited, printed in the footer)

LAYERS: dict[str, Callable[[Database, Actor], gpd.GeoDataFrame]] = {
    "communes": lambda db, actor: reference.communes_frame(db),
    "sectors": lambda db, actor: reference.sectors_frame(db),
    "zones": lambda db, actor: reference.patrol_zones_frame(db),
    "sites": lambda db, actor: reference.sites_frame(db),
    "observations": lambda db, actor: observations_frame(db, actor),
}
FORMATS = ("geojson", "gpkg", "csv", "kml", "shp", "xlsx")
SNAPSHOT_FORMATS = ("png", "pdf", "html", "xlsx")
SNAPSHOT_MIME_TYPES = {
    "png": "image/png",
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Period = tuple[dt.date | None, dt.date | None]
NEIGHBOUR_DISTANCE = 1e-5  # degrees: communes whose boundaries merely touch are neighbours

# The columns a snapshot reads from each reference layer (redaction then blanks what is confidential).
_COMMUNE_COLUMNS = (Commune.insee, Commune.name, Commune.department, Commune.population)
_AREA_COLUMNS = {
    "sectors": (Sector, (Sector.name, Sector.kind, Sector.source, Sector.approximate)),
    "zones": (
        PatrolZone,
        (
            PatrolZone.name,
            PatrolZone.unit,
            PatrolZone.kind,
            PatrolZone.schedule,
            PatrolZone.source,
            PatrolZone.approximate,
            PatrolZone.shareable,
        ),
    ),
    "sites": (
        Site,
        (Site.name, Site.kind, Site.address, Site.source, Site.approximate, Site.shareable, camera_owner_column()),
    ),
}


@audit.refusals_recorded
def export_layer(
    db: Database,
    actor: Actor,
    layer: str,
    path: Path,
    fmt: str = "geojson",
    criteria: ObservationFilter | None = None,
    recipient: str = "",
) -> int:
    """Write `layer` to `path` in `fmt` (geojson, gpkg, csv, kml, shp: a zip, xlsx); returns the number
    of features written. `criteria` filters observations as the commanders' map does."""

    require(actor, "export_layers")
    if layer not in LAYERS:
        raise DiagnosticsError(f"Couche inconnue « {layer} » ; choisissez parmi : {', '.join(LAYERS)}")
    if fmt not in FORMATS:
        raise DiagnosticsError(f"Format inconnu « {fmt} » ; choisissez parmi : {', '.join(FORMATS)}")
    if layer == "observations" and criteria is not None:
        frame = observations_frame(db, actor, criteria)
    else:
        frame = LAYERS[layer](db, actor)
    count = files.write(frame, path, fmt, layer=layer)
    after = {"format": fmt, "objects": count, "filter": str(criteria) if criteria else "", "recipient": recipient}
    audit.record_now(db, actor, "export", entity=layer, after=after, detail=f"{fmt}: {count} objets")
    return count


# --- Commune snapshots ---------------------------------------------------------------------------


@audit.refusals_recorded
def snapshot_layers(db: Database, actor: Actor, insee: str, period: Period | None = None) -> SnapshotLayers:
    """What a commune's snapshot shows, redacted for partners: the one builder of `SnapshotLayers`
    (the Export maire page, the mayor's page, the CLI and the département batch use it).

    Reference layers are read through the spatial indexes for the commune's bounding box and
    kept when they intersect the commune (neighbours: when they touch it).
    """
    require(actor, "export_snapshot")
    with db.session() as session:
        commune = read_frame(
            session, select(*_COMMUNE_COLUMNS, geometry_as_wkb(Commune.geom)).where(Commune.insee == insee)
        )
        if commune.empty:
            raise DiagnosticsError(f"Commune inconnue : {insee}")
        require_commune(actor, insee, commune["department"].iloc[0])
        boundary = commune.geometry.iloc[0]
        neighbours = _neighbours(session, db.is_sqlite, insee, boundary)
        areas = {layer: _areas_touching(session, db.is_sqlite, layer, boundary) for layer in _AREA_COLUMNS}
        recipients = commune_recipients(session, actor, insee)  # a camera leaves only for its owner
    start, end = period or (None, None)
    observations = observations_frame(db, actor, ObservationFilter(start=start, end=end, communes=(insee,)))
    return SnapshotLayers(
        commune=commune,
        neighbours=neighbours,
        observations=redact_for_partners(observations),  # snapshots leave the forces
        sectors=redact_reference_for_partners("sectors", areas["sectors"]),
        patrol_zones=redact_reference_for_partners("zones", areas["zones"]),
        sites=redact_reference_for_partners("sites", areas["sites"], recipients=recipients),
    )


def _in_box(is_sqlite: bool, model, bounds) -> object:
    """A condition on `model.geom` that goes through the spatial index (both backends)."""
    west, south, east, north = (float(v) for v in bounds)
    table = model.__tablename__
    if is_sqlite:
        # SQLite does not use SpatiaLite's R*Tree by itself: ask its SpatialIndex table for rowids.
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = :table "
            "AND f_geometry_column = 'geom' AND search_frame = BuildMbr(:w, :s, :e, :n, :srid)"
        ).bindparams(table=table, w=west, s=south, e=east, n=north, srid=SRID)
        return literal_column(f"{table}.rowid").in_(candidates.columns(rowid=literal_column("rowid").type))
    return model.geom.op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID))


def _neighbours(session: Session, is_sqlite: bool, insee: str, boundary) -> gpd.GeoDataFrame:
    west, south, east, north = boundary.bounds
    d = NEIGHBOUR_DISTANCE
    statement = select(*_COMMUNE_COLUMNS, geometry_as_wkb(Commune.geom)).where(
        Commune.insee != insee, _in_box(is_sqlite, Commune, (west - d, south - d, east + d, north + d))
    )
    candidates = read_frame(session, statement.order_by(Commune.insee))
    if candidates.empty:
        return candidates
    touching = shapely.dwithin(candidates.geometry.to_numpy(), boundary, d)
    return candidates[touching].reset_index(drop=True)


def _areas_touching(session: Session, is_sqlite: bool, layer: str, boundary) -> gpd.GeoDataFrame:
    model, columns = _AREA_COLUMNS[layer]
    statement = select(model.id, *columns, geometry_as_wkb(model.geom)).where(
        and_(_in_box(is_sqlite, model, boundary.bounds), model.geom.ST_Intersects(from_shape(boundary, srid=SRID)))
    )
    return read_frame(session, statement.order_by(model.name))


@audit.refusals_recorded
def commune_snapshot(
    db: Database,
    actor: Actor,
    insee: str,
    fmt: str,
    *,
    issued_on: dt.date | None = None,
    period: Period | None = None,
    recipient: str = "",
) -> bytes:
    """A commune's snapshot for its mayor as PNG, PDF, standalone HTML (UTF-8 bytes) or its
    observations as an Excel table, audited
    as an export: call it for a file the user asked for (a download, the CLI), not for a preview.

    Observations and reference layers are redacted for partners (`diagnostics.redaction`).
    """
    _check_format(fmt)
    recipient = " ".join((recipient or "").split())[:RECIPIENT_LIMIT]
    layers = replace(snapshot_layers(db, actor, insee, period), recipient=recipient)
    content = render_snapshot(layers, fmt, issued_on=issued_on or dt.date.today(), period=period)
    detail = f"{'tableau' if fmt == 'xlsx' else 'carte'} {fmt.upper()} : {len(layers.observations)} observation(s)"
    scope = {"commune": insee, "period": [str(day) if day else None for day in (period or (None, None))]}
    after = {"format": fmt, **scope, "observations": len(layers.observations), "recipient": recipient}
    audit.record_now(db, actor, "export", entity="commune", entity_id=insee, after=after, detail=detail)
    return content


@audit.refusals_recorded
def commune_preview_png(
    db: Database, actor: Actor, insee: str, *, issued_on: dt.date | None = None, period: Period | None = None
) -> bytes:
    """The PNG shown on screen before any download: the same checks and redaction, not audited
    (nothing leaves the application until a file is downloaded)."""
    layers = snapshot_layers(db, actor, insee, period)
    return render_snapshot(layers, "png", issued_on=issued_on or dt.date.today(), period=period)


def render_snapshot(layers: SnapshotLayers, fmt: str, *, issued_on: dt.date, period: Period | None = None) -> bytes:
    """Hand prepared layers to the builder of `fmt` (no database: usable in worker processes).

    Basemap tiles (PSQ_TILES) only go into the HTML: the app's tile file embedded within
    PSQ_SNAPSHOT_TILES_MB, other sources fetched by the reader's browser; the PNG and PDF are
    drawn on the commune boundaries alone (see the README).
    """
    from diagnostics import config, snapshots

    _check_format(fmt)
    if fmt == "xlsx":
        from diagnostics.io import spreadsheet

        return spreadsheet.workbook_bytes(snapshots.observations_table(layers), layer="observations")
    if fmt == "png":
        return snapshots.render_commune_png(layers, issued_on=issued_on, period=period)
    if fmt == "pdf":
        return snapshots.render_commune_pdf(layers, issued_on=issued_on, period=period)
    page = snapshots.render_commune_html(
        layers,
        issued_on=issued_on,
        period=period,
        tiles=config.tile_sources(),
        tile_budget=config.snapshot_tiles_bytes(),
        tile_max_zoom=config.offline_max_zoom(),
    )
    return page.encode("utf-8")


def _check_format(fmt: str) -> None:
    if fmt not in SNAPSHOT_FORMATS:
        raise DiagnosticsError(f"Format inconnu « {fmt} » ; choisissez parmi : {', '.join(SNAPSHOT_FORMATS)}")


def snapshot_file_name(insee: str, name: str, fmt: str, issued_on: dt.date | None = None) -> str:
    """`diagnostic-surete-70279-gray-20260923.pdf`: ASCII, no spaces, sorts by commune then date."""
    slug = file_slug(name)
    stem = f"diagnostic-surete-{insee}" + (f"-{slug}" if slug else "")
    if issued_on is not None:
        stem += f"-{issued_on:%Y%m%d}"
    return f"{stem}.{fmt}"


def file_slug(text_: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text_ or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]
