"""GeoJSON: reading reference layers and writing exports (RFC 7946: WGS84, lon/lat)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from diagnostics.errors import DiagnosticsError

WGS84 = "EPSG:4326"


def read_layer(path: Path) -> gpd.GeoDataFrame:
    """A GeoJSON file as a GeoDataFrame in WGS84."""
    if not path.is_file():
        raise DiagnosticsError(f"Reference layer not found: {path}")
    try:
        frame = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises its own error classes
        raise DiagnosticsError(f"Cannot read {path}: {exc}") from exc
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    return frame.to_crs(WGS84)


def write_layer(frame: gpd.GeoDataFrame, path: Path) -> int:
    """Write a GeoDataFrame as a GeoJSON FeatureCollection; returns the number of features."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(to_geojson_text(frame), encoding="utf-8")
    return len(frame)


def to_geojson_text(frame: gpd.GeoDataFrame) -> str:
    frame = frame.to_crs(WGS84) if frame.crs is not None else frame.set_crs(WGS84)
    collection = json.loads(_with_json_values(frame).to_json(drop_id=True))
    collection.pop("crs", None)  # RFC 7946: WGS84 is implied
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":"))


def _with_json_values(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Dates and timestamps as ISO strings, which JSON can carry."""
    frame = frame.copy()
    for column in frame.columns.drop(frame.geometry.name):
        if pd.api.types.is_datetime64_any_dtype(frame[column]) or frame[column].dtype == object:
            frame[column] = frame[column].map(_json_value)
    return frame


def _json_value(value):
    if value is None or value is pd.NaT:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def read(path: Path) -> gpd.GeoDataFrame:
    """A GeoJSON file for import: RFC 7946 files are WGS84; an old-style `crs` member is honoured."""
    frame = gpd.read_file(path)
    return frame if frame.crs is not None else frame.set_crs(WGS84)
