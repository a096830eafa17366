"""The snapshot's legend: what it lists for a view, and its placement at the largest font that fits."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from diagnostics import taxonomy
from diagnostics.snapshots.geometry import by_type, padded, prepare, site_points
from diagnostics.snapshots.styles import (
    CAMERA_VIEW_COLOR,
    COMMUNE_EDGE,
    FALLBACK_CATEGORY_COLOR,
    NEIGHBOUR_EDGE,
    NEIGHBOUR_FILL,
    OTHER_SITE_MARKER,
    SECTOR_COLOR,
    SEVERITY_EDGE_WIDTHS,
    SEVERITY_SIZES,
    SITE_COLOR,
    SITE_MARKERS,
    ZONE_COLOR,
    site_kind_codes,
    with_alpha,
)
from diagnostics.snapshots.text import TEXT, plain

Section = tuple[str, list[tuple[object, str]]]  # title, [(handle, label)]


def legend_content(limits, obs, neighbours, zones, sectors, sites) -> tuple:
    """What the legend lists for a view: layers with something visible, site kinds in view,
    observation geometry kinds. Computed before drawing so the page can be laid out around it."""
    clip = padded(limits)

    def visible(gdf) -> bool:
        return bool(len(gdf)) and not shapely.is_empty(prepare(gdf.geometry.to_numpy(), clip, 0)).all()

    present = {"neighbours": visible(neighbours), "zones": visible(zones), "sectors": visible(sectors)}
    in_view = shapely.contains(shapely.box(*limits), site_points(sites)) if len(sites) else np.zeros(0, bool)
    kinds = set(site_kind_codes(sites)[in_view])
    site_kinds = [k for k in SITE_MARKERS if k in kinds] + (["other"] if kinds - set(SITE_MARKERS) else [])
    parts = by_type(obs.geometry.to_numpy()) if len(obs) else None
    obs_kinds = {k: parts is not None and len(parts[k][0]) > 0 for k in ("points", "lines", "polygons")}
    return present, tuple(site_kinds), obs_kinds


def legend_sections(
    obs, layers_present, site_kinds, drawn_obs, wrap: int, territory: bool = False, views=None
) -> list[Section]:
    """Sections for the catégories present, the gravité scale and the layers drawn (a territory's
    communes and the cameras' fields of view, when given)."""
    sections = []
    if len(obs):
        sections.append((TEXT["legend_categories"], _category_entries(obs, wrap)))
        sections.append((TEXT["legend_severity"], _severity_entries()))
    entries = _layer_entries(layers_present, site_kinds, drawn_obs)
    if territory:
        entries[0] = (entries[0][0], TEXT["layer_territory_commune"])
    if views is not None and len(views):
        handle = area_handle(with_alpha(CAMERA_VIEW_COLOR, 0.25), CAMERA_VIEW_COLOR)
        entries.insert(1, (handle, TEXT["layer_camera_view"]))
    sections.append((TEXT["legend_layers"], entries))
    return sections


def _category_entries(obs, wrap: int) -> list:
    counts = obs["category"].map(plain).value_counts() if "category" in obs else pd.Series(dtype=int)
    known = [c for c in taxonomy.CATEGORIES if c.code in counts.index]
    unknown = sorted(set(counts.index) - {c.code for c in known})
    entries = []
    for code, label, color in [(c.code, c.label, c.color) for c in known] + [
        (u, u or taxonomy.category_label("autre"), FALLBACK_CATEGORY_COLOR) for u in unknown
    ]:
        handle = _marker_handle("o", 7.5, color, "#111111", 0.7)
        entries.append((handle, textwrap.fill(f"{label} ({counts[code]})", wrap)))
    return entries


def _severity_entries() -> list:
    return [
        (
            _marker_handle("o", math.sqrt(SEVERITY_SIZES[level]), "#b5b5b5", "#111111", SEVERITY_EDGE_WIDTHS[level]),
            f"{level} — {name}",
        )
        for level, name in taxonomy.SEVERITIES.items()
    ]


def _layer_entries(layers_present, site_kinds, drawn_obs) -> list:
    entries = [(Line2D([], [], color=COMMUNE_EDGE, linewidth=2.4), TEXT["layer_commune"])]
    if layers_present["neighbours"]:
        entries.append((area_handle(NEIGHBOUR_FILL, NEIGHBOUR_EDGE), TEXT["layer_neighbours"]))
    if layers_present["zones"]:
        entries.append((area_handle(with_alpha(ZONE_COLOR, 0.1), ZONE_COLOR, hatch="////"), TEXT["layer_zone"]))
    if layers_present["sectors"]:
        entries.append(
            (Line2D([], [], color=SECTOR_COLOR, linewidth=1.8, linestyle=(0, (2.5, 1.5))), TEXT["layer_sector"])
        )
    for kind in site_kinds:
        marker, size, key = SITE_MARKERS.get(kind, OTHER_SITE_MARKER)
        entries.append((_marker_handle(marker, size * 0.85, SITE_COLOR, "white", 0.8), TEXT[key]))
    if drawn_obs["lines"]:
        casing = [patheffects.withStroke(linewidth=3.7, foreground="#222222")]
        entries.append((Line2D([], [], color="#7a7a7a", linewidth=2.4, path_effects=casing), TEXT["layer_obs_line"]))
    if drawn_obs["polygons"]:
        entries.append((area_handle(with_alpha("#7a7a7a", 0.22), "#7a7a7a"), TEXT["layer_obs_area"]))
    return entries


def _marker_handle(marker: str, size: float, face, edge, edge_width: float) -> Line2D:
    return Line2D(
        [],
        [],
        linestyle="none",
        marker=marker,
        markersize=size,
        markerfacecolor=face,
        markeredgecolor=edge,
        markeredgewidth=edge_width,
    )


def area_handle(face, edge, hatch=None) -> Patch:
    return Patch(facecolor=face, edgecolor=edge, linewidth=1.0, hatch=hatch)


def _place_legends(fig: Figure, ax, sections, vertical: bool, fontsize: float) -> tuple[bool, list[Legend], float]:
    """Stack (landscape) or line up (portrait) one legend per section.

    Returns whether they fit the axes, the legends, and the lowest point they reach (axes fraction).
    """
    renderer = fig.canvas.get_renderer()
    to_axes = ax.transAxes.inverted()
    x, y = 0.0, 1.0
    fits = True
    legends = []
    bottom = 1.0
    for title, entries in sections:
        handles, labels = zip(*entries, strict=True)
        legend = Legend(
            ax,
            list(handles),
            list(labels),
            loc="upper left",
            bbox_to_anchor=(x, y),
            bbox_transform=ax.transAxes,
            frameon=False,
            fontsize=fontsize,
            title=title,
            title_fontproperties={"weight": "bold", "size": fontsize + 1.5},
            alignment="left",
            borderaxespad=0.0,
            borderpad=0.0,
            handlelength=1.6,
            handleheight=1.1,
            labelspacing=0.55,
            handletextpad=0.7,
        )
        for text in [*legend.get_texts(), legend.get_title()]:
            text.set_parse_math(False)
            text.set_usetex(False)
        ax.add_artist(legend)
        legends.append(legend)
        (_, y0), (x1, _) = to_axes.transform(legend.get_window_extent(renderer).get_points())
        bottom = min(bottom, y0)
        if vertical:
            y = y0 - 0.045
            fits = fits and y0 >= 0 and x1 <= 1.02
        else:
            x = x1 + 0.05
            fits = fits and x1 <= 1.0 and y0 >= 0
    return fits, legends, bottom


def fit_legends(fig: Figure, ax, sections, vertical: bool) -> tuple[list[Legend], float]:
    """The legends at the largest font size that fits the panel (the smallest one if none does)."""
    font_sizes = (8.5, 7.8, 7.0, 6.3)
    for fontsize in font_sizes:
        fits, legends, bottom = _place_legends(fig, ax, sections, vertical, fontsize)
        if fits or fontsize == font_sizes[-1]:
            return legends, bottom
        for legend in legends:
            legend.remove()
    raise AssertionError("unreachable")
