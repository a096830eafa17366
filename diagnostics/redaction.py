"""What may leave the forces: the one rule applied to every export for partners, for
observations AND reference layers.

Pure functions over frames, applied by the export service before any builder sees the data,
so that no snapshot (PNG, PDF, HTML) can print what it was never given.

The rule for observations:

- always kept: the coded fields (catégorie, gravité, statut, date), the préconisation (it is
  written to be passed on to the partner), the partner concerned, the commune, the geometry, and
  the ``shareable`` flag itself;
- kept only on observations marked ``shareable``: the free text that describes what was seen or
  who was there: ``description``, ``place``, ``participants``;
- every other column (author, team, diagnostic id, version, timestamps, any column added later) is
  dropped: a column must be listed here to leave. The author is an agent's login: the forces' own
  personal data, which partners never receive, shareable or not.

The rule for reference layers (`redact_reference_for_partners`):

- sectors (quartiers, QPV) are public names: name and kind are kept;
- a patrol zone is shown as a zone: its geometry, ``source`` and ``approximate`` are kept; its
  ``name`` (which names the unit: « Groupe VTT de Vesoul »), ``unit``, ``kind`` and ``schedule``
  are blanked unless an administrator marked the zone ``shareable``: a partner sees that a zone
  exists, not who patrols it when;
- a site keeps its kind (its symbol); its name and address only when ``shareable`` (desks open
  to the public are, by default);
- as for observations, columns not listed here are dropped.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

ALWAYS_SHARED = (
    "id",
    "observed_on",
    "category",
    "severity",
    "status",
    "recommendation",
    "partner",
    "commune_insee",
    "commune_name",
    "shareable",
)
SHARED_IF_MARKED = ("description", "place", "participants")


def redact_for_partners(observations: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of ``observations`` holding only what may be shown to a mayor or a partner.

    Free-text and personal columns are blanked ("") on rows not marked shareable; columns not
    listed in this module are dropped. A frame without ``shareable`` is treated as not shareable.
    """
    geometry = observations.geometry.name if isinstance(observations, gpd.GeoDataFrame) else None
    keep = [c for c in (*ALWAYS_SHARED, *SHARED_IF_MARKED) if c in observations.columns]
    frame = observations[[*keep, geometry]] if geometry else observations[keep]
    frame = frame.copy()
    shareable = _flags(frame["shareable"]) if "shareable" in frame else pd.Series(False, index=frame.index)
    frame["shareable"] = shareable
    for column in SHARED_IF_MARKED:
        if column in frame:
            frame[column] = frame[column].where(shareable, "").fillna("").astype(str)
    return frame


def _flags(values: pd.Series) -> pd.Series:
    """True only for real true values: None, NaN, 0, "" and "false" are not consent to share."""

    def flag(value) -> bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "oui", "yes")
        try:
            return bool(value) and not pd.isna(value)
        except (TypeError, ValueError):
            return False

    return values.map(flag).astype(bool)


REFERENCE_ALWAYS_SHARED = {
    "sectors": ("id", "name", "kind", "source", "approximate"),
    "zones": ("id", "source", "approximate", "shareable"),
    "sites": ("id", "kind", "source", "approximate", "shareable"),
}
REFERENCE_SHARED_IF_MARKED = {
    "sectors": (),
    "zones": ("name", "unit", "kind", "schedule"),
    "sites": ("name", "address"),
}


def redact_reference_for_partners(layer: str, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy of a reference layer (``sectors``, ``zones`` or ``sites``) holding only what may be
    shown to a mayor or a partner: see the rule above. Unknown layers raise KeyError."""
    always, if_marked = REFERENCE_ALWAYS_SHARED[layer], REFERENCE_SHARED_IF_MARKED[layer]
    keep = list(dict.fromkeys(c for c in (*always, *if_marked) if c in frame.columns))
    # Plain columns, one GeoDataFrame built at the end: this runs once per layer per commune.
    columns = {name: frame[name].to_list() for name in keep}
    if if_marked:
        shared = _flags(frame["shareable"]).to_list() if "shareable" in frame else [False] * len(frame)
        columns["shareable"] = shared
        for name in if_marked:
            if name in columns:
                columns[name] = [_text(v) if ok else "" for v, ok in zip(columns[name], shared, strict=True)]
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_list(), crs=frame.crs)


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
