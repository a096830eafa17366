"""Communes coloured by a rate (observations per 1,000 inhabitants), in quantile classes."""

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

# Yellow to dark purple, readable in black-and-white print; the first class is « none ».
CHOROPLETH_COLORS = ("#f7f7f7", "#fee8c8", "#fdbb84", "#e34a33", "#b30000", "#67001f")
CHOROPLETH_STYLE = {"color": "#555", "weight": 0.6, "fillOpacity": 0.8}


def build_choropleth(
    communes: gpd.GeoDataFrame, values: pd.DataFrame, *, column: str, legend: str, tiles: Iterable[str] = ()
) -> folium.Map:
    """Communes coloured by `values[column]` (indexed by INSEE code) in five quantile classes."""
    m = base_map(tiles)
    m.options["max_zoom"] = MAX_ZOOM
    series = values[column].reindex(communes["insee"]).fillna(0).to_numpy(dtype=float)
    breaks = quantile_breaks(series[series > 0])
    classes = np.where(series > 0, np.searchsorted(breaks, series, side="left") + 1, 0)
    counts = values["observations"].reindex(communes["insee"]).fillna(0).astype(int).to_numpy()
    tooltips = [
        f"{escape_text(name)} : {count} observation(s), {value:.2f} {escape_text(legend)}"
        for name, count, value in zip(communes["name"], counts, series, strict=True)
    ]
    data = safe_frame(communes, tooltip=tooltips, fill=[CHOROPLETH_COLORS[c] for c in classes]).to_json()
    PreparedGeoJson(data, styles.LAYER_NAMES["communes"], CHOROPLETH_STYLE, fill_property="fill").add_to(m)
    labels = ["aucune"] + [f"{low:.2f} – {high:.2f}" for low, high in zip((0.0, *breaks[:-1]), breaks, strict=True)]
    rows = [
        f'<div class="psq-legend-row"><span class="psq-swatch" style="background:{colour};border:1px solid #555">'
        f"</span><span>{label}</span></div>"
        for colour, label in zip(CHOROPLETH_COLORS, labels, strict=False)
    ]
    legends.add_legend(m, [legends.section(legend, rows)])
    fit_to(m, communes)
    return m


def quantile_breaks(values: np.ndarray) -> list[float]:
    """Upper bounds of five classes of the non-zero values (fewer when values repeat)."""
    if values.size == 0:
        return [0.0]
    return sorted(set(np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0]).round(4).tolist()))
