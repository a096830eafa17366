"""What of an observation may leave the forces: the rule applied to every export for partners.

A pure function over frames, applied by the export service before any builder sees the data,
so that no snapshot (PNG, PDF, HTML) can print what it was never given.

The rule:

- always kept: the coded fields (catégorie, gravité, statut, date), the préconisation (it is
  written to be passed on to the partner), the partner concerned, the commune, the geometry, and
  the ``shareable`` flag itself;
- kept only on observations marked ``shareable``: the free text that describes what was seen or
  who was there: ``description``, ``place``, ``participants``;
- every other column (author, team, diagnostic id, version, timestamps, any column added later) is
  dropped: a column must be listed here to leave. The author is an agent's login: the forces' own
  personal data, which partners never receive, shareable or not.
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
