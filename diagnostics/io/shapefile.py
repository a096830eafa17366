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
from diagnostics.io import archives
from diagnostics.io.archives import MAX_UNCOMPRESSED
from diagnostics.io.frames import concat_layers
from diagnostics.texts import imports_text as text

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
}
_SHP_MAGIC = (9994).to_bytes(4, "big")  # every .shp starts with its file code
_KINDS = {"Point": "points", "LineString": "lignes", "Polygon": "polygones"}


def read(path: Path, *, max_uncompressed: int = MAX_UNCOMPRESSED, notes: list[str] | None = None) -> gpd.GeoDataFrame:
    """Every shapefile of the zip; `notes` receives how the attributes' encoding was chosen."""
    archive = archives.open_zip(path)
    with archive, tempfile.TemporaryDirectory() as folder:
        members = archives.checked_members(archive, max_uncompressed, SIDECARS)
        shapes = [m for m in members if m.filename.lower().endswith(".shp")]
        if not shapes:
            raise DiagnosticsError(text("zip_no_shp"))
        budget = max_uncompressed
        for member in members:
            target = Path(folder) / PurePosixPath(member.filename).name
            budget -= archives.extract(archive, member, target, budget)
            if target.suffix.lower() == ".shp" and target.read_bytes()[:4] != _SHP_MAGIC:
                seen = text("seen_not_shp")
                raise DiagnosticsError(text("mismatch", name=member.filename, claimed="Shapefile", seen=seen))
        frames = [_read_one(Path(folder) / PurePosixPath(s.filename).name, notes) for s in shapes]
    return concat_layers(frames)


def _read_one(shp: Path, notes: list[str] | None) -> gpd.GeoDataFrame:
    if any(shp.with_suffix(s).exists() for s in (".cpg", ".CPG")):
        return gpd.read_file(shp)
    encoding, why = _dbf_encoding(shp)
    if why and notes is not None:
        notes.append(text("encoding_detected", encoding=encoding, why=text(why)))
    return gpd.read_file(shp, encoding=encoding)


def _dbf_encoding(shp: Path) -> tuple[str, str | None]:
    """Without a .cpg: UTF-8 when the attributes are valid UTF-8, else Windows-1252 (what French
    tools write as « ANSI »); the reason is None when the text is plain ASCII (both agree)."""
    dbf = next((shp.with_suffix(s) for s in (".dbf", ".DBF") if shp.with_suffix(s).exists()), None)
    content = dbf.read_bytes() if dbf is not None else b""
    header = int.from_bytes(content[8:10], "little") if len(content) >= 10 else 0
    records = content[header:]
    if records.isascii():
        return "UTF-8", None
    try:
        records.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252", "encoding_cp1252"
    return "UTF-8", "encoding_utf8"


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
