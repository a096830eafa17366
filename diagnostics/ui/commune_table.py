"""A commune's observations as a table, as partners read them: the text equivalent of its map
(RGAA 4.1 / décret 2019-768: a map is exempt only where the same information is offered in an
accessible form). Shared by Ma commune and Export maire, whose map numbers are the table's N°."""

from __future__ import annotations

import pandas as pd

from diagnostics import taxonomy
from diagnostics.snapshots.text import french_date

OBSERVATION_COLUMNS = {
    "id": "N°",
    "observed_on": "Date",
    "category": "Catégorie",
    "severity": "Gravité",
    "status": "Statut",
    "description": "Constat (si communicable)",
    "recommendation": "Préconisation",
}


def labelled_table(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Codes as French labels, dates as 01/12/2026, blanks as « — »."""
    table = pd.DataFrame({label: frame[column] for column, label in columns.items() if column in frame})
    if "Date" in table:
        table["Date"] = [french_date(d) if pd.notna(d) else "—" for d in pd.to_datetime(table["Date"])]
    if "Échéance" in table:
        table["Échéance"] = [french_date(d) if pd.notna(d) else "—" for d in pd.to_datetime(table["Échéance"])]
    if "Catégorie" in table:
        table["Catégorie"] = table["Catégorie"].map(taxonomy.category_label)
    if "Gravité" in table:
        table["Gravité"] = [f"{int(s)} — {taxonomy.severity_label(s)}" for s in table["Gravité"]]
    for key in ("Statut", "Où en est-on"):
        if key in table:
            table[key] = table[key].map(taxonomy.status_label)
    return table.fillna("").replace("", "—")


def observations_table(observations: pd.DataFrame) -> pd.DataFrame:
    """Most severe first, then the latest."""
    ordered = observations.sort_values(["severity", "observed_on"], ascending=[False, False], kind="stable")
    return labelled_table(ordered, OBSERVATION_COLUMNS)
