"""Zipped ESRI Shapefiles.

Reading: the archive is checked before anything is extracted (member names, count, total size:
no path traversal, no zip bomb); every `.shp` inside is read. Writing: one shapefile per
geometry kind (a shapefile holds one kind only), field names shortened to the 10 characters
the format allows, all in one zip.
"""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd

from diagnostics.errors import DiagnosticsError
from diagnostics.io.gpkg import _concat
from diagnostics.texts import imports_text as text

MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 500_000_000
SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml", ".qmd")

# Field names longer than 10 characters, as written (the importer recognises these names too).
SHORT_NAMES = {
    "recommendation": "preconisat",
    "description": "constat",
    "commune_insee": "insee",
    "commune_name": "commune",
    "diagnostic_id": "diag_id",
    "observed_on": "date",
    "team_name": "equipe",
    "approximate": "approx",
    "population": "pop",
    "department": "dept",
    "assigned_kind": "attr_type",
    "assigned_to": "attribue_a",
}
_KINDS = {"Point": "points", "LineString": "lignes", "Polygon": "polygones"}


def read(path: Path, *, max_uncompressed: int = MAX_UNCOMPRESSED) -> gpd.GeoDataFrame:
    with zipfile.ZipFile(path) as archive:
        members = _checked_members(archive, max_uncompressed)
        shapes = [m for m in members if m.lower().endswith(".shp")]
        if not shapes:
            raise DiagnosticsError(text("zip_no_shp"))
        with tempfile.TemporaryDirectory() as folder:
            for member in members:
                target = Path(folder) / PurePosixPath(member).name
                target.write_bytes(archive.read(member))
            frames = [_read_one(Path(folder) / PurePosixPath(s).name) for s in shapes]
    return _concat(frames)


def _checked_members(archive: zipfile.ZipFile, max_uncompressed: int) -> list[str]:
    """Shapefile parts only, flat names, bounded count and size; raise on anything suspicious."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise DiagnosticsError(text("zip_too_many", count=len(infos), limit=MAX_MEMBERS))
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise DiagnosticsError(text("zip_too_large", size=f"{total / 1e6:.0f}", limit=f"{max_uncompressed / 1e6:.0f}"))
    members, names = [], set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise DiagnosticsError(text("zip_dangerous", name=name))
        if info.is_dir() or parts[0] == "__MACOSX":
            continue
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DiagnosticsError(text("zip_symlink", name=name))
        base = PurePosixPath(name).name
        if not base.lower().endswith(SIDECARS):
            continue
        if base in names:
            raise DiagnosticsError(text("zip_twice", name=base))
        names.add(base)
        members.append(name)
    return members


def _read_one(shp: Path) -> gpd.GeoDataFrame:
    encoding = None if shp.with_suffix(".cpg").exists() else "cp1252"  # no .cpg: French tools write ANSI
    frame = gpd.read_file(shp, encoding=encoding) if encoding else gpd.read_file(shp)
    return frame


def write(frame: gpd.GeoDataFrame, path: Path, *, layer: str = "layer") -> int:
    frame = _iso_dates(frame).rename(columns=SHORT_NAMES)
    frame = frame.rename(columns={c: c[:10] for c in frame.columns if c != frame.geometry.name})
    kinds = frame.geometry.geom_type.str.replace("Multi", "", regex=False)
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        groups = [(kind, frame[kinds == kind]) for kind in _KINDS if (kinds == kind).any()]
        if not groups:
            groups = [("Point", frame)]
        for kind, part in groups:
            stem = layer if len(groups) == 1 else f"{layer}_{_KINDS[kind]}"
            target = Path(folder) / f"{stem}.shp"
            part = _promote(part) if kind != "Point" else part
            part.to_file(target, driver="ESRI Shapefile", encoding="UTF-8")
            for written in sorted(Path(folder).glob(f"{stem}.*")):
                archive.write(written, written.name)
    return len(frame)


def _iso_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dates as ISO text: the shapefile's date type would be asked for a time it cannot hold."""
    frame = frame.copy()
    for column in frame.columns.drop(frame.geometry.name):
        if frame[column].dtype == object or pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].map(lambda v: v.isoformat()[:10] if hasattr(v, "isoformat") else v)
    return frame


def _promote(part: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lines and polygons as multi-geometries, which is what a shapefile stores anyway."""
    from shapely.geometry import MultiLineString, MultiPolygon

    def promote(geometry):
        if geometry.geom_type == "Polygon":
            return MultiPolygon([geometry])
        if geometry.geom_type == "LineString":
            return MultiLineString([geometry])
        return geometry

    part = part.copy()
    part[part.geometry.name] = part.geometry.map(promote)
    return gpd.GeoDataFrame(pd.DataFrame(part), geometry=part.geometry.name, crs=part.crs)
