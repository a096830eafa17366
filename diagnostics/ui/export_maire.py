"""Export maire: a commune's map for a period, previewed as PNG, downloaded as PNG, PDF or HTML
(see `snapshot_panel`: only downloads are exports)."""

from __future__ import annotations

import streamlit as st

from diagnostics.errors import DiagnosticsError
from diagnostics.services.commune_overview import commune_overview
from diagnostics.ui import common, tables
from diagnostics.ui.commune_table import observations_table
from diagnostics.ui.snapshot_panel import REDACTION_NOTE, period_from_picker, preview, preview_alt, snapshot_downloads


def page() -> None:
    st.title("Export maire")
    actor = common.current_actor("export_snapshot")
    st.write("Carte de la commune à transmettre au maire : limites, observations, zones, secteurs et sites.")
    db = common.database()
    communes = common.commune_choices(db)
    if actor.commune_insee and actor.role == "maire":
        communes = {actor.commune_insee: communes.get(actor.commune_insee, actor.commune_insee)}
    insee = st.selectbox(
        "Commune",
        list(communes),
        index=None,
        key="export_commune",
        format_func=communes.get,
        placeholder="Tapez le nom de la commune",
    )
    picked = st.date_input(
        "Période des observations (vide : toutes)",
        value=(),
        format="DD/MM/YYYY",
        key="export_period",
    )
    if insee is None:
        return
    period = period_from_picker(picked)
    image = preview(db, actor, insee, period)
    if image is None:
        return
    snapshot_downloads(db, actor, insee, communes[insee].rsplit(" (", 1)[0], period)
    st.caption(REDACTION_NOTE)
    st.image(image, caption=communes[insee], width="stretch", alt=preview_alt(communes[insee]))
    _observations(db, actor, insee, period)


def _observations(db, actor, insee: str, period) -> None:
    """What the map shows, as a table (the map's numbers are its N°), for the same commune and period."""
    start, end = period or (None, None)
    st.subheader("Les observations de la carte")
    try:
        observations = commune_overview(db, actor, insee, start=start, end=end).observations
    except DiagnosticsError as exc:
        st.error(str(exc))
        return
    if observations.empty:
        st.info("Aucune observation sur la période.")
    else:
        with tables.audited("export_maire"):  # the downloads are the audited buttons
            st.dataframe(observations_table(observations), hide_index=True, width="stretch")


page()
