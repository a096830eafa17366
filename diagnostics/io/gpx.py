"""GPX from phones and GPS units (OsmAnd, Locus, Garmin…), through GDAL's GPX driver.

Waypoints become points (observations or sites), routes and tracks become lines (a patrol's
route, an observation along a street). A track records where people were and when: its
per-point times are never read unless the importer asks for them (`keep_times`, the team's
choice); then only the first and last time of each track are kept, as text. A waypoint's name,
description and comment are kept as text and its time as a date (Europe/Paris).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from diagnostics import localtime
from diagnostics.io.frames import concat_layers

WGS84 = "EPSG:4326"
# GPX element → column of the frame; everything else (elevation, symbols, extensions) is dropped.
_TEXT = {"name": "name", "desc": "description", "cmt": "commentaire", "type": "type"}
_LINE_LAYERS = ("routes", "tracks")


def read(path: Path, *, keep_times: bool = False) -> gpd.GeoDataFrame:
    available = {name for name, _kind in pyogrio.list_layers(path)}
    frames = [_waypoints(path)] if "waypoints" in available else []
    frames += [_lines(path, layer) for layer in _LINE_LAYERS if layer in available]
    if keep_times and "track_points" in available and len(frames) and "tracks" in available:
        frames[-1] = _with_track_times(path, frames[-1])
    frames = [f for f in frames if len(f)] or frames[:1]
    if not frames:
        return gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    frame = concat_layers(frames)
    frame[frame.geometry.name] = shapely.force_2d(frame.geometry.values)
    return frame.set_crs(WGS84, allow_override=True)


def _waypoints(path: Path) -> gpd.GeoDataFrame:
    frame = _kept(gpd.read_file(path, layer="waypoints"), "point")
    if "time" in frame.columns:
        frame["date"] = frame.pop("time").map(_paris_day)
    return frame


def _lines(path: Path, layer: str) -> gpd.GeoDataFrame:
    frame = _kept(gpd.read_file(path, layer=layer), "trace" if layer == "tracks" else "itinéraire")
    if layer == "tracks":  # a track of one segment is a line, as drawn
        frame[frame.geometry.name] = [_single(g) for g in frame.geometry.values]
    return frame


def _kept(raw: gpd.GeoDataFrame, element: str) -> gpd.GeoDataFrame:
    columns = {c: _TEXT[c] for c in raw.columns if c in _TEXT}
    frame = gpd.GeoDataFrame(raw[[*columns, "time"] if "time" in raw else list(columns)], geometry=raw.geometry)
    frame = frame.rename(columns=columns)
    frame["element_gpx"] = element
    return frame


def _with_track_times(path: Path, tracks: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The first and last time of each track (Paris time, as text) and its day: nothing finer."""
    points = gpd.read_file(path, layer="track_points", columns=["track_fid", "time"], ignore_geometry=True)
    points = points.dropna(subset=["time"])
    spans = points.groupby("track_fid")["time"].agg(["min", "max"])
    tracks = tracks.copy()
    first = [spans["min"].get(i) for i in range(len(tracks))]
    last = [spans["max"].get(i) for i in range(len(tracks))]
    tracks["debut"] = [localtime.format_datetime(v.to_pydatetime()) if _known(v) else None for v in first]
    tracks["fin"] = [localtime.format_datetime(v.to_pydatetime()) if _known(v) else None for v in last]
    tracks["date"] = [_paris_day(v) for v in first]
    return tracks


def _paris_day(value) -> str | None:
    """The day a time falls on in Paris (a waypoint at 23:30 UTC on the 20th is on the 21st)."""
    if not _known(value):
        return None
    return localtime.to_paris(pd.Timestamp(value).to_pydatetime()).date().isoformat()


def _known(value) -> bool:
    return value is not None and not pd.isna(value)


def _single(geometry):
    if geometry is not None and geometry.geom_type == "MultiLineString" and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry
