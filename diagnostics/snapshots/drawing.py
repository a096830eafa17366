"""Drawing primitives on a Lambert-93 matplotlib Axes: areas, lines, observations, scale bar,
north arrow. Collections, not one artist per feature: a commune may hold thousands of points."""

from __future__ import annotations

import math

import geopandas
import numpy as np
import pandas as pd
import shapely
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.transforms import ScaledTranslation

from diagnostics.snapshots.geometry import by_type, line_segments, polygons_path
from diagnostics.snapshots.labels import add_text
from diagnostics.snapshots.styles import (
    PLAIN,
    SEVERITY_EDGE_WIDTHS,
    SEVERITY_LINE_WIDTHS,
    SEVERITY_SIZES,
    TEXT_DARK,
    category_colors,
    severity_levels,
    with_alpha,
)
from diagnostics.snapshots.text import TEXT, format_length


def scale_bar_length(map_width_m: float) -> float:
    """A round length (1, 2 or 5 × 10^n metres) close to a fifth of the map width.

    "Close" is measured as a ratio, so a 9 km wide map gets a 2 km bar rather than 1 km.
    """
    if not math.isfinite(map_width_m) or map_width_m <= 0:
        raise ValueError(f"map width must be a positive number of metres, got {map_width_m!r}")
    target = map_width_m / 5.0
    exponent = math.floor(math.log10(target))
    candidates = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
    return min(candidates, key=lambda c: abs(math.log(c / target)))


def draw_polygons(ax, geoms: np.ndarray, *, zorder: float, **style) -> bool:
    path = polygons_path(by_type(geoms)["polygons"][0])
    if path is None:
        return False
    ax.add_patch(PathPatch(path, zorder=zorder, **style))
    return True


def draw_lines(ax, geoms: np.ndarray, *, zorder: float, **style) -> bool:
    parts = by_type(geoms)
    lines = np.concatenate([parts["lines"][0], shapely.get_rings(parts["polygons"][0])])
    segments = line_segments(lines)
    if not segments:
        return False
    ax.add_collection(LineCollection(segments, zorder=zorder, **style), autolim=False)
    return True


