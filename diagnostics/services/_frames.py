"""Turning SQL results into GeoDataFrames the same way on SpatiaLite and PostGIS."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Select, func
from sqlalchemy.orm import Session

WGS84 = "EPSG:4326"


def geometry_as_wkb(column):
    """A select item giving plain WKB, which both backends return and shapely reads."""
    return func.ST_AsBinary(column).label("wkb")


def read_frame(session: Session, statement: Select) -> gpd.GeoDataFrame:
    """Run a select that has a `wkb` column and return a GeoDataFrame with `geometry`."""
    result = session.execute(statement)
    columns = list(result.keys())
    frame = pd.DataFrame(result.fetchall(), columns=columns)
    wkb = [bytes(value) if value is not None else None for value in frame.pop("wkb")]
    geometry = shapely.from_wkb(wkb) if wkb else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs=WGS84), crs=WGS84)
