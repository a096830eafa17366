"""The snapshots' French strings and the formatters of dates, lengths, counts and user text."""

from __future__ import annotations

import datetime
import math

import pandas as pd

from diagnostics import taxonomy

Period = tuple[datetime.date | None, datetime.date | None]

# --- User-facing strings (French), kept together for a later translation. -------------------------
TEXT = {
    "title": "Diagnostic de sûreté — {name} ({insee})",
    "period_both": "Période : du {start} au {end}",
    "period_from": "Période : depuis le {start}",
    "period_until": "Période : jusqu'au {end}",
    "period_all": "Toutes les observations",
    "issued": "Édité le {date}",
    "population": "{population} habitants",
    "count_none": "Aucune observation sur la période",
    "count_one": "1 observation",
    "count_many": "{n} observations",
    # Observation statuses, not the diagnostic's « clôturé »: nouvelle, transmise or en cours.
    "count_open": " (dont {n} à traiter : nouvelle, transmise ou en cours)",
    "credits": "Sources : IGN — ADMIN EXPRESS (Licence Ouverte 2.0) ; données PSQ — forces de sécurité intérieure",
    "projection": "Projection : Lambert-93 (EPSG:2154)",
    "approximate": "Zones de patrouille et secteurs : tracés indicatifs.",
    "legend_categories": "Catégories",
    "legend_severity": "Gravité",
    "legend_layers": "Couches",
    "layer_commune": "Commune",
    "layer_neighbours": "Communes voisines",
    "layer_sector": "Secteur",
    "layer_zone": "Zone de patrouille",
    "layer_obs_line": "Observation (tracé)",
    "layer_obs_area": "Observation (zone)",
    "site_kiosque": "Kiosque",
    "site_brigade": "Brigade de gendarmerie",
    "site_commissariat": "Commissariat",
    "site_camera": "Caméra de vidéoprotection",  # as on the commanders' map (maps.styles)
    "site_other": "Autre site",
    "layer_camera_view": "Champ de vision des caméras",
    "layer_territory_commune": "Commune du territoire",
    "north": "N",
    # The PDF's list of observations.
    "list_title": "Observations — {name} ({insee})",
    "list_counts": "Nombre d'observations par catégorie",
    "list_rows": "Liste des observations (de la plus grave à la moins grave)",
    "list_none": "Aucune observation sur la période.",
    "list_continued": "Liste des observations (suite)",
    "col_category": "Catégorie",
    "col_total": "Total",
    "col_open": "À traiter",
    "col_number": "N°",
    "col_date": "Date",
    "col_severity": "Gravité",
    "col_status": "Statut",
    "col_description": "Constat (si communicable)",
    "col_recommendation": "Préconisation",
    "total": "Total",
    "not_shared": "—",
    "confidential": "Document pour le maire et les partenaires : les textes (constat, préconisation) ne "
    "figurent que lorsque l'agent les a déclarés communicables ; les zones de patrouille, sans unité ni horaires.",
    "page": "Page {n} / {total}",
}


def french_date(d: datetime.date) -> str:
    """``dd/mm/yyyy``, independent of the system locale (a datetime gives its date part)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


def format_length(metres: float) -> str:
    if metres >= 1000:
        value, unit = metres / 1000.0, "km"
    else:
        value, unit = metres, "m"
    text = f"{value:.10g}".replace(".", ",")  # French decimal comma, should a bar ever be 0,5 m
    return f"{text} {unit}"


def format_int(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")  # French thousands separator: no-break space


def period_text(period: Period | None) -> str:
    start, end = period if period is not None else (None, None)
    if start is not None and end is not None:
        if start > end:
            raise ValueError(f"period starts after it ends: {start} > {end}")
        return TEXT["period_both"].format(start=french_date(start), end=french_date(end))
    if start is not None:
        return TEXT["period_from"].format(start=french_date(start))
    if end is not None:
        return TEXT["period_until"].format(end=french_date(end))
    return TEXT["period_all"]


def count_text(observations: pd.DataFrame) -> str:
    n = len(observations)
    if n == 0:
        return TEXT["count_none"]
    text = TEXT["count_one"] if n == 1 else TEXT["count_many"].format(n=format_int(n))
    if "status" in observations.columns:
        n_open = int(observations["status"].isin(taxonomy.OPEN_STATUSES).sum())
        if n_open:
            text += TEXT["count_open"].format(n=format_int(n_open))
    return text


def plain(value: object) -> str:
    """User text as a plain string ('' for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def issued_line(
    period: Period | None, issued_on: datetime.date, separator: str = "   ·   ", recipient: str = ""
) -> str:
    """« Période : … · Édité le … pour : … », the subtitle of every page (the recipient when known)."""
    issued = TEXT["issued"].format(date=french_date(issued_on))
    return f"{period_text(period)}{separator}{issued}" + (f" pour : {recipient}" if recipient else "")
