"""The coordinate systems of the project, written once, and the conversions every module uses."""

from __future__ import annotations

import geopandas as gpd

WGS84 = "EPSG:4326"  # what the database stores and web maps draw
LAMBERT93 = "EPSG:2154"  # France's official projection: snapshots, metre coordinates


def to_wgs84(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The frame in WGS84 without null or empty geometries (an empty frame for None);
    a frame without a CRS is taken as WGS84."""
    return _to(frame, WGS84)


def to_lambert93(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """The frame in Lambert-93 without null or empty geometries (an empty frame for None);
    a frame without a CRS is taken as WGS84."""
    return _to(frame, LAMBERT93)


def _to(frame: gpd.GeoDataFrame | None, crs: str) -> gpd.GeoDataFrame:
    if frame is None:
        return gpd.GeoDataFrame(geometry=[], crs=crs)
    if frame.crs is None:
        frame = frame.set_crs(WGS84)
    if len(frame) == 0:
        return frame.set_crs(crs, allow_override=True)
    frame = frame.to_crs(crs)
    return frame[frame.geometry.notna() & ~frame.geometry.is_empty]
