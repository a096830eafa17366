"""Communes coloured by a rate (observations per 1,000 inhabitants), in quantile classes.

Classes are only as many as the data can carry (at least three communes per class, never more
classes than distinct values), and a rate computed from a handful of observations is said to be
fragile: dashed outline, a word in its tooltip and in the legend.
"""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from diagnostics.maps import legend as legends
from diagnostics.maps import styles
from diagnostics.maps.base import MAX_ZOOM, base_map, fit_to
from diagnostics.maps.escaping import escape_text, safe_frame
from diagnostics.maps.layers import PreparedGeoJson
from diagnostics.tiles.sources import TileSource

# Yellow to dark purple, readable in black-and-white print; the first class is « none ».
CHOROPLETH_COLORS = ("#f7f7f7", "#fee8c8", "#fdbb84", "#e34a33", "#b30000", "#67001f")
CHOROPLETH_STYLE = {"color": "#555", "weight": 0.6, "fillOpacity": 0.8}
FRAGILE_STYLE = {"color": "#222", "weight": 1.5, "dashArray": "4 3"}
MAX_CLASSES = 5
COMMUNES_PER_CLASS = 3
FEW_OBSERVATIONS = 5  # below this, a commune's rate says little


def build_choropleth(
    communes: gpd.GeoDataFrame, values: pd.DataFrame, *, column: str, legend: str, tiles: Iterable[TileSource] = ()
) -> folium.Map:
    """Communes coloured by `values[column]` (indexed by INSEE code, with an `observations` count)."""
    m = base_map(tiles)
    m.options["max_zoom"] = MAX_ZOOM
    series = values[column].reindex(communes["insee"]).fillna(0).to_numpy(dtype=float)
    breaks = quantile_breaks(series[series > 0])
    classes = np.where(series > 0, np.searchsorted(breaks, series, side="left") + 1, 0)
    counts = values["observations"].reindex(communes["insee"]).fillna(0).astype(int).to_numpy()
    fragile = (counts > 0) & (counts < FEW_OBSERVATIONS)
    tooltips = [
        f"{escape_text(name)} : {count} observation(s), {_decimal(value)} {escape_text(legend)}"
        + (" — peu d'observations, taux fragile" if weak else "")
        for name, count, value, weak in zip(communes["name"], counts, series, fragile, strict=True)
    ]
    data = safe_frame(
        communes,
        tooltip=tooltips,
        fill=[CHOROPLETH_COLORS[c] for c in classes],
        look=[FRAGILE_STYLE if weak else {} for weak in fragile],
    ).to_json()
    PreparedGeoJson(
        data, styles.LAYER_NAMES["communes"], CHOROPLETH_STYLE, fill_property="fill", style_property="look"
    ).add_to(m)
    labels = ["aucune"] + [
        f"{_decimal(low)} – {_decimal(high)}" for low, high in zip((0.0, *breaks[:-1]), breaks, strict=True)
    ]
    rows = [
        f'<div class="psq-legend-row"><span class="psq-swatch" style="background:{colour};border:1px solid #555">'
        f"</span><span>{label}</span></div>"
        for colour, label in zip(CHOROPLETH_COLORS, labels, strict=False)
    ]
    note = ""
    if fragile.any():
        note = (
            f"Contour pointillé : moins de {FEW_OBSERVATIONS} observations, taux fragile "
            f"({int(fragile.sum())} commune(s))."
        )
    legends.add_legend(m, [legends.section(legend, rows)], note=note)
    fit_to(m, communes)
    return m


def quantile_breaks(values: np.ndarray) -> list[float]:
    """Upper bounds of the classes of the non-zero values: up to five quantile classes, at least
    three communes per class, fewer when values repeat."""
    if values.size == 0:
        return [0.0]
    count = max(1, min(MAX_CLASSES, values.size // COMMUNES_PER_CLASS))
    quantiles = np.linspace(1 / count, 1.0, count)
    return sorted(set(np.quantile(values, quantiles).round(4).tolist()))


def _decimal(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")
