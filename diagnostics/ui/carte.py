"""Carte de commandement: observations at scale with the reference layers, filters, heatmap,
observations outside the patrol zones, the filtered table and the follow-up of one observation.

What is slow is cached by what it depends on (the database's data versions). The map fetches
each view itself from the app's route (/api/map/observations: cells with counts at low zoom,
the box's points when few enough), reading the filters from the page's address and writing its
view there: pan, zoom and a change of filter cause no rebuild of the map, pan and zoom no rerun.
The heatmap comes from the same views (weighted cells, then points), and so do the observations
outside patrol zones (tested in SQL; the list under the map is bounded). With PSQ_MAP_VIEW=all
every point of the selection goes to the map as before. A click on a point returns its N° and
opens its follow-up below the map.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

import folium
import pandas as pd
import streamlit as st

from diagnostics import config, localtime, maps, taxonomy
from diagnostics.services import alerts, viewport
from diagnostics.services.observations import ObservationFilter
from diagnostics.ui import carte_data, common, filters, follow_up, map_view, tables
from diagnostics.web import map_api

TABLE_COLUMNS = {
    "id": "N°",
    "observed_on": "Date",
    "commune_name": "Commune",
    "place": "Lieu",
    "category": "Catégorie",
    "severity": "Gravité",
    "status": "Statut",
    "team_name": "Équipe",
    "description": "Description",
    "recommendation": "Préconisation",
    "partner": "Partenaire",
    "late": "En retard",
}
# Long texts get room; the whole text is in the follow-up below the table.
TABLE_CONFIG = {
    "N°": st.column_config.NumberColumn(format="%d", width="small"),
    "Description": st.column_config.TextColumn(width="large"),
    "Préconisation": st.column_config.TextColumn(width="large"),
}
CLICK = "last_object_clicked_tooltip"
MAP_KEY = carte_data.MAP_KEY
OPENING_BOUNDS = "map_opening_bounds"  # session: the extent the map first opened on
TABLE_PANEL = "tableau"  # the table's expander: its key, and the address's parameter while open


def page() -> None:
    st.title("Carte de commandement")
    actor = common.current_actor("command_map")
    follow_up.choose(common.linked_observation())  # opened from an e-mail's link
    db = common.database()
    criteria = filters.observation_filters(db)
    st.sidebar.header("Affichage")
    heat = filters.toggle(st.sidebar, "Carte de chaleur", "heat")
    highlight = filters.toggle(st.sidebar, "Observations hors zones de patrouille", "outside")
    reader, today = common.Reader(db, actor), localtime.now_paris().date()
    all_points = config.map_all_points()
    if not all_points:  # the grid of the map's first view, computed while this page is drawn
        _, reference, _, versions = reader.key  # the counters this page run reads anyway
        viewport.prefetch_grid(db, actor, map_api.view_criteria(st.query_params, today), versions=(versions, reference))
    count = carte_data.count(reader, criteria)
    st.caption(f"{count} observation(s) retenue(s) par les filtres. Cliquez sur un point pour ouvrir son suivi.")
    st.metric("En retard (échéance passée, toutes observations)", carte_data.overdue_count(reader, today))
    # A toggle keeps the view; the route's map reads both switches from the page's address and
    # draws its heatmap, or asks for the observations outside the zones, itself: not rebuilt.
    map_view.follow_mode((heat and all_points, highlight and all_points, all_points))
    if all_points:  # every point of the selection goes to the map
        _all_points_map(reader, criteria, heat, highlight)
    else:
        _viewport_map(reader, criteria)
    # The table opens on demand (kept open in the address): its thousand rows cost the browser more
    # to lay out than the whole map (benchmarks/map_viewport.py), and most opens are for the map.
    with st.expander("Tableau des observations", key=TABLE_PANEL, on_change="rerun", bind="query-params") as panel:
        if panel.open:
            _table(reader, criteria, today, count)
    if highlight:
        _outside_list(reader, criteria)
    follow_up.panel(db, actor)


def _table(reader: common.Reader, criteria: ObservationFilter, today: dt.date, count: int) -> None:
    table, late = carte_data.table_frame(reader, criteria, today)
    if count > len(table):
        st.caption(f"Les {len(table)} observations les plus récentes sur {count}.")
    st.session_state["table_ids"] = [int(value) for value in table["id"]]
    with tables.audited("carte"):
        st.dataframe(
            table_view(table, late),
            hide_index=True,
            width="stretch",
            column_config=TABLE_CONFIG,
            key="obs_table",
            on_select=_pick_from_table,
            selection_mode="single-row",
        )


def _viewport_map(reader: common.Reader, criteria: ObservationFilter) -> None:
    """The map fetches each view from the app's route (cells or points, assets/viewport.js): its
    document does not depend on the filters (the script reads them from the page's address), so
    it is rendered once per scope, opening frame and alerts shown, for every commander of that
    scope; lines and polygons come as an overlay."""
    db, actor = reader.db, reader.actor
    if OPENING_BOUNDS not in st.session_state:  # framed once per session, on the scope's observations
        territory = carte_data.territory(db, tuple(actor.departments))
        st.session_state[OPENING_BOUNDS] = map_view.opening_bounds(carte_data.extent(reader), territory)
    document = carte_data.viewport_document(
        db, actor, st.session_state[OPENING_BOUNDS], map_view.frozen_view(), alerts.sent_alerts_frame(db, actor)
    )
    shapes = carte_data.shapes(reader, criteria)
    overlay = folium.FeatureGroup(name=maps.LAYER_NAMES["shapes"])
    if not shapes.empty:
        maps.add_observations(overlay, shapes, name=maps.LAYER_NAMES["shapes"])
    _map(functools.partial(common.show_map_document, document), overlay=overlay, returned=[CLICK])


def _all_points_map(reader: common.Reader, criteria: ObservationFilter, heat: bool, highlight: bool) -> None:
    db, actor = reader.db, reader.actor
    layer = carte_data.map_layer(reader, criteria, highlight)
    # Points are drawn fast on one canvas; lines and polygons, far fewer, also with their shape.
    # Built afresh at every run of the map's fragment: a folium map rendered twice is not the same.
    build = functools.partial(
        maps.build_review_map,
        carte_data.base(db, actor),
        layer["payload"],
        bounds=layer["bounds"],
        heat=carte_data.heat(reader, criteria) if heat else None,
        highlight_outside=highlight,
        shapes=carte_data.shapes(reader, criteria),
        dispositifs=carte_data.dispositifs_of(db, actor),
        tiles=config.tile_sources(),
        view=map_view.opening_view((criteria, heat, highlight)),
        alerts=alerts.sent_alerts_frame(db, actor),
    )
    _map(lambda **shown: common.show_map(build(), **shown), returned=[CLICK, "center", "zoom"])


@st.fragment
def _map(show: Callable[..., object], *, overlay=None, returned: list[str]) -> None:
    """The map; a click on a point reruns the whole page (its follow-up opens below). With the
    whole set on the map, a pan or a zoom reruns only this fragment (its view goes to the URL)."""
    show(key=MAP_KEY, height=600, returned_objects=returned, feature_group_to_add=overlay)
    result = st.session_state.get(MAP_KEY)  # streamlit-folium keeps its value under the key
    map_view.remember(result)
    if _follow_clicked_point(result):
        st.rerun()


def _follow_clicked_point(result) -> bool:
    """A click on a point opens its follow-up; only a new click does (a rerun for another reason
    leaves the N° typed or picked in the table alone). True for a new click."""
    tooltip = (result or {}).get(CLICK)
    if tooltip and tooltip != st.session_state.get("map_clicked"):
        st.session_state["map_clicked"] = tooltip
        follow_up.choose(maps.clicked_observation(tooltip))
        return True
    return False


# --- table and coverage ----------------------------------------------------------------------


def table_view(observations: pd.DataFrame, late: frozenset[int] = frozenset()) -> pd.DataFrame:
    """The table as people read it: labels, dates as 01/12/2026, empty cells empty (no « None »);
    « En retard » marks the observations whose due date passed."""
    shown = [column for column in TABLE_COLUMNS if column in observations.columns]  # partners get fewer
    table = observations[shown].copy()
    if "id" in table:
        table.insert(1, "late", ["oui" if int(i) in late else "" for i in table["id"]])
    if "observed_on" in table:
        table["observed_on"] = localtime.date_column(table["observed_on"])
    for column, label in (
        ("category", taxonomy.category_label),
        ("severity", taxonomy.severity_label),
        ("status", taxonomy.status_label),
    ):
        if column in table:
            table[column] = table[column].map(label)
    text = [column for column in table.columns if column != "id"]
    table[text] = table[text].astype(object).where(table[text].notna(), "")
    return table.rename(columns=TABLE_COLUMNS)


def _pick_from_table() -> None:
    rows = st.session_state["obs_table"]["selection"]["rows"]
    ids = st.session_state.get("table_ids", [])
    if rows and rows[0] < len(ids):
        follow_up.choose(ids[rows[0]])


def _outside_list(reader: common.Reader, criteria: ObservationFilter) -> None:
    result = carte_data.outside(reader, criteria)
    st.subheader("Observations hors zones de patrouille")
    shown = f" Liste : les {len(result.listed)} plus graves." if result.outside > len(result.listed) else ""
    st.caption(
        f"{result.outside} observation(s) sur {result.total} hors de toute zone de patrouille "
        f"(cerclées de bleu sur la carte), les plus graves d'abord.{shown}"
    )
    listed = table_view(result.listed)
    with tables.audited("carte_outside"):
        st.dataframe(listed, hide_index=True, width="stretch", column_config=TABLE_CONFIG)


page()
