"""Querying observations: filters of the commanders' map, returned as GeoDataFrames.

A bounding box goes through the spatial index on both backends: SpatiaLite's `SpatialIndex`
virtual table (SQLite does not use an R*Tree by itself) and PostGIS's GiST with `&&`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import Select, and_, column, exists, func, literal_column, select, table, text
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from diagnostics import taxonomy
from diagnostics.auth import Actor, Scope, observation_scope
from diagnostics.db import BINARY_ROWS, Database
from diagnostics.models import SRID, Commune, Diagnostic, Observation, PatrolZone, Team
from diagnostics.redaction import SHARED_IF_MARKED, redact_for_partners
from diagnostics.services import point_rows
from diagnostics.services._frames import (
    POINT_DTYPE,
    gc_paused,
    geometry_as_wkb,
    points_array_frame,
    points_frame,
    read_frame,
)
from diagnostics.services.point_boxes import point_driven, points_in_box

BBox = tuple[float, float, float, float]  # west, south, east, north in WGS84 degrees


@dataclass(frozen=True)
class ObservationFilter:
    """What the commanders' map keeps. Empty tuples mean « all »."""

    start: dt.date | None = None
    end: dt.date | None = None
    categories: tuple[str, ...] = ()
    severities: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    team_ids: tuple[int, ...] = ()
    diagnostic_id: int | None = None
    bbox: BBox | None = None  # geometry's envelope meets the box (through the spatial index)
    point_box: BBox | None = None  # drawing point (lon, lat) inside the box, tested on every row kept
    ids: tuple[int, ...] = ()
    overdue_on: dt.date | None = None  # only those « en retard » on that day (assigned, open, due before)
    outside_zones: bool = False  # only those whose drawing point lies in no patrol zone


OBSERVATION_COLUMNS = (
    "id",
    "diagnostic_id",
    "observed_on",
    "category",
    "severity",
    "status",
    "description",
    "recommendation",
    "partner",
    "shareable",
    "shared_fields",
    "author",
    "commune_insee",
    "commune_name",
    "team_id",
    "team_name",
    "place",
    "version",
)


# What partners do not read on an observation that is not marked shareable (see diagnostics.redaction).
CONFIDENTIAL_TEXT = (*SHARED_IF_MARKED, "author")


def observations_frame(
    db: Database,
    actor: Actor,
    criteria: ObservationFilter = ObservationFilter(),
    *,
    limit: int | None = None,
    offset: int = 0,
    shapes_only: bool = False,
) -> gpd.GeoDataFrame:
    """Observations the actor may read that `criteria` keeps, newest first, with commune, team and place.

    `shapes_only` keeps lines and polygons (drawn as such on maps where points are drawn apart).
    Partners (maires) get them through `redaction.redact_for_partners`: fewer columns, no free text
    unless shareable.
    """
    scope = observation_scope(actor)
    # The newest `limit` rows: read backwards along the dates' index until enough rows of the
    # scope's départements are found (about twice the limit for a département of two), rather
    # than sorting all their rows (2.1 s for a commandant's 478,000 of 1,000,000 on SpatiaLite).
    newest = limit is not None and criteria.bbox is None
    statement = _filtered(db, _observation_select(), criteria, scope, newest_first=newest)
    if shapes_only:
        statement = statement.where(*shape_conditions(db))
    with db.session() as session:
        statement = statement.order_by(Observation.observed_on.desc(), Observation.id.desc())
        statement = statement.limit(limit).offset(offset or None)
        frame = read_frame(session, statement)
    return redact_for_partners(frame) if scope.shareable_text_only else frame


def count_observations(db: Database, actor: Actor, criteria: ObservationFilter = ObservationFilter()) -> int:
    statement = select(func.count(Observation.id)).select_from(Observation)
    with db.session() as session:
        return session.scalar(_filtered(db, statement, criteria, observation_scope(actor))) or 0


def _observation_select() -> Select:
    return (
        select(
            Observation.id,
            Observation.diagnostic_id,
            Observation.observed_on,
            Observation.category,
            Observation.severity,
            Observation.status,
            Observation.description,
            Observation.recommendation,
            Observation.partner,
            Observation.shareable,
            Observation.shared_fields,
            Observation.author,
            Observation.commune_insee,
            Commune.name.label("commune_name"),
            Diagnostic.team_id,
            Team.name.label("team_name"),
            Diagnostic.place,
            Observation.version,
            geometry_as_wkb(Observation.geom),
        )
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Team, Team.id == Diagnostic.team_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
    )


