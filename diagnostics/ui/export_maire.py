"""Export maire: a commune's map for a period, previewed as PNG, downloaded as PNG, PDF or HTML."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics.assets import assets_installed
from diagnostics.errors import DiagnosticsError
from diagnostics.services.exports import SNAPSHOT_MIME_TYPES, commune_snapshot, snapshot_file_name
from diagnostics.ui import common

DOWNLOADS = {  # format: (button label, help)
    "png": ("Carte (PNG)", "Image A4 de la carte, à imprimer ou à joindre à un courriel."),
    "pdf": ("Dossier (PDF)", "Carte A4 suivie de la liste des observations et de leur nombre par catégorie."),
    "html": ("Carte interactive (HTML)", "Un seul fichier, qui s'ouvre dans un navigateur même sans internet."),
}


def _snapshot(db, actor, insee: str, fmt: str, issued_on: dt.date, period) -> bytes:
    # Not cached across users: what a snapshot shows depends on who asks (scope, redaction).
    return commune_snapshot(db, actor, insee, fmt, issued_on=issued_on, period=period)


def _period(value) -> tuple[dt.date | None, dt.date | None] | None:
    """The date range picker gives (), (start,) while picking, or (start, end)."""
    dates = tuple(value) if isinstance(value, (tuple, list)) else (value,) if value else ()
    if not dates:
        return None
    return (dates[0], dates[1] if len(dates) > 1 else None)


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
    today = dt.date.today()
    period = _period(picked)
    try:
        image = _snapshot(db, actor, insee, "png", today, period)
    except DiagnosticsError as exc:
        st.error(f"La carte n'a pas pu être produite : {exc}")
        return
    name = communes[insee].rsplit(" (", 1)[0]
    columns = st.columns(len(DOWNLOADS))
    for column, (fmt, (label, help_text)) in zip(columns, DOWNLOADS.items(), strict=True):
        unavailable = fmt == "html" and not assets_installed()
        column.download_button(
            f"Télécharger : {label}",
            # PDF and HTML are made when clicked, so that only real downloads are logged.
            data=image if fmt == "png" else (lambda fmt=fmt: _snapshot(db, actor, insee, fmt, today, period)),
            file_name=snapshot_file_name(insee, name, fmt, today),
            mime=SNAPSHOT_MIME_TYPES[fmt],
            type="primary" if fmt == "pdf" else "secondary",
            help="Fichiers de carte non installés (make assets)." if unavailable else help_text,
            disabled=unavailable,
            on_click="ignore",
            key=f"download_{fmt}",
        )
    st.caption(
        "Les constats détaillés et les noms ne figurent que pour les observations déclarées communicables ; "
        "les préconisations figurent toujours."
    )
    st.image(image, caption=communes[insee], width="stretch")


page()
