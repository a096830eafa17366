"""User text made inert before it reaches a map.

folium does not escape what it renders. GeoJSON properties reach the page through `innerHTML`
(GeoJsonPopup/GeoJsonTooltip) and `folium.Popup` content sits in a JavaScript template literal,
so every string that reaches a map goes through `escape_text` first, and the GeoJSON given to
folium holds only prepared, escaped properties (`safe_frame`).
"""

from __future__ import annotations

import html

import geopandas as gpd
import pandas as pd

from diagnostics.crs import WGS84

# Characters that end or interpolate a JavaScript template literal, after HTML escaping.
_TEMPLATE_LITERAL_ESCAPES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}


def escape_text(value: object) -> str:
    """Text made inert for HTML, for `innerHTML` and for a JavaScript template literal."""
    if is_blank(value):
        return ""
    escaped = html.escape(str(value), quote=True)
    for character, entity in _TEMPLATE_LITERAL_ESCAPES.items():
        escaped = escaped.replace(character, entity)
    return escaped


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or not str(value).strip()


def card(title: object, fields: list[tuple[str, object]]) -> str:
    """A small HTML card (popup): the title in bold, then « label : value »; every value is
    escaped, empty ones are left out."""
    lines = [f"<b>{escape_text(title)}</b>"]
    lines += [
        f"<br><i>{escape_text(label)}</i> : {escape_text(value)}" for label, value in fields if not is_blank(value)
    ]
    return "".join(lines)


def joined(*parts: object) -> str:
    return ", ".join(str(part) for part in parts if not is_blank(part))


def safe_frame(frame: gpd.GeoDataFrame, **columns) -> gpd.GeoDataFrame:
    """Only the given (already escaped) properties and the geometry, in WGS84: what a map may carry."""
    return gpd.GeoDataFrame(
        {name: list(values) for name, values in columns.items()},
        geometry=list(frame.to_crs(WGS84).geometry),
        crs=WGS84,
    )