def _filtered(
    db: Database, statement: Select, criteria: ObservationFilter, scope: Scope, *, newest_first: bool = False
) -> Select:
    # A box drives its query through the spatial index, and no other index is read: left to
    # themselves, SQLite starts from a commandant's 536 communes (each R*Tree candidate probed
    # once per commune: 0.4-11.5 s for a town over 1,000,000 rows) and PostgreSQL scans the
    # whole composite filters index beside the GiST one (100-155 ms), since gravité and statut
    # are not its leading columns.
    read = functools.partial(_unindexed, db) if criteria.bbox is not None else _as_is
    # The map's points in a box: from their covering index alone (services.point_boxes).
    by_point = point_driven(criteria)
    # `newest_first`: the départements, gravité, statut and catégorie are checked row by row, so
    # that the dates' index serves the order (else SQLite reads the whole scope through the
    # communes' indexes and sorts it); a chosen commune or team still reads its own index.
    by_row = functools.partial(_unindexed, db) if newest_first else read
    by_commune = criteria.bbox is not None and not by_point and _commune_driven(db, scope)
    hashed = criteria.bbox is not None and not db.is_sqlite  # a team's diagnostics: _of_teams
    conditions = []
    if criteria.start is not None:
        conditions.append(read(Observation.observed_on) >= criteria.start)
    if criteria.end is not None:
        conditions.append(read(Observation.observed_on) <= criteria.end)
    if criteria.categories:
        conditions.append(by_row(Observation.category).in_(criteria.categories))
    if criteria.severities and not by_point:  # else in the points index's terms (points_in_box)
        conditions.append(by_row(Observation.severity).in_(criteria.severities))
    if criteria.statuses:
        conditions.append(by_row(Observation.status).in_(criteria.statuses))
    if criteria.communes:
        conditions.append(read(Observation.commune_insee).in_(criteria.communes))
    if criteria.team_ids:
        conditions.append(_of_teams(criteria.team_ids, read, hashed=hashed))
    if criteria.diagnostic_id is not None:
        conditions.append(Observation.diagnostic_id == criteria.diagnostic_id)
    if criteria.ids:
        conditions.append(Observation.id.in_(criteria.ids))
    if criteria.overdue_on is not None:
        conditions.append(overdue_condition(criteria.overdue_on))
    if criteria.outside_zones:
        conditions.append(outside_zones_condition(db))
    if by_point:
        conditions.append(points_in_box(criteria.point_box, criteria.severities))
    elif criteria.bbox is not None:
        conditions.append(_box_on_each_row(criteria.bbox) if by_commune else _in_bbox(db, criteria.bbox))
    if criteria.point_box is not None and not by_point:
        west, south, east, north = (float(value) for value in criteria.point_box)
        conditions.append(read(drawing_lon()).between(west, east))
        conditions.append(read(drawing_lat()).between(south, north))
    # The scope last: SQLite tests the terms in their order, and a membership in a subquery costs
    # more per row than a gravité or a statut (a third of a town box's time for a commandant).
    scope_terms = scope_conditions(
        scope, read=_as_is if by_commune else read, departments_read=by_row, teams_hashed=hashed
    )
    return statement.where(*conditions, *scope_terms)


