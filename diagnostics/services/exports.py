"""Exports: reference and observation layers to files, commune snapshots for mayors.

Gathering the data is done here; formatting is done by the pure builders in `io` and
`snapshots`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd

from diagnostics.auth import Actor, require, require_commune
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.redaction import redact_for_partners
from diagnostics.services import audit, reference
from diagnostics.services.observations import ObservationFilter, observations_frame

LAYERS: dict[str, Callable[[Database, Actor], gpd.GeoDataFrame]] = {
    "communes": lambda db, actor: reference.communes_frame(db),
    "sectors": lambda db, actor: reference.sectors_frame(db),
    "zones": lambda db, actor: reference.patrol_zones_frame(db),
    "sites": lambda db, actor: reference.sites_frame(db),
    "observations": lambda db, actor: observations_frame(db, actor),
}
FORMATS = ("geojson", "gpkg", "csv", "kml", "shp")
SNAPSHOT_FORMATS = ("png", "pdf", "html")
SNAPSHOT_MIME_TYPES = {"png": "image/png", "pdf": "application/pdf", "html": "text/html"}


@audit.refusals_recorded
def export_layer(
    db: Database,
    actor: Actor,
    layer: str,
    path: Path,
    fmt: str = "geojson",
    criteria: ObservationFilter | None = None,
) -> int:
    """Write `layer` to `path` in `fmt` (geojson, gpkg, csv, kml, shp: a zip); returns the number
    of features written. `criteria` filters observations as the commanders' map does."""

    require(actor, "export_layers")
    if layer not in LAYERS:
        raise DiagnosticsError(f"Unknown layer '{layer}'; choose one of: {', '.join(LAYERS)}")
    if fmt not in FORMATS:
        raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    if layer == "observations" and criteria is not None:
        frame = observations_frame(db, actor, criteria)
    else:
        frame = LAYERS[layer](db, actor)
    count = files.write(frame, path, fmt, layer=layer)
    audit.record_now(db, actor, "export", entity=layer, detail=f"{fmt}: {count} objets")
    return count


@audit.refusals_recorded
def commune_snapshot_png(
    db: Database,
    actor: Actor,
    insee: str,
    *,
    issued_on: dt.date | None = None,
    period: tuple[dt.date | None, dt.date | None] | None = None,
) -> bytes:
    """The mayor's PNG map of a commune: boundary, observations of the period, layers around."""
    from diagnostics.snapshots import render_commune_png

    layers = snapshot_layers(db, actor, insee, period)
    image = render_commune_png(layers, issued_on=issued_on or dt.date.today(), period=period)
    audit.record_now(db, actor, "export", entity="commune", entity_id=insee, detail="carte PNG")
    return image


@audit.refusals_recorded
def snapshot_layers(
    db: Database, actor: Actor, insee: str, period: tuple[dt.date | None, dt.date | None] | None = None
):
    from diagnostics.snapshots import SnapshotLayers

    require(actor, "export_snapshot")
    commune = reference.communes_frame(db, (insee,))
    if commune.empty:
        raise DiagnosticsError(f"Commune inconnue : {insee}")
    require_commune(actor, insee, commune["department"].iloc[0])
    start, end = period or (None, None)
    observations = observations_frame(db, actor, ObservationFilter(start=start, end=end, communes=(insee,)))
    boundary = commune.geometry.iloc[0]
    return SnapshotLayers(
        commune=commune,
        neighbours=reference.neighbours_frame(db, insee),
        observations=redact_for_partners(observations),  # snapshots leave the forces
        sectors=_touching(reference.sectors_frame(db), boundary),
        patrol_zones=_touching(reference.patrol_zones_frame(db), boundary),
        sites=_touching(reference.sites_frame(db), boundary),
    )


@audit.refusals_recorded
def commune_snapshot(
    db: Database,
    actor: Actor,
    insee: str,
    fmt: str,
    *,
    issued_on: dt.date | None = None,
    period: tuple[dt.date | None, dt.date | None] | None = None,
) -> bytes:
    """A commune's snapshot for its mayor as PNG, PDF or standalone HTML (UTF-8 bytes).

    Observations are redacted for partners (`diagnostics.redaction`) whatever the format.
    """
    if fmt not in SNAPSHOT_FORMATS:
        raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: {', '.join(SNAPSHOT_FORMATS)}")
    layers = snapshot_layers(db, actor, insee, period)
    content = render_snapshot(layers, fmt, issued_on=issued_on or dt.date.today(), period=period)
    audit.record_now(db, actor, "export", entity="commune", entity_id=insee, detail=f"carte {fmt.upper()}")
    return content


def render_snapshot(layers, fmt: str, *, issued_on: dt.date, period=None) -> bytes:
    """Hand prepared layers to the builder of `fmt` (no database: usable in worker processes).

    Basemap tiles (PSQ_TILES) only go into the HTML, where the reader's browser fetches them;
    the PNG and PDF are drawn on the commune boundaries alone (see the README).
    """
    from diagnostics import config, snapshots

    if fmt == "png":
        return snapshots.render_commune_png(layers, issued_on=issued_on, period=period)
    if fmt == "pdf":
        return snapshots.render_commune_pdf(layers, issued_on=issued_on, period=period)
    if fmt == "html":
        page = snapshots.render_commune_html(layers, issued_on=issued_on, period=period, tiles=config.tile_sources())
        return page.encode("utf-8")
    raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: {', '.join(SNAPSHOT_FORMATS)}")


def snapshot_file_name(insee: str, name: str, fmt: str, issued_on: dt.date | None = None) -> str:
    """`diagnostic-surete-70279-gray-20260923.pdf`: ASCII, no spaces, sorts by commune then date."""
    slug = _slug(name)
    stem = f"diagnostic-surete-{insee}" + (f"-{slug}" if slug else "")
    if issued_on is not None:
        stem += f"-{issued_on:%Y%m%d}"
    return f"{stem}.{fmt}"


def _slug(text: str) -> str:
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]


def _touching(frame: gpd.GeoDataFrame, boundary) -> gpd.GeoDataFrame:
    return frame[frame.intersects(boundary)].reset_index(drop=True)
