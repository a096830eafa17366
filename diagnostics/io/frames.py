"""What the format modules share about frames: layers put together, dates GDAL can write."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd


def concat_layers(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """Several layers of one file as one frame, in the first layer's CRS."""
    crs = frames[0].crs
    aligned = [f.to_crs(crs) if crs is not None and f.crs is not None else f for f in frames]
    return gpd.GeoDataFrame(pd.concat(aligned, ignore_index=True), crs=crs)


def plain_dates(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """datetime.date objects (from the database) as pandas datetimes, which GDAL writes as dates."""
    frame = frame.copy()
    for column in frame.columns.drop(frame.geometry.name):
        if frame[column].dtype == object and frame[column].map(lambda v: isinstance(v, dt.date)).any():
            frame[column] = pd.to_datetime(frame[column])
    return frame
