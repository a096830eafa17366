"""The observation filters shared by the commanders' pages (map and analysis), in the sidebar.

One set of filters for both pages, carried in the URL (`st.query_params`) so that a view can be
bookmarked and sent: opening the URL gives the same filters. Streamlit forgets a page's widget
state when another page runs, so the values are also kept in the session (`SAVED`) and given
back to the widgets on the next page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import streamlit as st

from diagnostics import localtime, taxonomy
from diagnostics.filter_params import PARAMS, PERIODS, encode, period_bounds, preset_bounds
from diagnostics.filter_params import dates as _dates
from diagnostics.filter_params import many as _many
from diagnostics.filter_params import one_of as _one_of
from diagnostics.services.observations import ObservationFilter
from diagnostics.ui import common

PREFIX = "f_"
SAVED = "filters_saved"


def observation_filters(db, *, today: dt.date | None = None) -> ObservationFilter:
    """The sidebar filters, restored from the URL (or from the other page) and written back to it."""
    sidebar = st.sidebar
    sidebar.header("Filtres")
    communes = common.commune_choices(db)
    teams = common.team_choices(db)
    category_codes = [c.code for c in taxonomy.CATEGORIES]
    _restore("period_choice", _one_of(list(PERIODS)))
    _restore("period", _dates)
    _restore("categories", _many(category_codes))
    _restore("severities", _many(list(taxonomy.SEVERITIES), int))
    _restore("statuses", _many(list(taxonomy.STATUSES)))
    _restore("communes", _many(list(communes)))
    _restore("teams", _many(list(teams), int))
    start, end = _period(sidebar, today or dt.date.today())
    categories = sidebar.multiselect(
        "Catégories",
        category_codes,
        key=f"{PREFIX}categories",
        format_func=taxonomy.category_label,
        placeholder="Toutes",
        select_all=False,
    )
    severities = sidebar.multiselect(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key=f"{PREFIX}severities",
        format_func=taxonomy.severity_label,
        placeholder="Toutes",
        select_all=False,
    )
    statuses = sidebar.multiselect(
        "Statut",
        list(taxonomy.STATUSES),
        key=f"{PREFIX}statuses",
        format_func=taxonomy.status_label,
        placeholder="Tous",
        select_all=False,
    )
    chosen_communes = sidebar.multiselect(
        "Communes",
        list(communes),
        key=f"{PREFIX}communes",
        format_func=communes.get,
        placeholder="Toutes",
        select_all=False,
    )
    chosen_teams = sidebar.multiselect(
        "Équipes", list(teams), key=f"{PREFIX}teams", format_func=teams.get, placeholder="Toutes", select_all=False
    )
    for name in ("period_choice", "period", "categories", "severities", "statuses", "communes", "teams"):
        _remember(name)
    overdue = toggle(sidebar, "En retard seulement (échéance passée)", "overdue")
    return ObservationFilter(
        start=start,
        end=end,
        categories=tuple(categories),
        severities=tuple(severities),
        statuses=tuple(statuses),
        communes=tuple(chosen_communes),
        team_ids=tuple(chosen_teams),
        overdue_on=localtime.now_paris().date() if overdue else None,
    )


def toggle(container, label: str, name: str) -> bool:
    """A switch kept in the URL like the filters (`name`: heat, outside)."""
    _restore(name, lambda raw: raw == "1")
    value = container.toggle(label, key=f"{PREFIX}{name}")
    _remember(name)
    return value


def view(label: str, options: dict[str, str], default: str) -> str:
    """The page's view (a segmented control) kept in the URL."""
    _restore("view", _one_of(list(options)))
    key = f"{PREFIX}view"
    if key not in st.session_state:
        st.session_state[key] = default
    chosen = st.segmented_control(label, list(options), format_func=options.get, key=key) or default
    _remember("view")
    return chosen


# --- state: URL ↔ widgets ----------------------------------------------------------------------


def _restore(name: str, decode: Callable[[str], object]) -> None:
    """Give the widget its value before it is made: what this session last had (on either page),
    else what the URL says (a bookmark opened in a new session).

    Set again on every run: for Streamlit the widget of the other page with the same key is
    another widget, which would start empty (the documented `st.session_state[k] = st.session_state[k]`)."""
    key = f"{PREFIX}{name}"
    saved = st.session_state.get(SAVED)
    if key in st.session_state:  # just changed by the person, or left by the other page
        value = st.session_state[key]
    elif saved is not None and name in saved:
        value = saved[name]
    else:
        raw = st.query_params.get(PARAMS[name])
        value = decode(raw) if raw is not None else None
    if value is not None:
        st.session_state[key] = value


def _remember(name: str) -> None:
    value = st.session_state.get(f"{PREFIX}{name}")
    st.session_state.setdefault(SAVED, {})[name] = value
    encoded = encode(name, value)
    if encoded:
        st.query_params[PARAMS[name]] = encoded
    elif PARAMS[name] in st.query_params:
        del st.query_params[PARAMS[name]]


# --- periods -------------------------------------------------------------------------------------


def _period(sidebar, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    choice = sidebar.selectbox("Période", list(PERIODS), format_func=PERIODS.get, key=f"{PREFIX}period_choice")
    if choice == "custom":
        key = f"{PREFIX}period"
        initial = {} if key in st.session_state else {"value": ()}  # restored from the URL otherwise
        picked = sidebar.date_input(
            "Du … au …",
            **initial,
            format="DD/MM/YYYY",
            key=key,
            help="Choisissez une date de début puis une date de fin.",
        )
        return period_bounds(picked)
    return preset_bounds(choice, today)
