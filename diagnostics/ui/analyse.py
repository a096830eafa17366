"""Analyse: charts of the observations the filters keep, month by month, and patrol coverage."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from diagnostics import config, localtime, maps, taxonomy
from diagnostics.auth import Actor
from diagnostics.services import analysis, assignments
from diagnostics.services.observations import ObservationFilter, observation_points
from diagnostics.ui import analyse_partners, common, filters

OUTSIDE_LIST_LIMIT = 500
WHOLE = alt.Axis(format="d", tickMinStep=1)  # counts in whole numbers
VIEWS = {"spread": "Répartition", "months": "Mois par mois", "coverage": "Couverture", "partners": "Partenaires"}


def page() -> None:
    st.title("Analyse des observations")
    actor = common.current_actor("follow_up")
    db = common.database()
    criteria = filters.observation_filters(db)
    points = _points(db, actor, criteria)
    st.caption(f"{len(points)} observation(s) retenue(s) par les filtres.")
    if points.empty:
        st.info("Aucune observation ne correspond aux filtres.")
        return
    charts = analysis.charts_of(points, common.communes(db))
    # One view at a time (not st.tabs): a Leaflet map drawn in a hidden tab gets no size.
    view = filters.view("Vue", VIEWS, "spread")
    if view == "months":
        _month_by_month(points, charts)
    elif view == "coverage":
        _coverage(db, points, actor)
    elif view == "partners":
        analyse_partners.partner_view(db, actor)
    else:
        _spread(charts)
    _overdue(db, actor)


@common.data_resource(max_entries=8)
def _points(db, actor: Actor, criteria: ObservationFilter) -> pd.DataFrame:
    return observation_points(db, actor, criteria)


def _bars(frame: pd.DataFrame, label: str, *, sort: bool = True, color: str = "#1b3c73") -> alt.Chart:
    return (
        alt.Chart(frame)
        .mark_bar(color=color)
        .encode(
            x=alt.X("observations:Q", title="Observations", axis=WHOLE),
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
            y=alt.Y("observations:Q", title="Observations ouvertes", axis=WHOLE),
            color=alt.Color("gravité:N", scale=colours, legend=None),
            tooltip=["gravité", "observations"],
        ),
        width="stretch",
    )
    st.subheader("Par commune (les 20 premières)")
    st.altair_chart(_bars(charts.by_commune, "commune"), width="stretch")


def _month_by_month(points: pd.DataFrame, charts: analysis.Charts) -> None:
    st.subheader("Observations par mois")
    by_month = charts.by_month.assign(libellé=charts.by_month["mois"].map(month_label))
    st.altair_chart(
        alt.Chart(by_month)
        .mark_bar(color="#1b3c73")
        .encode(
            x=alt.X("libellé:N", title=None, sort=list(by_month["libellé"]), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("observations:Q", title="Observations", axis=WHOLE),
            tooltip=[alt.Tooltip("libellé:N", title="Mois"), alt.Tooltip("observations:Q", title="Observations")],
        ),
        width="stretch",
    )
    months = list(charts.by_month["mois"])
    month = st.select_slider("Détail du mois", options=months, value=months[-1], format_func=month_label, key="f_month")
    of_month = points[analysis.month_of(points) == month]
    st.caption(f"{len(of_month)} observation(s) en {month_label(month)}.")
    left, right = st.columns(2)
    by_category = of_month["category"].map(taxonomy.category_label).value_counts().rename("Observations")
    left.dataframe(by_category.rename_axis("Catégorie").reset_index(), hide_index=True, width="stretch")
    by_status = of_month["status"].map(taxonomy.status_label).value_counts().rename("Observations")
    right.dataframe(by_status.rename_axis("Statut").reset_index(), hide_index=True, width="stretch")


def month_label(month: str) -> str:
    """« 2026-06 » as « juin 2026 »."""
    year, number = month.split("-")
    return localtime.format_month(int(year), int(number))


def share_text(part: int, total: int) -> str:
    """« soit 27 % du total » (a share, not a trend)."""
    if not total:
        return ""
    return f"soit {round(100 * part / total)} % des observations retenues"


def _overdue(db, actor: Actor) -> None:
    """« En retard »: assigned, open, due date passed (all the actor's observations, not only the filtered)."""
    late = assignments.overdue_assignments(db, actor)
    st.metric("En retard (échéance passée)", len(late))
    if late.empty:
        return
    with st.expander(f"Observations en retard ({len(late)})"):
        table = pd.DataFrame(
            {
                "N°": late["id"],
                "Partenaire": late["partner_name"],
                "Commune": late["commune_name"],
                "Catégorie": late["category"].map(taxonomy.category_label),
                "Gravité": late["severity"].map(taxonomy.severity_label),
                "Échéance": localtime.date_column(late["due_on"]),
                "Jours de retard": late["days_late"],
            }
        )
        st.dataframe(table, hide_index=True, width="stretch")


def _coverage(db, points: pd.DataFrame, actor: Actor) -> None:
    sectors, zones, _sites = common.context_layers(db)
    communes = common.communes(db)
    if actor.departments:  # a commandant's communes only, not the other département's zeros
        communes = communes[communes["department"].isin(actor.departments)].reset_index(drop=True)
    result = analysis.coverage_of(points, zones, sectors, communes)
    in_sectors = int(result.by_sector["observations"].sum())
    first, second, third = st.columns(3)
    first.metric("Observations", result.total)
    # Shares of the total, said as such (a metric's delta badge reads as a trend).
    second.metric("Hors zones de patrouille", len(result.outside))
    second.caption(share_text(len(result.outside), result.total))
    third.metric("Dans un secteur", in_sectors)
    third.caption(share_text(in_sectors, result.total))
    st.subheader("Observations hors de toute zone de patrouille")
    listed = result.outside.head(OUTSIDE_LIST_LIMIT).assign(
        observed_on=lambda f: localtime.date_column(f["observed_on"]),
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
        column_config={"N°": st.column_config.NumberColumn(format="%d", width="small")},
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
    observed = result.by_commune[result.by_commune["observations"] > 0].assign(
        rate=lambda f: f["pour 1 000 habitants"].map(lambda v: localtime.format_decimal(v, 2)),
        note=lambda f: f["observations"].map(
            lambda n: "peu d'observations : à lire avec prudence" if n < maps.FEW_OBSERVATIONS else ""
        ),
    )
    st.dataframe(
        observed[["insee", "commune", "population", "observations", "rate", "note"]].rename(
            columns={
                "insee": "INSEE",
                "commune": "Commune",
                "population": "Population",
                "observations": "Observations",
                "rate": "Pour 1 000 habitants",
                "note": "Remarque",
            }
        ),
        hide_index=True,
        width="stretch",
    )


page()