def outside_zones_condition(db: Database):
    """The drawing point lies in no patrol zone (an edge counts as inside, as
    analysis.mark_outside_zones). The few zones look up the observations their envelopes
    meet in the observations' spatial index, once per query; each row is then tested against
    that set (a lookup of the zones' index per row cost 2.6 s for 48,000 rows on SpatiaLite)."""
    inner = aliased(Observation)
    lon = func.coalesce(inner.lon, func.ST_X(func.ST_PointOnSurface(inner.geom)))
    lat = func.coalesce(inner.lat, func.ST_Y(func.ST_PointOnSurface(inner.geom)))
    if db.is_sqlite:
        index = _SPATIAL_INDEX.c
        candidates = select(index.rowid).where(
            index.f_table_name == Observation.__tablename__,
            index.f_geometry_column == "geom",
            index.search_frame == PatrolZone.geom,
        )
        inside = (
            select(inner.id)
            .select_from(PatrolZone.__table__)
            .join(inner, inner.id.in_(candidates))
            .where(func.ST_Intersects(PatrolZone.geom, func.MakePoint(lon, lat, SRID)) == 1)
        )
        return Observation.id.not_in(inside)
    inside = (
        select(literal_column("1"))
        .select_from(PatrolZone.__table__)
        .join(inner, inner.geom.op("&&")(PatrolZone.geom))
        .where(inner.id == Observation.id)
        .where(func.ST_Intersects(PatrolZone.geom, func.ST_SetSRID(func.ST_MakePoint(lon, lat), SRID)))
    )
    return ~exists(inside)


_SPATIAL_INDEX = table(
    "SpatialIndex", column("f_table_name"), column("f_geometry_column"), column("search_frame"), column("rowid")
)


def shape_conditions(db: Database) -> list:
    """SQL: a line or a polygon (not a point), in the terms of the partial index that holds them
    (ix_observations_shapes), so that they are read through it."""
    if db.is_sqlite:  # the blob's length selects through the index, the points' count is exact
        return [func.length(Observation.geom) > 60, func.ST_NPoints(Observation.geom) > 1]
    return [func.ST_NPoints(Observation.geom) > 1]


def drawing_lon():
    """The stored drawing point's longitude; computed when missing (a row written outside the ORM)."""
    return func.coalesce(Observation.lon, func.ST_X(func.ST_PointOnSurface(Observation.geom)))


def drawing_lat():
    return func.coalesce(Observation.lat, func.ST_Y(func.ST_PointOnSurface(Observation.geom)))


def overdue_condition(today: dt.date):
    """SQL: assigned to a partner, still open, and its due date passed (« en retard »)."""
    return and_(
        Observation.partner_id.is_not(None),
        Observation.due_on < today,
        Observation.status.in_(sorted(taxonomy.OPEN_STATUSES)),
    )


def scope_conditions(
    scope: Scope,
    *,
    read: Callable = lambda column: column,
    departments_read: Callable | None = None,
    teams_hashed: bool = False,
) -> list:
    """The conditions that keep what `scope` may read, on the observations table alone.

    Written as memberships of the observation's own columns: no join needed, whatever the
    query joins. `read` wraps each column (`_unindexed` in a box query), `departments_read`
    the column the départements are checked on (`read` by default); `teams_hashed`: see _of_teams.
    """
    conditions = []
    if scope.team_ids:
        conditions.append(_of_teams(scope.team_ids, read, hashed=teams_hashed))
    if scope.communes:
        conditions.append(read(Observation.commune_insee).in_(scope.communes))
    if scope.departments:
        communes = select(Commune.insee).where(Commune.department.in_(scope.departments))
        conditions.append((departments_read or read)(Observation.commune_insee).in_(communes))
    return conditions


def _of_teams(team_ids: tuple[int, ...], read: Callable, *, hashed: bool = False):
    """The observation's diagnostic is one of the teams'. `hashed` (PostgreSQL, a box): the
    team's diagnostics hashed once, each row looked up in them. PostgreSQL estimates a box at a
    row or ten (the strip and the latitude counted as independent) and joined a town's 7,000
    rows to diagnostics by a nested loop, an index probe each (35-45 ms at 1,000,000); a NOT IN
    is never made a join, and runs as a hashed subplan. The same rows: the diagnostic and the
    ids are never NULL, and `(x NOT IN s) IS false` is true exactly where `x IN s` is."""
    diagnostics = select(Diagnostic.id).where(Diagnostic.team_id.in_(team_ids))
    if hashed:
        return read(Observation.diagnostic_id).not_in(diagnostics).is_(False)
    return read(Observation.diagnostic_id).in_(diagnostics)


def _as_is(column):
    return column


def _unindexed(db: Database, column):
    """`column` as an expression that the planner cannot read through an index.

    SQLite: a unary plus, its documented way to disqualify a term from index use
    (https://www.sqlite.org/optoverview.html#disqualifying_where_clause_terms_using_unary_).
    PostgreSQL has no unary plus for text; `COALESCE(c, c)` is the same value and matches no index.
    """
    if db.is_sqlite:
        return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)
    return func.coalesce(column, column, type_=column.type)


