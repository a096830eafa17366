"""Bounding-box conditions that go through the spatial index on both backends."""

from __future__ import annotations

from sqlalchemy import and_, func, literal_column, text

from diagnostics.db import Database
from diagnostics.models import SRID

BBox = tuple[float, float, float, float]  # west, south, east, north in WGS84 degrees


def intersects_box(db: Database, model, bbox: BBox):
    """Rows of `model` whose geometry intersects `bbox`: the index finds the candidates, the
    exact test keeps those whose shape (not only its box) meets the box."""
    west, south, east, north = (float(value) for value in bbox)
    table = model.__tablename__
    if db.is_sqlite:
        # SQLite does not use SpatiaLite's R*Tree by itself: ask its SpatialIndex table for rowids.
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = :table "
            "AND f_geometry_column = 'geom' AND search_frame = BuildMbr(:w, :s, :e, :n, :srid)"
        ).bindparams(table=table, w=west, s=south, e=east, n=north, srid=SRID)
        rowid = literal_column(f"{table}.rowid")
        exact = func.ST_Intersects(model.geom, func.BuildMbr(west, south, east, north, SRID)) == 1
        return and_(rowid.in_(candidates.columns(rowid=rowid.type)), exact)
    return func.ST_Intersects(model.geom, func.ST_MakeEnvelope(west, south, east, north, SRID))
