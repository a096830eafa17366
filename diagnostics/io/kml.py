"""KML (Google Earth, Google My Maps, Géoportail, uMap) and KMZ: always WGS84, through GDAL's
LIBKML driver.

Every folder of the file is read. The placemark's name is kept (`name`) and its description,
an HTML balloon in My Maps, is turned into plain text. A KMZ is a zip: its KML is extracted with
the archive checks of `archives` (never by libkml's own unzip) and read as a KML; its images are
not extracted. On writing, attributes go to `ExtendedData`; free text is kept
out of `<description>`, which KML viewers render as HTML.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from diagnostics.errors import DiagnosticsError
from diagnostics.io import archives
from diagnostics.io.frames import concat_layers
from diagnostics.io.htmltext import plain_text
from diagnostics.texts import imports_text as text

WGS84 = "EPSG:4326"
# Columns LIBKML adds to every feature; dropped when they carry nothing.
_KML_STYLE_COLUMNS = (
    "id",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
)
# A column named like these would become the HTML balloon: renamed on writing.
_BALLOON_FIELDS = {"description": "constat"}


def read(path: Path) -> gpd.GeoDataFrame:
    layers = [name for name, _geometry in pyogrio.list_layers(path)]
    frames = [gpd.read_file(path, layer=name) for name in layers] or [gpd.read_file(path)]
    frame = concat_layers([f for f in frames if len(f)] or frames[:1])
    frame = frame.drop(columns=[c for c in _KML_STYLE_COLUMNS if c in frame.columns and _is_noise(frame[c])])
    if "description" in frame.columns and _is_noise(frame["description"]):
        frame = frame.drop(columns=["description"])  # ours carry free text as `constat`
    elif "description" in frame.columns:
        frame["description"] = frame["description"].map(plain_text)
    frame = frame.rename(columns={"Name": "name"})
    frame[frame.geometry.name] = shapely.force_2d(frame.geometry.values)
    return frame.set_crs(WGS84, allow_override=True)


def read_kmz(path: Path, *, max_uncompressed: int = archives.MAX_UNCOMPRESSED) -> gpd.GeoDataFrame:
    """The KMZ's main KML (`doc.kml`, else the first at its root, as Google Earth does)."""
    import tempfile

    from diagnostics.io.files import check_xml

    archive = archives.open_zip(path)
    with archive, tempfile.TemporaryDirectory() as folder:
        members = archives.checked_members(archive, max_uncompressed, (".kml", ".kmz"))
        if any(m.filename.lower().endswith(".kmz") for m in members):
            raise DiagnosticsError(text("kmz_nested"))
        if not members:
            raise DiagnosticsError(text("kmz_no_kml"))
        main = next((m for m in members if m.filename.lower() == "doc.kml"), members[0])
        target = Path(folder) / "doc.kml"
        archives.extract(archive, main, target, max_uncompressed)
        check_xml(target, main.filename)
        if b"<kml" not in target.read_bytes()[:4096].lower():
            raise DiagnosticsError(text("kmz_no_kml"))
        if pyogrio.read_info(target)["driver"] != "LIBKML":
            raise DiagnosticsError(text("wrong_driver", format="KMZ"))
        return read(target)


def write(frame: gpd.GeoDataFrame, path: Path, *, layer: str = "layer") -> int:
    from diagnostics.io.frames import plain_dates

    if path.exists():
        path.unlink()
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    frame = plain_dates(frame).rename(columns=_BALLOON_FIELDS)
    frame.to_file(path, driver="LIBKML", layer=layer)
    return len(frame)


def _is_noise(column) -> bool:
    values = column.dropna()
    return values.empty or values.astype(str).isin(["", "0", "-1", "clampToGround", "1"]).all()
