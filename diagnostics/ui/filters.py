"""The observation filters shared by the commanders' pages (map and analysis), in the sidebar."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics import taxonomy
from diagnostics.services.observations import ObservationFilter
from diagnostics.ui import common

PERIODS = {
    "all": "Toute la période",
    "30d": "30 derniers jours",
    "3m": "3 derniers mois",
    "12m": "12 derniers mois",
    "year": "Année en cours",
    "custom": "Dates choisies…",
}


def observation_filters(db, *, prefix: str = "f_", today: dt.date | None = None) -> ObservationFilter:
    """The sidebar filters; widget keys start with `prefix` so that each page keeps its own."""
    sidebar = st.sidebar
    sidebar.header("Filtres")
    start, end = _period(sidebar, prefix, today or dt.date.today())
    categories = sidebar.multiselect(
        "Catégories",
        [c.code for c in taxonomy.CATEGORIES],
        key=f"{prefix}categories",
        format_func=taxonomy.category_label,
        placeholder="Toutes",
        select_all=False,
    )
    severities = sidebar.multiselect(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key=f"{prefix}severities",
        format_func=taxonomy.severity_label,
        placeholder="Toutes",
        select_all=False,
    )
    statuses = sidebar.multiselect(
        "Statut",
        list(taxonomy.STATUSES),
        key=f"{prefix}statuses",
        format_func=taxonomy.status_label,
        placeholder="Tous",
        select_all=False,
    )
    communes = common.commune_choices(db)
    chosen_communes = sidebar.multiselect(
        "Communes",
        list(communes),
        key=f"{prefix}communes",
        format_func=communes.get,
        placeholder="Toutes",
        select_all=False,
    )
    teams = common.team_choices(db)
    chosen_teams = sidebar.multiselect(
        "Équipes", list(teams), key=f"{prefix}teams", format_func=teams.get, placeholder="Toutes", select_all=False
    )
    return ObservationFilter(
        start=start,
        end=end,
        categories=tuple(categories),
        severities=tuple(severities),
        statuses=tuple(statuses),
        communes=tuple(chosen_communes),
        team_ids=tuple(chosen_teams),
    )


def _period(sidebar, prefix: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    choice = sidebar.selectbox("Période", list(PERIODS), format_func=PERIODS.get, key=f"{prefix}period_choice")
    if choice == "custom":
        picked = sidebar.date_input(
            "Du … au …",
            value=(),
            format="DD/MM/YYYY",
            key=f"{prefix}period",
            help="Choisissez une date de début puis une date de fin.",
        )
        return period_bounds(picked)
    return preset_bounds(choice, today)


def preset_bounds(choice: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if choice == "30d":
        return today - dt.timedelta(days=29), today
    if choice == "3m":
        return _months_before(today, 3), today
    if choice == "12m":
        return _months_before(today, 12), today
    if choice == "year":
        return dt.date(today.year, 1, 1), today
    return None, None


def period_bounds(period) -> tuple[dt.date | None, dt.date | None]:
    """A date range picker gives (), (start,) while choosing, or (start, end)."""
    if isinstance(period, dt.date):
        return period, period
    values = tuple(period or ())
    if len(values) == 1:
        return values[0], None
    if len(values) == 2:
        return values[0], values[1]
    return None, None


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, 28)) + dt.timedelta(days=1)
