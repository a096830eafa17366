"""The commune's observations as a table for its mayor (Excel): French headers, labels instead of
codes, one row per observation, from already redacted observations (`SnapshotLayers`)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from diagnostics import taxonomy
from diagnostics.snapshots.layers import SnapshotLayers

# column of the redacted observations → header of the table (the importer recognises these names)
COLUMNS = {
    "id": "N°",
    "observed_on": "Date",
    "category": "Catégorie",
    "severity": "Gravité",
    "status": "Statut",
    "commune_insee": "Code INSEE",
    "commune_name": "Commune",
    "description": "Constat",
    "recommendation": "Préconisation",
    "partner": "Partenaire",
    "place": "Lieu",
}
_LABELS = {"category": taxonomy.category_label, "status": taxonomy.status_label}


def observations_table(layers: SnapshotLayers) -> gpd.GeoDataFrame:
    """The observations' shareable columns, most severe first; absent columns are left out."""
    observations = layers.observations
    kept = [c for c in COLUMNS if c in observations.columns]
    table = pd.DataFrame(observations[kept]).copy()
    for column, label in _LABELS.items():
        if column in table:
            table[column] = table[column].map(lambda code, label=label: label(code) if isinstance(code, str) else code)
    frame = gpd.GeoDataFrame(table, geometry=observations.geometry.values, crs=observations.crs)
    order = [c for c in ("severity", "observed_on") if c in frame.columns]
    if order:
        frame = frame.sort_values(order, ascending=False, kind="stable")
    return frame.rename(columns=COLUMNS)