def draw_observations(ax, obs: geopandas.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observations, worst drawn last (on top), filled with their catégorie colour.

    Returns the points' coordinates, marker areas (pt²) and source rows, in drawing order, so
    that labels can keep clear of them and numbers be written beside them.
    """
    empty = np.empty((0, 2)), np.empty(0), np.empty(0, dtype=int)
    if len(obs) == 0:
        return empty
    severity = severity_levels(obs["severity"] if "severity" in obs else pd.Series(1, index=obs.index))
    colors = category_colors(obs["category"] if "category" in obs else pd.Series("autre", index=obs.index))
    parts = by_type(obs.geometry.to_numpy())
    _draw_observation_areas(ax, *parts["polygons"], severity, colors)
    _draw_observation_lines(ax, *parts["lines"], severity, colors)
    points, index = parts["points"]
    if not len(points):
        return empty
    order = np.argsort(severity[index], kind="stable")
    xy = shapely.get_coordinates(points[order])
    sev = severity[index[order]]
    sizes = np.array([SEVERITY_SIZES[s] for s in sev])
    ax.scatter(
        xy[:, 0],
        xy[:, 1],
        s=sizes,
        c=list(colors[index[order]]),
        edgecolors="#111111",
        linewidths=[SEVERITY_EDGE_WIDTHS[s] for s in sev],
        zorder=8,
    )
    return xy, sizes, index[order]


def _draw_observation_areas(ax, polygons, index, severity, colors) -> None:
    if not len(polygons):
        return
    patches, faces, edges, widths = [], [], [], []
    for i in np.argsort(severity[index], kind="stable"):
        path = polygons_path(polygons[i : i + 1])
        if path is None:
            continue
        patches.append(PathPatch(path))
        faces.append(with_alpha(colors[index[i]], 0.22))
        edges.append(colors[index[i]])
        widths.append(SEVERITY_LINE_WIDTHS[severity[index[i]]] * 0.7)
    if patches:
        collection = PatchCollection(patches, facecolors=faces, edgecolors=edges, linewidths=widths, zorder=6)
        ax.add_collection(collection, autolim=False)


def _draw_observation_lines(ax, lines, index, severity, colors) -> None:
    if not len(lines):
        return
    order = np.argsort(severity[index], kind="stable")
    segments = line_segments(lines[order])
    widths = np.array([SEVERITY_LINE_WIDTHS[s] for s in severity[index[order]]])
    # A dark casing under each line keeps pale colours (éclairage yellow) readable.
    ax.add_collection(
        LineCollection(segments, colors="#222222", linewidths=widths + 1.3, capstyle="round", zorder=7),
        autolim=False,
    )
    ax.add_collection(
        LineCollection(segments, colors=list(colors[index[order]]), linewidths=widths, capstyle="round", zorder=7.1),
        autolim=False,
    )


def draw_scale_bar(ax, limits) -> Rectangle:
    """A metric scale bar in the map's lower-left corner; returns its background (to keep labels off)."""
    xmin, ymin, xmax, ymax = limits
    width, height = xmax - xmin, ymax - ymin
    length = scale_bar_length(width)
    x0, y0 = xmin + 0.035 * width, ymin + 0.045 * height
    bar_h = 0.011 * height
    n = 4 if str(int(length / 10 ** math.floor(math.log10(length))))[0] in "12" else 5
    seg = length / n
    background = Rectangle(
        (x0 - 0.015 * width, y0 - 0.025 * height),
        length + 0.05 * width,
        bar_h + 0.055 * height,
        facecolor="white",
        edgecolor="none",
        alpha=0.85,
        zorder=11,
    )
    ax.add_patch(background)
    for i in range(n):
        face = TEXT_DARK if i % 2 == 0 else "white"
        ax.add_patch(
            Rectangle((x0 + i * seg, y0), seg, bar_h, facecolor=face, edgecolor=TEXT_DARK, linewidth=0.8, zorder=12)
        )
    style = {"ha": "center", "va": "bottom", "fontsize": 7.5, "color": TEXT_DARK, "zorder": 12}
    add_text(ax, x0, y0 + bar_h * 1.6, "0", **style)
    add_text(ax, x0 + length, y0 + bar_h * 1.6, format_length(length), **style)
    return background


def draw_north_arrow(fig: Figure, ax, angle: float) -> PolygonPatch:
    """A compass needle in the map's upper-right corner, pointing to geographic north."""
    anchor = ScaledTranslation(0.955, 0.9, ax.transAxes)
    trans = fig.dpi_scale_trans + anchor  # shapes below are in inches around the anchor
    cos, sin = math.cos(angle), math.sin(angle)

    def rot(points):
        return [(px * cos - py * sin, px * sin + py * cos) for px, py in points]

    background = PolygonPatch(
        [(-0.16, -0.3), (0.16, -0.3), (0.16, 0.47), (-0.16, 0.47)],
        closed=True,
        facecolor="white",
        edgecolor="none",
        alpha=0.8,
        transform=trans,
        zorder=11,
    )
    ax.add_patch(background)
    tip, base, half = 0.22, -0.2, 0.09
    for side, face in ((-half, TEXT_DARK), (half, "white")):
        ax.add_patch(
            PolygonPatch(
                rot([(0, tip), (side, base), (0, base + 0.08)]),
                closed=True,
                facecolor=face,
                edgecolor=TEXT_DARK,
                linewidth=0.8,
                transform=trans,
                zorder=12,
            )
        )
    ((nx, ny),) = rot([(0, tip + 0.03)])
    ax.text(
        nx,
        ny,
        TEXT["north"],
        transform=trans,
        ha="center",
        va="bottom",
        fontsize=11,
        fontweight="bold",
        color=TEXT_DARK,
        zorder=12,
        **PLAIN,
    )
    return background
