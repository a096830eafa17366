"""Snapshots of one commune for mayors and partners: an A4 PNG, a PDF (map + list) and an
offline HTML map. Pure builders: `SnapshotLayers` (GeoDataFrames, already redacted) in, bytes
or text out; no database, no Streamlit, no pyplot.

Modules, one job each:

- ``text``: French strings and formatters (dates, lengths, counts, periods);
- ``geometry``: Lambert-93 projection, geometry parts, matplotlib paths, clipping, true north;
- ``styles``: colours, sizes and symbols, the per-row style lookups;
- ``layout``: the A4 page, its orientation, the boxes of map and legend;
- ``labels``: label placement without overlaps;
- ``legend``: what the legend lists and its fitting;
- ``drawing``: drawing primitives (areas, lines, observations, scale bar, north arrow);
- ``areas``: the reference layers and their names on the map page;
- ``numbers``: the observations' N° beside them;
- ``titles``: the map page's header and footer;
- ``page``: the map page itself (PNG);
- ``pdf``: the PDF (map page, then the list);
- ``html`` and ``standalone``: the one-file HTML map;
- ``table``: the observations as a table (the Excel download).

Every text that may come from users is drawn with mathtext and TeX disabled, so a ``$`` in a
name is printed as is; in the HTML it is escaped (`maps.escape_text`).
"""

from __future__ import annotations

from diagnostics.snapshots.drawing import scale_bar_length
from diagnostics.snapshots.html import render_commune_html
from diagnostics.snapshots.layers import SnapshotLayers
from diagnostics.snapshots.page import commune_map_figure, render_commune_png
from diagnostics.snapshots.pdf import render_commune_pdf
from diagnostics.snapshots.table import observations_table
from diagnostics.snapshots.text import french_date

__all__ = [
    "SnapshotLayers",
    "commune_map_figure",
    "french_date",
    "observations_table",
    "render_commune_html",
    "render_commune_pdf",
    "render_commune_png",
    "scale_bar_length",
]
