"""Analyse: charts of the observations the filters keep, month by month, and patrol coverage."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from diagnostics import config, maps, taxonomy
from diagnostics.auth import Actor
from diagnostics.services import analysis
from diagnostics.services.observations import ObservationFilter, observation_points
from diagnostics.ui import common, filters

OUTSIDE_LIST_LIMIT = 500
VIEWS = {"spread": "Répartition", "months": "Mois par mois", "coverage": "Couverture"}


def page() -> None:
    st.title("Analyse des observations")
    actor = common.current_actor("follow_up")
    db = common.database()
    criteria = filters.observation_filters(db, prefix="a_")
    points = _points(db, actor, criteria)
    st.caption(f"{len(points)} observation(s) retenue(s) par les filtres.")
    if points.empty:
        st.info("Aucune observation ne correspond aux filtres.")
        return
    charts = analysis.charts_of(points, common.communes(db))
    # One view at a time (not st.tabs): a Leaflet map drawn in a hidden tab gets no size.
    view = st.segmented_control("Vue", list(VIEWS), default="spread", format_func=VIEWS.get, key="a_view")
    if view == "months":
        _month_by_month(points, charts)
    elif view == "coverage":
        _coverage(db, points, actor)
    else:
        _spread(charts)


@common.data_resource(max_entries=8)
def _points(db, actor: Actor, criteria: ObservationFilter) -> pd.DataFrame:
    return observation_points(db, actor, criteria)


def _bars(frame: pd.DataFrame, label: str, *, sort: bool = True, color: str = "#1b3c73") -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(color=color)
        .encode(
            x=alt.X("observations:Q", title="Observations"),
            y=alt.Y(f"{label}:N", title=None, sort="-x" if sort else None, axis=alt.Axis(labelLimit=320)),
            tooltip=[label, "observations"],
        )
    )


def _spread(charts: analysis.Charts) -> None:
    left, right = st.columns(2)
    left.subheader("Par catégorie")
    left.altair_chart(_bars(charts.by_category, "catégorie"), width="stretch")
    right.subheader("Observations ouvertes par gravité")
    right.caption("Statuts nouvelle, transmise ou en cours.")
    colours = alt.Scale(domain=list(charts.open_by_severity["gravité"]), range=list(taxonomy.SEVERITY_COLORS.values()))
    right.altair_chart(
        alt.Chart(charts.open_by_severity)
        .mark_bar()
        .encode(
            x=alt.X("gravité:N", title=None, sort=None),
            y=alt.Y("observations:Q", title="Observations ouvertes"),
            color=alt.Color("gravité:N", scale=colours, legend=None),
            tooltip=["gravité", "observations"],
        ),
        width="stretch",
    )
    st.subheader("Par commune (les 20 premières)")
    st.altair_chart(_bars(charts.by_commune, "commune"), width="stretch")


def _month_by_month(points: pd.DataFrame, charts: analysis.Charts) -> None:
    st.subheader("Observations par mois")
    st.altair_chart(
        alt.Chart(charts.by_month)
        .mark_bar(color="#1b3c73")
        .encode(
            x=alt.X("mois:O", title=None),
            y=alt.Y("observations:Q", title="Observations"),
            tooltip=["mois", "observations"],
        ),
        width="stretch",
    )
    months = list(charts.by_month["mois"])
    month = st.select_slider("Détail du mois", options=months, value=months[-1], key="a_month")
    of_month = points[analysis.month_of(points) == month]
    st.caption(f"{len(of_month)} observation(s) en {month}.")
    left, right = st.columns(2)
    by_category = of_month["category"].map(taxonomy.category_label).value_counts().rename("observations")
    left.dataframe(by_category.rename_axis("Catégorie").reset_index(), hide_index=True, width="stretch")
    by_status = of_month["status"].map(taxonomy.status_label).value_counts().rename("observations")
    right.dataframe(by_status.rename_axis("Statut").reset_index(), hide_index=True, width="stretch")


def _coverage(db, points: pd.DataFrame, actor: Actor) -> None:
    sectors, zones, _sites = common.context_layers(db)
    communes = common.communes(db)
    if actor.departments:  # a commandant's communes only, not the other département's zeros
        communes = communes[communes["department"].isin(actor.departments)].reset_index(drop=True)
    result = analysis.coverage_of(points, zones, sectors, communes)
    outside_share = len(result.outside) / result.total if result.total else 0
    first, second, third = st.columns(3)
    first.metric("Observations", result.total)
    second.metric("Hors zones de patrouille", len(result.outside), f"{outside_share:.0%}", delta_color="off")
    third.metric("Dans un secteur", int(result.by_sector["observations"].sum()))
    st.subheader("Observations hors de toute zone de patrouille")
    listed = result.outside.head(OUTSIDE_LIST_LIMIT).assign(
        category=lambda f: f["category"].map(taxonomy.category_label),
        severity=lambda f: f["severity"].map(taxonomy.severity_label),
        status=lambda f: f["status"].map(taxonomy.status_label),
    )
    st.dataframe(
        listed.rename(
            columns={
                "id": "N°",
                "observed_on": "Date",
                "commune": "Commune",
                "category": "Catégorie",
                "severity": "Gravité",
                "status": "Statut",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption("Sur la carte de commandement, activez « Observations hors zones de patrouille » pour les voir.")
    st.subheader("Par secteur")
    st.dataframe(result.by_sector.rename(columns={"secteur": "Secteur"}), hide_index=True, width="stretch")
    st.subheader("Pour 1 000 habitants, par commune")
    by_commune = result.by_commune.set_index("insee")
    common.show_map(
        maps.build_choropleth(
            communes,
            by_commune,
            column="pour 1 000 habitants",
            legend="obs. pour 1 000 hab.",
            tiles=config.tile_sources(),
        ),
        key="choropleth",
        height=560,
    )
    st.dataframe(
        result.by_commune[result.by_commune["observations"] > 0].rename(
            columns={"insee": "INSEE", "commune": "Commune", "population": "Population", "observations": "Observations"}
        ),
        hide_index=True,
        width="stretch",
    )


page()
