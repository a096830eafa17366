"""The Carte de commandement's reads, cached by what they depend on (common.Reader: the scope and
the data versions of its départements; the reference version for reference layers), shared by
every commander of a scope.

Apart from the page (a script) so that the server's warm-up (diagnostics/web/warmup.py) can
compute the first open's reads of each commander scope before anyone asks (`warm`): the count,
« en retard », the opening frame's extent, lines and polygons, and the map's reference layers.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from diagnostics import config, dataversion, filter_params, maps
from diagnostics.auth import Actor
from diagnostics.maps.viewport import view_options
from diagnostics.services import alerts, analysis, assignments, cameras, dispositifs, outside_zones, viewport
from diagnostics.services.observations import (
    ObservationFilter,
    count_observations,
    observation_points,
    observations_frame,
)
from diagnostics.ui import common, map_document, map_view
from diagnostics.web import map_api

MAX_SHAPES = 5_000
OUTSIDE_LIST_LIMIT = 500
TABLE_LIMIT = 1000
MAP_KEY = "command_map"  # the Carte's map: its component's key


def warm(db, actor: Actor, today: dt.date, *, document: bool = False) -> None:
    """What the first open of the Carte reads for `actor`'s scope with the opening filters;
    with `document`, the map's document of an open with no view in its address too (it needs
    streamlit-folium's component declared and served: the caller's business)."""
    reader, criteria = common.Reader(db, actor), ObservationFilter()
    count(reader, criteria)
    overdue_count(reader, today)
    shapes(reader, criteria)
    base(db, actor)
    dispositifs_of(db, actor)
    bounds = map_view.opening_bounds(extent(reader), territory(db, tuple(actor.departments)))
    if document:
        viewport_document(db, actor, bounds, None, alerts.sent_alerts_frame(db, actor))


@common.map_document_resource(max_entries=64)
def viewport_document(db, _actor: Actor, bounds, view, sent_alerts) -> map_document.Document:
    """The viewport map's document (ui.map_document): reference layers come from the route."""
    m = maps.build_review_map(
        base(db, _actor),
        None,
        bounds=bounds,
        dispositifs=dispositifs_of(db, _actor),
        tiles=config.tile_sources(),
        view=view,
        alerts=sent_alerts,
        viewport=view_options(
            map_api.PATH,
            filter_params.CRITERIA_PARAMS,
            map_view.PARAM,
            map_api.REFERENCE_PATH,
            db.data_version(dataversion.REFERENCE),
            filter_params.PARAMS["heat"],
            filter_params.PARAMS["outside"],
        ),
    )
    return map_document.render(m, MAP_KEY)


@common.reference_resource()
def base(db, _actor: Actor) -> maps.Base:
    """Reference layers as GeoJSON text, once per process and reference data version (the same
    for every reader of this page, the forces: the service checks the first reader's role)."""
    sectors, zones, sites = common.context_layers(db)
    return maps.prepare_base(common.communes(db), sectors, zones, sites, cameras.cameras_frame(db, _actor))


@common.data_resource(max_entries=16)
def selection_points(reader: common.Reader, criteria: ObservationFilter) -> pd.DataFrame:
    return observation_points(reader.db, reader.actor, criteria)


@common.data_resource(max_entries=16)
def map_layer(reader: common.Reader, criteria: ObservationFilter, highlight: bool) -> dict:
    points = selection_points(reader, criteria)
    if highlight:
        points = points.assign(outside=analysis.mark_outside_zones(points, common.context_layers(reader.db)[1]))
    return {
        "payload": maps.points_payload(points),
        "bounds": maps.points_bounds(points),
        "count": len(points),
    }


@common.data_cache(max_entries=64)
def count(reader: common.Reader, criteria: ObservationFilter) -> int:
    return count_observations(reader.db, reader.actor, criteria)


@common.data_cache(max_entries=16)
def extent(reader: common.Reader):
    return viewport.extent(reader.db, reader.actor, ObservationFilter())


@common.reference_cache()
def territory(db, departments: tuple[str, ...]):
    """West, south, east, north of the communes of these départements (all of them for none)."""
    communes = common.communes(db)
    if departments:
        communes = communes[communes["department"].isin(departments)]
    return maps.bounds_of(communes)


@common.data_resource(max_entries=16)
def shapes(reader: common.Reader, criteria: ObservationFilter):
    """Lines and polygons, drawn with their shape (points are on the canvas)."""
    return observations_frame(reader.db, reader.actor, criteria, shapes_only=True, limit=MAX_SHAPES)


@common.reference_resource()
def dispositifs_of(db, _actor: Actor):
    # Communes' dispositifs are reference data, the same for every reader of this page: not
    # keyed by the actor (whose permission the service checks at the first call).
    return dispositifs.dispositifs_frame(db, _actor)


@common.data_resource(max_entries=4)
def heat(reader: common.Reader, criteria: ObservationFilter) -> list[list[float]]:
    return maps.heat_data(selection_points(reader, criteria))


@common.data_cache(max_entries=16)
def outside(reader: common.Reader, criteria: ObservationFilter) -> outside_zones.Outside:
    return outside_zones.outside_zones(reader.db, reader.actor, criteria, limit=OUTSIDE_LIST_LIMIT)


@common.data_cache(max_entries=16)
def overdue_count(reader: common.Reader, today: dt.date) -> int:
    return assignments.count_overdue(reader.db, reader.actor, today=today)


@common.data_cache(max_entries=32)  # a table of 1,000 rows is about 0.4 MB in memory
def table_frame(
    reader: common.Reader, criteria: ObservationFilter, today: dt.date
) -> tuple[pd.DataFrame, frozenset[int]]:
    """The table's rows (the newest TABLE_LIMIT) and which of them are « en retard »."""
    frame = observations_frame(reader.db, reader.actor, criteria, limit=TABLE_LIMIT)
    ids = tuple(int(i) for i in frame["id"])
    late = assignments.overdue_ids(reader.db, reader.actor, today=today, among=ids)
    return pd.DataFrame(frame.drop(columns="geometry")), late
