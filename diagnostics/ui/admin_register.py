"""Administration → Registre: what the app does with data, as the code's own rules say it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics.register import build_register


def section() -> None:
    register = build_register()
    st.caption(
        "Établi à partir des règles du logiciel (rôles et permissions, champs partagés, durées de "
        "conservation réglées) : le point de départ du registre des traitements et de l'analyse d'impact."
    )
    for title, rows in (
        ("Finalités", register.purposes),
        ("Catégories de données", register.categories),
        ("Destinataires par rôle", register.recipients),
        ("Durées de conservation", register.retention),
    ):
        st.subheader(title)
        frame = pd.DataFrame(rows).drop(columns=["Code"], errors="ignore")  # the role's code name: for tests
        st.table(frame.set_index(frame.columns[0]))
        if title == "Catégories de données":
            st.caption(register.purged_note)
