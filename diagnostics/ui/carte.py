"""Carte de commandement: observations with the reference layers, filters and the filtered table."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from diagnostics import config, maps, taxonomy
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import common

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
}


def page() -> None:
    st.title("Carte de commandement")
    actor = common.current_actor("review_observations")
    db = common.database()
    url = config.database_url()
    criteria = _filters(db, url)
    observations = observations_frame(db, actor, criteria)
    sectors, zones, sites = common.context_layers(db, url)
    layers = maps.CommandLayers(common.communes(db, url), sectors, zones, sites, observations)
    focus = observations if not observations.empty else None
    st.caption(f"{len(observations)} observation(s) retenue(s) par les filtres.")
    common.show_map(
        maps.build_command_map(layers, tiles=config.tile_sources(), focus=focus), key="command_map", height=600
    )
    st.dataframe(_table(observations), hide_index=True, width="stretch")


def _filters(db, url: str) -> ObservationFilter:
    sidebar = st.sidebar
    sidebar.header("Filtres")
    period = sidebar.date_input(
        "Période",
        value=(),
        format="DD/MM/YYYY",
        key="f_period",
        help="Choisissez une date de début puis une date de fin.",
    )
    categories = sidebar.multiselect(
        "Catégories",
        [c.code for c in taxonomy.CATEGORIES],
        key="f_categories",
        format_func=taxonomy.category_label,
        placeholder="Toutes",
    )
    severities = sidebar.multiselect(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key="f_severities",
        format_func=taxonomy.severity_label,
        placeholder="Toutes",
    )
    statuses = sidebar.multiselect(
        "Statut", list(taxonomy.STATUSES), key="f_statuses", format_func=taxonomy.status_label, placeholder="Tous"
    )
    communes = common.commune_choices(db, url)
    chosen_communes = sidebar.multiselect(
        "Communes", list(communes), key="f_communes", format_func=communes.get, placeholder="Toutes"
    )
    teams = common.team_choices(db, url)
    chosen_teams = sidebar.multiselect(
        "Équipes", list(teams), key="f_teams", format_func=teams.get, placeholder="Toutes"
    )
    start, end = _period_bounds(period)
    return ObservationFilter(
        start=start,
        end=end,
        categories=tuple(categories),
        severities=tuple(severities),
        statuses=tuple(statuses),
        communes=tuple(chosen_communes),
        team_ids=tuple(chosen_teams),
    )


def _period_bounds(period) -> tuple[dt.date | None, dt.date | None]:
    """A date range picker gives (), (start,) while choosing, or (start, end)."""
    if isinstance(period, dt.date):
        return period, period
    values = tuple(period or ())
    if len(values) == 1:
        return values[0], None
    if len(values) == 2:
        return values[0], values[1]
    return None, None


def _table(observations) -> pd.DataFrame:
    shown = [column for column in TABLE_COLUMNS if column in observations.columns]  # partners get fewer
    table = pd.DataFrame(observations.drop(columns="geometry"))[shown]
    table["category"] = table["category"].map(taxonomy.category_label)
    table["severity"] = table["severity"].map(taxonomy.severity_label)
    table["status"] = table["status"].map(taxonomy.status_label)
    return table.rename(columns=TABLE_COLUMNS)


page()
