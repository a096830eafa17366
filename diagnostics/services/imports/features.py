"""What a GPS or map file's features say about themselves, for layers that have no name: a
waypoint's or placemark's name, comment and (when the team chose to keep them) a track's times
go into the observation's description, so that nothing the partner wrote is dropped."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from diagnostics import values
from diagnostics.services.imports.specs import LayerSpec
from diagnostics.texts import imports_text as text

NAMED_FORMATS = ("gpx", "kml", "kmz")


def named_descriptions(raw: gpd.GeoDataFrame, spec: LayerSpec, fmt: str) -> gpd.GeoDataFrame:
    """`raw` with its description column (`description`, or `constat` in our own exports) made of
    the name, description and comment of each feature (the layer keeps names as names when it has
    them: sites)."""
    if fmt not in NAMED_FORMATS or "name" in spec.fields or "description" not in spec.fields:
        return raw
    by_name = {values.normalise_name(c): c for c in raw.columns}
    target = next((by_name[a] for a in spec.aliases("description") if a in by_name), "description")
    parts = [c for c in ("name", target, "commentaire") if c in raw.columns]
    if not parts and "debut" not in raw.columns:
        return raw
    raw = raw.copy()
    raw[target] = [_joined(row, parts) for row in raw[parts + _times(raw)].to_dict("records")]
    return raw.drop(columns=[c for c in ("name", "commentaire") if c in raw.columns and c != target])


def _times(raw) -> list[str]:
    return [c for c in ("debut", "fin") if c in raw.columns]


def _joined(row: dict, parts: list[str]) -> str | None:
    lines = [str(row[c]).strip() for c in parts if _present(row[c])]
    if _present(row.get("debut")):
        lines.append(text("track_times", first=row["debut"], last=row.get("fin") or row["debut"]))
    lines = list(dict.fromkeys(line for line in lines if line))
    return "\n".join(lines) or None


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and pd.isna(value)) and str(value).strip() != ""