def _commune_driven(db: Database, scope: Scope) -> bool:
    """A maire's (or a partner's) box on SpatiaLite reads the commune's index, not the R*Tree:
    a town box holds about 100,000 R*Tree candidates at 1,000,000 observations where Vesoul has
    28,647 rows (286 ms against 19 ms). PostgreSQL's GiST does better than its commune index."""
    return db.is_sqlite and bool(scope.communes) and not scope.departments and not scope.team_ids


def _box_on_each_row(bbox: BBox):
    """The box tested on each row the other conditions keep (no spatial index)."""
    west, south, east, north = (float(value) for value in bbox)
    return func.MbrIntersects(Observation.geom, func.BuildMbr(west, south, east, north, SRID)) == 1


def _in_bbox(db: Database, bbox: BBox):
    west, south, east, north = (float(value) for value in bbox)
    if db.is_sqlite:
        candidates = text(
            "SELECT rowid FROM SpatialIndex WHERE f_table_name = 'observations' "
            "AND f_geometry_column = 'geom' AND search_frame = BuildMbr(:w, :s, :e, :n, :srid)"
        ).bindparams(w=west, s=south, e=east, n=north, srid=SRID)
        # The R*Tree stores 32-bit float boxes, rounded outwards: it may return points a few
        # centimetres outside the box, so the candidates are checked exactly (cheap: MBR only).
        exact = func.MbrIntersects(Observation.geom, func.BuildMbr(west, south, east, north, SRID)) == 1
        return and_(Observation.id.in_(candidates.columns(rowid=Observation.id.type)), exact)
    envelope = func.ST_MakeEnvelope(west, south, east, north, SRID)
    # `&&` compares 32-bit float boxes (index or not); the exact test keeps the box's edges
    # exact and gives the same answer as SpatiaLite's MbrIntersects.
    return and_(Observation.geom.op("&&")(envelope), func.ST_Intersects(func.ST_Envelope(Observation.geom), envelope))


# --- Points for maps at scale (issue 3) ------------------------------------------------------


def observation_points(
    db: Database, actor: Actor, criteria: ObservationFilter = ObservationFilter(), *, session: Session | None = None
) -> pd.DataFrame:
    """The observations `criteria` keeps, as drawing points only: no text, no geometry parsing.

    For maps of 100,000 observations: lon/lat is the stored drawing point (a line or polygon's
    point on surface); catégorie and statut come as pandas categoricals, `observed_on` as
    datetime64. Sorted by gravité, so that the most serious are drawn last, on top, then by N°
    (SQL gives rows in no set order: the same data draws the same on every backend). `session`:
    read in that session's transaction (a use case that reads more than the points).
    """
    if session is None:
        with db.session() as own:
            return observation_points(db, actor, criteria, session=own)
    scope = observation_scope(actor)
    # Codes and day numbers computed by the database (services.point_rows).
    # In a point-driven box every row has its point stored: read as is, the rows come from the
    # index alone (the fallback reads the geometry from the table).
    lon, lat = (Observation.lon, Observation.lat) if point_driven(criteria) else (drawing_lon(), drawing_lat())
    columns = (Observation.id, lon, lat, Observation.severity, *point_rows.codes(), point_rows.days_since_1970(db))
    if db.is_sqlite and point_driven(criteria):  # one row: services.point_rows
        statement = _filtered(db, select(*point_rows.collected(*columns, Observation.commune_insee)), criteria, scope)
        array = point_rows.point_columns(session.connection().execute(statement).one(), POINT_DTYPE)
        if array is not None:
            return points_array_frame(array)
    # No join: the scope and the filters are memberships of the observation's own columns.
    statement = _filtered(db, select(*columns, Observation.commune_insee), criteria, scope)
    result = session.connection().execute(statement.execution_options(**{BINARY_ROWS: True}))
    # Plain DB-API tuples: these columns need no conversion, and building 100,000 Row
    # objects (then having pandas probe each) costs more than the query itself.
    with gc_paused():
        rows = result.cursor.fetchall()
        result.close()
        frame = points_frame(rows)
        del rows
    return frame
