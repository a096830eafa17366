"""Analyse › Partenaires: the measures the hierarchy asks for, per partner or per commune, and
their CSV (`services.partner_measures`)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import localtime
from diagnostics.auth import Actor
from diagnostics.services import partner_measures
from diagnostics.ui import tables

BY = {"partner": "Par partenaire", "commune": "Par commune"}


def partner_view(db, actor: Actor) -> None:
    st.subheader("Action des partenaires")
    st.caption(
        "Toutes les observations attribuées à un partenaire dans votre périmètre (les filtres ne "
        "s'appliquent pas). Délais comptés en jours depuis l'attribution ; « levée constatée » : "
        "la première contre-visite qui l'a trouvée levée. Les décisions des cellules de veille n'y sont "
        "pas comptées : celles en retard figurent, par partenaire, dans l'ordre du jour de leur cellule "
        "(« Préconisations et décisions en retard »)."
    )
    by = st.radio("Regrouper", list(BY), format_func=BY.get, horizontal=True, key="an_partners_by")
    today = localtime.now_paris().date()
    rows = partner_measures.assignment_rows(db, actor)
    groups = partner_measures.partners_in_scope(db, actor) if by == "partner" else ()
    table = partner_measures.measures(rows, by, today, groups=groups)
    if table.empty:
        st.info("Aucune observation n'est attribuée à un partenaire pour l'instant.")
        return
    with tables.audited("analyse_partners"):  # its CSV is the button below
        st.dataframe(shown_measures(table), hide_index=True, width="stretch")
    st.download_button(
        "Télécharger (CSV)",
        data=partner_measures.measures_csv(table),
        file_name=f"partenaires-{by}-{today:%Y-%m-%d}.csv",
        mime="text/csv",
        key="an_partners_csv",
    )


def shown_measures(table: pd.DataFrame) -> pd.DataFrame:
    """The measures as the page shows them: French decimals, and « — » where there is nothing to
    measure yet, as text (the table grid draws an empty number as a grey « None », Styler or not)."""
    shown = table.copy()
    for column in shown.select_dtypes("float").columns:
        shown[column] = shown[column].map(localtime.format_decimal)
    return shown
