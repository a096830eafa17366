"""Export maire: a commune's map snapshot, to see and download."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics import config
from diagnostics.errors import DiagnosticsError
from diagnostics.services.exports import commune_snapshot_png
from diagnostics.ui import common


def _snapshot(db, actor, insee: str, issued_on: dt.date) -> bytes:
    # Not cached across users: what a snapshot shows depends on who asks (scope, redaction).
    return commune_snapshot_png(db, actor, insee, issued_on=issued_on)


def page() -> None:
    st.title("Export maire")
    actor = common.current_actor("export_snapshot")
    st.write("Carte de la commune à transmettre au maire : limites, observations, zones, secteurs et sites.")
    db = common.database()
    url = config.database_url()
    communes = common.commune_choices(db, url)
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
    if insee is None:
        return
    today = dt.date.today()
    try:
        image = _snapshot(db, actor, insee, today)
    except DiagnosticsError as exc:
        st.error(f"La carte n'a pas pu être produite : {exc}")
        return
    st.image(image, caption=communes[insee], width="stretch")
    st.download_button(
        "Télécharger la carte (PNG)",
        data=image,
        mime="image/png",
        type="primary",
        file_name=f"diagnostic-surete-{insee}-{today:%Y%m%d}.png",
    )


page()
