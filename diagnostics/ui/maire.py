"""Ma commune: the mayor's own page. Their commune's observations as partners read them (no
team, no unit, free text only where shareable), what is asked of the commune and where it
stands, and the exports. Nothing on it names the forces' units."""

from __future__ import annotations

import streamlit as st

from diagnostics.errors import DiagnosticsError
from diagnostics.services.commune_overview import commune_overview
from diagnostics.ui import common, tables
from diagnostics.ui.commune_table import labelled_table, observations_table
from diagnostics.ui.snapshot_panel import REDACTION_NOTE, period_from_picker, preview, preview_alt, snapshot_downloads

REQUEST_COLUMNS = {
    "id": "N°",
    "observed_on": "Date",
    "category": "Catégorie",
    "severity": "Gravité",
    "recommendation": "Ce qui est demandé",
    "partner_name": "Service désigné",
    "due_on": "Échéance",
    "status": "Où en est-on",
}
OPEN_MEANING = "À traiter : observations au statut « nouvelle », « transmise » ou « en cours »."


def page() -> None:
    actor = common.current_actor("mayor_page")
    db = common.database()
    if not actor.commune_insee:
        st.error("Aucune commune n'est rattachée à votre compte : contactez le référent PSQ.")
        return
    label = common.commune_choices(db).get(actor.commune_insee, actor.commune_insee)
    st.title(f"Ma commune — {label.rsplit(' (', 1)[0]}")
    picked = st.date_input(
        "Période des observations (vide : toutes)", value=(), format="DD/MM/YYYY", key="maire_period"
    )
    period = period_from_picker(picked)
    start, end = period or (None, None)
    try:
        overview = commune_overview(db, actor, actor.commune_insee, start=start, end=end)
    except DiagnosticsError as exc:
        st.error(str(exc))
        return
    observations = overview.observations
    total, still_open = len(observations), overview.open_count
    left, middle, right = st.columns(3)
    left.metric("Observations", total)
    middle.metric("À traiter", still_open, help=OPEN_MEANING)
    right.metric("Demandes adressées à la commune", len(overview.requests))

    st.subheader("Ce qui est demandé à la commune")
    if overview.requests.empty:
        st.info("Aucune observation n'est attribuée à la commune pour le moment.")
    else:
        with tables.audited("maire_requests"):  # its downloads are the audited buttons below
            st.dataframe(labelled_table(overview.requests, REQUEST_COLUMNS), hide_index=True, width="stretch")

    st.subheader("Les observations de la commune")
    st.caption(OPEN_MEANING + " " + REDACTION_NOTE)
    if observations.empty:
        st.info("Aucune observation sur la période.")
    else:
        with tables.audited("maire_observations"):
            st.dataframe(observations_table(observations), hide_index=True, width="stretch")

    st.subheader("Carte et documents à télécharger")
    st.caption("Les numéros de la carte sont ceux de la liste (N°).")
    snapshot_downloads(db, actor, overview.insee, overview.name, period, key="maire_download")
    image = preview(db, actor, overview.insee, period)
    if image is not None:
        st.image(image, caption=f"{overview.name} ({overview.insee})", width="stretch", alt=preview_alt(overview.name))


page()
