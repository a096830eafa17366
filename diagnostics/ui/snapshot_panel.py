"""The snapshot downloads and preview shared by Export maire and Ma commune.

The preview is not an export; each download is: the file is made, and audited, when its button
is clicked (Streamlit calls the `data` callable then), so the log says what actually left.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics.assets import assets_installed
from diagnostics.auth import MAIRE
from diagnostics.errors import DiagnosticsError
from diagnostics.services import exports
from diagnostics.ui import french

DOWNLOADS = {  # format: (button label, help)
    "png": ("Carte (PNG)", "Image A4 de la carte, à imprimer ou à joindre à un courriel."),
    "pdf": ("Dossier (PDF)", "Carte A4 suivie de la liste des observations et de leur nombre par catégorie."),
    "html": ("Carte interactive (HTML)", "Un seul fichier, qui s'ouvre dans un navigateur même sans internet."),
    "xlsx": ("Tableau (Excel)", "Les observations, une par ligne, à ouvrir dans un tableur (dates et nombres réels)."),
}
REDACTION_NOTE = (
    "Ne figurent que les textes que l'agent a déclarés communicables (constat, préconisation, partenaire, "
    "lieu) ; jamais les équipes. Les zones de patrouille sont montrées sans leur unité ni leurs horaires."
)


def period_from_picker(value) -> tuple[dt.date | None, dt.date | None] | None:
    """The date range picker gives (), (start,) while picking, or (start, end)."""
    dates = tuple(value) if isinstance(value, (tuple, list)) else (value,) if value else ()
    if not dates:
        return None
    return (dates[0], dates[1] if len(dates) > 1 else None)


def snapshot_downloads(db, actor, insee: str, name: str, period, *, key: str = "download") -> None:
    """The download buttons; each file is produced (and audited) only when clicked, with its recipient."""
    today = dt.date.today()
    recipient = st.text_input(
        "Destinataire du fichier (personne ou organisme)",
        value=actor.label if actor.role == MAIRE else "",
        max_chars=exports.RECIPIENT_LIMIT,
        placeholder="Par exemple : Mairie de Gray, M. le maire",
        help="Inscrit dans le journal d'audit et en pied de page des PNG et PDF, avec la date.",
        key=f"{key}_recipient{french.COUNTED}",
    )
    for index, (fmt, (label, help_text)) in enumerate(DOWNLOADS.items()):
        if index % 2 == 0:  # two by two: four in a row cut the labels on a laptop screen
            row = st.columns(2)
        column = row[index % 2]
        unavailable = fmt == "html" and not assets_installed()
        column.download_button(
            f"Télécharger : {label}",
            # Not cached across users: what a snapshot shows depends on who asks (scope, redaction).
            data=lambda fmt=fmt: exports.commune_snapshot(
                db, actor, insee, fmt, issued_on=today, period=period, recipient=recipient
            ),
            file_name=exports.snapshot_file_name(insee, name, fmt, today),
            mime=exports.SNAPSHOT_MIME_TYPES[fmt],
            type="primary" if fmt == "pdf" else "secondary",
            help="Fichiers de carte non installés (make assets)." if unavailable else help_text,
            disabled=unavailable,
            on_click="ignore",
            key=f"{key}_{fmt}",
        )


def preview(db, actor, insee: str, period) -> bytes | None:
    """The PNG shown on the page, or None after a French error message."""
    try:
        return exports.commune_preview_png(db, actor, insee, issued_on=dt.date.today(), period=period)
    except DiagnosticsError as exc:
        st.error(f"La carte n'a pas pu être produite : {exc}")
        return None


def preview_alt(commune: str) -> str:
    """The preview's text alternative (RGAA 1.1): what it is, and where its content is in text."""
    return f"Carte des observations de {commune} ; la liste des observations en donne le détail (tableau, PDF, Excel)."
