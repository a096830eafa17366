"""KML (Google Earth, Géoportail, uMap): always WGS84, through GDAL's LIBKML driver.

Every folder of the file is read. On writing, attributes go to `ExtendedData`; free text is kept
out of `<description>`, which KML viewers render as HTML.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from diagnostics.io.frames import concat_layers

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
    frame = frame.rename(columns={"Name": "name"})
    frame[frame.geometry.name] = shapely.force_2d(frame.geometry.values)
    return frame.set_crs(WGS84, allow_override=True)


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
