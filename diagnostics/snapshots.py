"""Static map snapshots of one commune, for mayors and partners.

A pure builder: GeoDataFrames in, PNG bytes out. No database, no Streamlit, no pyplot: every call
builds its own ``matplotlib.figure.Figure`` on an Agg canvas, so calls do not share state and can
run in Streamlit's worker threads.

The map is drawn in Lambert-93 (EPSG:2154) on an A4 page whose orientation follows the commune's
shape. Observations are points filled with their category colour, sized (and outlined more
heavily) by severity: colour answers "what kind of problem", which needs twelve distinguishable
hues, while size and outline weight encode the ordered gravité in a way that survives
black-and-white printing and colour blindness. Lines and polygons keep the category colour and
get thicker with severity.

Every text that may come from users (commune, sector, zone and site names, unknown category
codes) is drawn with mathtext and TeX disabled, so a ``$`` in a name is printed as is.
"""

from __future__ import annotations

import contextlib
import datetime
import io
import math
import textwrap
import threading
from dataclasses import dataclass

import geopandas
import matplotlib
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.path import Path
from matplotlib.transforms import Bbox, ScaledTranslation
from pyproj import Transformer

from diagnostics import taxonomy

__all__ = [
    "SnapshotLayers",
    "commune_map_figure",
    "french_date",
    "render_commune_pdf",
    "render_commune_png",
    "scale_bar_length",
]

LAMBERT_93 = "EPSG:2154"
WGS84 = "EPSG:4326"

# --- User-facing strings (French), kept together for a later translation. -------------------------
TEXT = {
    "title": "Diagnostic de sûreté — {name} ({insee})",
    "period_both": "Période : du {start} au {end}",
    "period_from": "Période : depuis le {start}",
    "period_until": "Période : jusqu'au {end}",
    "period_all": "Toutes les observations",
    "issued": "Édité le {date}",
    "population": "{population} habitants",
    "count_none": "Aucune observation sur la période",
    "count_one": "1 observation",
    "count_many": "{n} observations",
    "count_open": " (dont {n} non clôturée{s})",
    "credits": "Sources : IGN — ADMIN EXPRESS (Licence Ouverte 2.0) ; données PSQ — forces de sécurité intérieure",
    "projection": "Projection : Lambert-93 (EPSG:2154)",
    "approximate": "Zones de patrouille et secteurs : tracés indicatifs.",
    "legend_categories": "Catégories",
    "legend_severity": "Gravité",
    "legend_layers": "Couches",
    "layer_commune": "Commune",
    "layer_neighbours": "Communes voisines",
    "layer_sector": "Secteur",
    "layer_zone": "Zone de patrouille",
    "layer_obs_line": "Observation (tracé)",
    "layer_obs_area": "Observation (zone)",
    "site_kiosque": "Kiosque",
    "site_brigade": "Brigade de gendarmerie",
    "site_commissariat": "Commissariat",
    "site_other": "Autre site",
    "north": "N",
    # The PDF's list of observations.
    "list_title": "Observations — {name} ({insee})",
    "list_counts": "Nombre d'observations par catégorie",
    "list_rows": "Liste des observations (de la plus grave à la moins grave)",
    "list_none": "Aucune observation sur la période.",
    "list_continued": "Liste des observations (suite)",
    "col_category": "Catégorie",
    "col_total": "Total",
    "col_open": "Non clôturées",
    "col_number": "N°",
    "col_date": "Date",
    "col_severity": "Gravité",
    "col_status": "Statut",
    "col_description": "Constat (si communicable)",
    "col_recommendation": "Préconisation",
    "total": "Total",
    "not_shared": "—",
    "confidential": "Document pour le maire et les partenaires : le constat détaillé ne figure que pour les "
    "observations déclarées communicables.",
    "page": "Page {n} / {total}",
}

# --- Styles ------------------------------------------------------------------------------------------
# Point area (pt²) and outline width (pt) per severity 1..4: clearly ordered, readable at 150 dpi.
SEVERITY_SIZES = {1: 26.0, 2: 50.0, 3: 85.0, 4: 135.0}
SEVERITY_EDGE_WIDTHS = {1: 0.5, 2: 0.8, 3: 1.2, 4: 1.8}
SEVERITY_LINE_WIDTHS = {1: 1.4, 2: 2.0, 3: 2.8, 4: 3.8}
FALLBACK_CATEGORY_COLOR = taxonomy.category("autre").color

BACKGROUND = "#f3f3f1"
NEIGHBOUR_FILL = "#e2e2df"
NEIGHBOUR_EDGE = "#a9a9a4"
NEIGHBOUR_TEXT = "#6b6b66"
COMMUNE_EDGE = "#111111"
ZONE_COLOR = "#1f5fa8"
SECTOR_COLOR = "#6d4c41"
SITE_COLOR = "#0b2a5b"
TEXT_DARK = "#1a1a1a"
TEXT_GREY = "#555555"

SITE_MARKERS = {  # kind -> (marker, size in points, legend label key)
    "kiosque": ("*", 17.0, "site_kiosque"),
    "brigade": ("s", 9.0, "site_brigade"),
    "commissariat": ("D", 8.5, "site_commissariat"),
}
OTHER_SITE_MARKER = ("^", 9.0, "site_other")

A4_LONG, A4_SHORT = 11.69, 8.27  # inches
MARGIN = 0.42  # page margin, inches
HEADER_H = 1.2
FOOTER_H = 0.8
LANDSCAPE_LEGEND_W = 2.75
PORTRAIT_LEGEND_H = 2.35  # assumed when choosing the orientation
PORTRAIT_LEGEND_MIN_H, PORTRAIT_LEGEND_MAX_H = 0.9, 3.0  # the legend panel then takes what it needs
GAP = 0.18
VIEW_MARGIN = 0.06  # fraction of the commune's extent kept around it
_HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]
_PLAIN = {"parse_math": False, "usetex": False}  # keyword arguments for every Text we create


@dataclass(frozen=True)
class SnapshotLayers:
    """Everything drawn on a commune snapshot. Geometries in WGS84 (or any CRS that is set)."""

    commune: geopandas.GeoDataFrame  # one row: insee, name, department, population, geometry
    neighbours: geopandas.GeoDataFrame  # same columns; may be empty
    observations: geopandas.GeoDataFrame  # id, category, severity (1..4), status, geometry
    sectors: geopandas.GeoDataFrame  # name, kind, geometry
    patrol_zones: geopandas.GeoDataFrame  # name, unit, geometry
    sites: geopandas.GeoDataFrame  # name, kind ("kiosque" | "brigade" | "commissariat"), Points


# --- Small pure helpers --------------------------------------------------------------------------------


def french_date(d: datetime.date) -> str:
    """``dd/mm/yyyy``, independent of the system locale (a datetime gives its date part)."""
    return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"


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


def _format_length(metres: float) -> str:
    if metres >= 1000:
        value, unit = metres / 1000.0, "km"
    else:
        value, unit = metres, "m"
    text = f"{value:.10g}".replace(".", ",")  # French decimal comma, should a bar ever be 0,5 m
    return f"{text} {unit}"


def _format_int(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")  # French thousands separator: no-break space


def _period_text(period: tuple[datetime.date | None, datetime.date | None] | None) -> str:
    start, end = period if period is not None else (None, None)
    if start is not None and end is not None:
        if start > end:
            raise ValueError(f"period starts after it ends: {start} > {end}")
        return TEXT["period_both"].format(start=french_date(start), end=french_date(end))
    if start is not None:
        return TEXT["period_from"].format(start=french_date(start))
    if end is not None:
        return TEXT["period_until"].format(end=french_date(end))
    return TEXT["period_all"]


def _count_text(observations: geopandas.GeoDataFrame) -> str:
    n = len(observations)
    if n == 0:
        return TEXT["count_none"]
    text = TEXT["count_one"] if n == 1 else TEXT["count_many"].format(n=_format_int(n))
    if "status" in observations.columns:
        n_open = int(observations["status"].isin(taxonomy.OPEN_STATUSES).sum())
        if n_open:
            text += TEXT["count_open"].format(n=_format_int(n_open), s="s" if n_open > 1 else "")
    return text


def _plain(value: object) -> str:
    """User text as a plain string ('' for missing values)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


# --- Geometry helpers --------------------------------------------------------------------------------


def _to_l93(gdf: geopandas.GeoDataFrame | None) -> geopandas.GeoDataFrame:
    if gdf is None:
        return geopandas.GeoDataFrame(geometry=[], crs=LAMBERT_93)
    if gdf.crs is None:
        gdf = gdf.set_crs(WGS84)
    if len(gdf) == 0:
        return gdf.set_crs(LAMBERT_93, allow_override=True)
    gdf = gdf.to_crs(LAMBERT_93)
    return gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]


def _flat_parts(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Single-part geometries of ``geoms`` (collections exploded) and the index of their source."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    for _ in range(2):  # GeometryCollections may hold multi-geometries
        nested = shapely.get_type_id(parts) >= 4
        if not nested.any():
            break
        sub, sub_index = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        index = np.concatenate([index[~nested], index[nested][sub_index]])
    keep = ~shapely.is_empty(parts)
    return parts[keep], index[keep]


def _polygons_path(polygons: np.ndarray) -> Path | None:
    """One compound Path for Polygon parts, rings oriented so holes stay empty when filled."""
    if len(polygons) == 0:
        return None
    polygons = shapely.orient_polygons(polygons)  # exterior CCW, holes CW: non-zero rule works
    rings = shapely.get_rings(polygons)
    coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    if len(coords) == 0:
        return None
    codes = np.full(len(coords), Path.LINETO, dtype=Path.code_type)
    starts = np.r_[0, np.flatnonzero(np.diff(ring_index)) + 1]
    ends = np.r_[starts[1:] - 1, len(coords) - 1]
    codes[starts] = Path.MOVETO
    codes[ends] = Path.CLOSEPOLY
    return Path(coords, codes)


def _line_segments(lines: np.ndarray) -> list[np.ndarray]:
    coords, line_index = shapely.get_coordinates(lines, return_index=True)
    if len(coords) == 0:
        return []
    splits = np.flatnonzero(np.diff(line_index)) + 1
    return np.split(coords, splits)


def _by_type(geoms: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Parts of ``geoms`` grouped as points / lines / polygons, with their source row index."""
    parts, index = _flat_parts(geoms)
    type_ids = shapely.get_type_id(parts)
    groups = {"points": type_ids == 0, "lines": (type_ids == 1) | (type_ids == 2), "polygons": type_ids == 3}
    return {name: (parts[mask], index[mask]) for name, mask in groups.items()}


def _prepare(geoms: np.ndarray, clip: tuple[float, float, float, float], tolerance: float) -> np.ndarray:
    """Clip large reference geometries to (a bit more than) the view and simplify below a pixel."""
    with contextlib.suppress(shapely.errors.GEOSException):  # very broken input: draw it unclipped
        geoms = shapely.clip_by_rect(geoms, *clip)
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    return geoms


def _draw_polygons(ax, geoms: np.ndarray, *, zorder: float, **style) -> bool:
    path = _polygons_path(_by_type(geoms)["polygons"][0])
    if path is None:
        return False
    ax.add_patch(PathPatch(path, zorder=zorder, **style))
    return True


def _draw_lines(ax, geoms: np.ndarray, *, zorder: float, **style) -> bool:
    parts = _by_type(geoms)
    lines = np.concatenate([parts["lines"][0], shapely.get_rings(parts["polygons"][0])])
    segments = _line_segments(lines)
    if not segments:
        return False
    ax.add_collection(LineCollection(segments, zorder=zorder, **style), autolim=False)
    return True


def _label_point(geom, view_box) -> tuple[float, float] | None:
    """Where to write a layer's name: inside its visible part, if that part is not a sliver."""
    visible = shapely.clip_by_rect(geom, *view_box.bounds)
    if visible.is_empty:
        return None
    if visible.area < 0.5 * geom.area and visible.area < 0.015 * view_box.area:
        return None  # a sliver of a larger area cut by the map's edge
    point = visible.representative_point() if visible.area > 0 else visible.centroid
    return point.x, point.y


def _add_text(ax, x, y, text, **kwargs):
    return ax.text(x, y, text, clip_on=True, **_PLAIN, **kwargs)


# Candidate label shifts, in label widths and heights, nearest first.
_NUDGES = sorted(
    ((dx, dy) for dx in (0, -0.5, 0.5) for dy in (0, 1, -1, 2, -2, 3, -3)),
    key=lambda d: (abs(d[0]) * 2 + abs(d[1]), d),
)


class _Labels:
    """Places map labels so they neither overlap each other nor the scale bar and north arrow.

    A label that collides is moved around by fractions of its own size; if it still collides
    (or would be cut by the map's edge) it is dropped when optional, kept where it was otherwise.
    """

    def __init__(self, fig: Figure, ax) -> None:
        self.ax = ax
        self.renderer = fig.canvas.get_renderer()
        self.frame = ax.get_window_extent(self.renderer)
        self.taken: list = []
        (x0, _), (x1, _) = ax.transData.transform([(ax.get_xlim()[0], 0), (ax.get_xlim()[1], 0)])
        self.metres_per_pixel = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (x1 - x0)

    def block(self, artist) -> None:
        self.taken.append(artist.get_window_extent(self.renderer))

    def block_points(self, xy: np.ndarray, areas: np.ndarray, limit: int = 400) -> None:
        """Keep labels off point markers (the first ``limit`` ones: beyond, the map is full anyway)."""
        if len(xy) == 0:
            return
        xy, areas = xy[-limit:], areas[-limit:]  # the last drawn are the most severe
        centres = self.ax.transData.transform(xy)
        radii = np.sqrt(areas) / 2 * self.ax.figure.dpi / 72  # marker diameter in points -> pixels
        for (x, y), r in zip(centres, radii, strict=True):
            if self.frame.contains(x, y):
                self.taken.append(Bbox.from_extents(x - r, y - r, x + r, y + r))

    def _free(self, bbox) -> bool:
        inside = (
            bbox.x0 >= self.frame.x0
            and bbox.x1 <= self.frame.x1
            and bbox.y0 >= self.frame.y0
            and bbox.y1 <= self.frame.y1
        )
        return inside and not any(bbox.overlaps(other) for other in self.taken)

    def add(self, x: float, y: float, text: str, *, optional: bool, **kwargs) -> None:
        artist = _add_text(self.ax, x, y, text, **kwargs)
        bbox = artist.get_window_extent(self.renderer).padded(2)
        for dx, dy in _NUDGES:
            moved = bbox.translated(dx * bbox.width, dy * bbox.height)
            if self._free(moved):
                artist.set_position(
                    (x + dx * bbox.width * self.metres_per_pixel, y + dy * bbox.height * self.metres_per_pixel)
                )
                self.taken.append(moved)
                return
        if optional:
            artist.remove()
        else:
            self.taken.append(bbox)


# --- Page layout ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    landscape: bool
    size: tuple[float, float]  # inches
    map_rect: tuple[float, float, float, float]  # left, bottom, width, height in inches
    legend_rect: tuple[float, float, float, float]

    def scale(self, width_m: float, height_m: float) -> float:
        """Inches of paper per metre when the commune's extent fits the map box."""
        return min(self.map_rect[2] / width_m, self.map_rect[3] / height_m)


def _layouts(portrait_legend_h: float = PORTRAIT_LEGEND_H) -> tuple[_Layout, _Layout]:
    w, h = A4_LONG, A4_SHORT
    body_bottom = FOOTER_H + 0.08
    body_h = h - HEADER_H - body_bottom
    landscape = _Layout(
        True,
        (w, h),
        (MARGIN, body_bottom, w - 2 * MARGIN - LANDSCAPE_LEGEND_W - GAP, body_h),
        (w - MARGIN - LANDSCAPE_LEGEND_W, body_bottom, LANDSCAPE_LEGEND_W, body_h),
    )
    w, h = A4_SHORT, A4_LONG
    body_h = h - HEADER_H - body_bottom
    portrait = _Layout(
        False,
        (w, h),
        (MARGIN, body_bottom + portrait_legend_h + GAP, w - 2 * MARGIN, body_h - portrait_legend_h - GAP),
        (MARGIN, body_bottom, w - 2 * MARGIN, portrait_legend_h),
    )
    return landscape, portrait


def _choose_layout(width_m: float, height_m: float) -> _Layout:
    """The orientation that shows the commune at the larger scale."""
    landscape, portrait = _layouts()
    return portrait if portrait.scale(width_m, height_m) > landscape.scale(width_m, height_m) else landscape


def _view_limits(bounds, layout: _Layout) -> tuple[float, float, float, float]:
    """Map limits centred on the commune, with a margin, matching the map box's aspect ratio."""
    minx, miny, maxx, maxy = bounds
    width = max(maxx - minx, 1.0)
    height = max(maxy - miny, 1.0)
    width, height = width * (1 + 2 * VIEW_MARGIN), height * (1 + 2 * VIEW_MARGIN)
    box_aspect = layout.map_rect[2] / layout.map_rect[3]
    if width / height < box_aspect:
        width = height * box_aspect
    else:
        height = width / box_aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2


def _inches(fig: Figure, rect) -> list[float]:
    w, h = fig.get_size_inches()
    left, bottom, width, height = rect
    return [left / w, bottom / h, width / w, height / h]


# --- Drawing -------------------------------------------------------------------------------------------


def _severity(values: pd.Series) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").fillna(1).round().clip(1, 4)
    return numbers.astype(int).to_numpy()


def _category_colors(codes: pd.Series) -> np.ndarray:
    return np.array(
        [taxonomy.category(c).color if taxonomy.is_category(c) else FALLBACK_CATEGORY_COLOR for c in codes],
        dtype=object,
    )


def _draw_observations(ax, obs: geopandas.GeoDataFrame) -> tuple[dict[str, bool], np.ndarray, np.ndarray]:
    """Observations, worst drawn last (on top).

    Returns which geometry kinds were drawn, and the points' coordinates and marker areas (pt²)
    so that labels can keep clear of them.
    """
    drawn = {"points": False, "lines": False, "polygons": False}
    xy, sizes = np.empty((0, 2)), np.empty(0)
    if len(obs) == 0:
        return drawn, xy, sizes
    severity = _severity(obs["severity"] if "severity" in obs else pd.Series(1, index=obs.index))
    colors = _category_colors(obs["category"] if "category" in obs else pd.Series("autre", index=obs.index))
    parts = _by_type(obs.geometry.to_numpy())

    polygons, index = parts["polygons"]
    if len(polygons):
        order = np.argsort(severity[index], kind="stable")
        patches, faces, edges, widths = [], [], [], []
        for i in order:
            path = _polygons_path(polygons[i : i + 1])
            if path is None:
                continue
            patches.append(PathPatch(path))
            faces.append(_with_alpha(colors[index[i]], 0.22))
            edges.append(colors[index[i]])
            widths.append(SEVERITY_LINE_WIDTHS[severity[index[i]]] * 0.7)
        if patches:
            ax.add_collection(
                PatchCollection(patches, facecolors=faces, edgecolors=edges, linewidths=widths, zorder=6),
                autolim=False,
            )
            drawn["polygons"] = True

    lines, index = parts["lines"]
    if len(lines):
        order = np.argsort(severity[index], kind="stable")
        segments = _line_segments(lines[order])
        sev = severity[index[order]]
        widths = np.array([SEVERITY_LINE_WIDTHS[s] for s in sev])
        # A dark casing under each line keeps pale colours (éclairage yellow) readable.
        ax.add_collection(
            LineCollection(segments, colors="#222222", linewidths=widths + 1.3, capstyle="round", zorder=7),
            autolim=False,
        )
        ax.add_collection(
            LineCollection(
                segments, colors=list(colors[index[order]]), linewidths=widths, capstyle="round", zorder=7.1
            ),
            autolim=False,
        )
        drawn["lines"] = True

    points, index = parts["points"]
    if len(points):
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
        drawn["points"] = True
    return drawn, xy, sizes


def _with_alpha(color: str, alpha: float) -> tuple[float, float, float, float]:
    return to_rgba(color, alpha)


def _draw_sites(ax, sites: geopandas.GeoDataFrame, view_box, labels: _Labels) -> list[str]:
    """Sites in view, one marker per kind, named beside. Returns the kinds drawn, in a stable order."""
    if len(sites) == 0:
        return []
    points = _site_points(sites)
    in_view = shapely.contains(view_box, points)
    sites, points = sites[in_view], points[in_view]
    if len(sites) == 0:
        return []
    kinds = _site_kind_codes(sites)
    names = sites["name"].map(_plain) if "name" in sites else pd.Series("", index=sites.index)
    metres_per_point = labels.metres_per_pixel * ax.figure.dpi / 72
    order = [*SITE_MARKERS, *sorted(set(kinds) - set(SITE_MARKERS))]
    drawn, to_label = [], []
    for kind in order:
        mask = (kinds == kind).to_numpy()
        if not mask.any():
            continue
        marker, size, _ = SITE_MARKERS.get(kind, OTHER_SITE_MARKER)
        xy = shapely.get_coordinates(points[mask])
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=size**2,
            marker=marker,
            c=SITE_COLOR,
            edgecolors="white",
            linewidths=1.2,
            zorder=9,
        )
        labels.block_points(xy, np.full(len(xy), size**2))
        offset = (size / 2 + 2.5) * metres_per_point
        to_label += [(x + offset, y, name) for (x, y), name in zip(xy, names[mask], strict=True) if name]
        drawn.append(kind if kind in SITE_MARKERS else "other")
    for x, y, name in to_label:  # after every marker is known, so no label hides a site
        labels.add(
            x,
            y,
            textwrap.fill(name, 28),
            optional=False,
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color=SITE_COLOR,
            path_effects=_HALO,
            zorder=10,
        )
    return list(dict.fromkeys(drawn))


def _draw_scale_bar(ax, limits) -> Rectangle:
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
        ax.add_patch(
            Rectangle(
                (x0 + i * seg, y0),
                seg,
                bar_h,
                facecolor=TEXT_DARK if i % 2 == 0 else "white",
                edgecolor=TEXT_DARK,
                linewidth=0.8,
                zorder=12,
            )
        )
    _add_text(ax, x0, y0 + bar_h * 1.6, "0", ha="center", va="bottom", fontsize=7.5, color=TEXT_DARK, zorder=12)
    _add_text(
        ax,
        x0 + length,
        y0 + bar_h * 1.6,
        _format_length(length),
        ha="center",
        va="bottom",
        fontsize=7.5,
        color=TEXT_DARK,
        zorder=12,
    )
    return background


_LOCAL = threading.local()


def _transformers() -> tuple[Transformer, Transformer]:
    """Lambert-93 → WGS84 and back, built once per thread (pages render in Streamlit's threads):
    each costs 3 to 25 ms, which made up a tenth of a département batch when built per commune."""
    pair = getattr(_LOCAL, "transformers", None)
    if pair is None:
        pair = (
            Transformer.from_crs(LAMBERT_93, WGS84, always_xy=True),
            Transformer.from_crs(WGS84, LAMBERT_93, always_xy=True),
        )
        _LOCAL.transformers = pair
    return pair


def _true_north_angle(x: float, y: float) -> float:
    """Angle (radians, counter-clockwise from the map's up) of geographic north at (x, y) in L93."""
    to_wgs, to_l93 = _transformers()
    lon, lat = to_wgs.transform(x, y)
    x2, y2 = to_l93.transform(lon, lat + 0.01)
    return math.atan2(-(x2 - x), y2 - y)


def _draw_north_arrow(fig: Figure, ax, angle: float) -> PolygonPatch:
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
    ax.add_patch(
        PolygonPatch(
            rot([(0, tip), (-half, base), (0, base + 0.08)]),
            closed=True,
            facecolor=TEXT_DARK,
            edgecolor=TEXT_DARK,
            linewidth=0.8,
            transform=trans,
            zorder=12,
        )
    )
    ax.add_patch(
        PolygonPatch(
            rot([(0, tip), (half, base), (0, base + 0.08)]),
            closed=True,
            facecolor="white",
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
        **_PLAIN,
    )
    return background


def _padded(limits, fraction: float = 0.05) -> tuple[float, float, float, float]:
    xmin, ymin, xmax, ymax = limits
    pad = fraction * (xmax - xmin)
    return xmin - pad, ymin - pad, xmax + pad, ymax + pad


def _site_points(sites: geopandas.GeoDataFrame) -> np.ndarray:
    return shapely.point_on_surface(sites.geometry.to_numpy())  # tolerate non-point sites


def _site_kind_codes(sites: geopandas.GeoDataFrame) -> pd.Series:
    return sites["kind"].map(_plain) if "kind" in sites else pd.Series("", index=sites.index)


def _legend_content(limits, obs, neighbours, zones, sectors, sites) -> tuple:
    """What the legend lists for a view: layers with something visible, site kinds in view,
    observation geometry kinds. Computed before drawing so the page can be laid out around it."""
    clip = _padded(limits)

    def visible(gdf) -> bool:
        return bool(len(gdf)) and not shapely.is_empty(_prepare(gdf.geometry.to_numpy(), clip, 0)).all()

    present = {"neighbours": visible(neighbours), "zones": visible(zones), "sectors": visible(sectors)}
    in_view = shapely.contains(shapely.box(*limits), _site_points(sites)) if len(sites) else np.zeros(0, bool)
    kinds = set(_site_kind_codes(sites)[in_view])
    site_kinds = [k for k in SITE_MARKERS if k in kinds] + (["other"] if kinds - set(SITE_MARKERS) else [])
    parts = _by_type(obs.geometry.to_numpy()) if len(obs) else None
    obs_kinds = {k: parts is not None and len(parts[k][0]) > 0 for k in ("points", "lines", "polygons")}
    return present, tuple(site_kinds), obs_kinds


# --- Legend --------------------------------------------------------------------------------------------


def _legend_sections(obs, layers_present, site_kinds, drawn_obs, wrap: int):
    """(title, [(handle, label)]) for catégories present, the gravité scale and the layers drawn."""
    sections = []
    if len(obs):
        counts = obs["category"].map(_plain).value_counts() if "category" in obs else pd.Series(dtype=int)
        known = [c for c in taxonomy.CATEGORIES if c.code in counts.index]
        unknown = sorted(set(counts.index) - {c.code for c in known})
        entries = []
        for code, label, color in [(c.code, c.label, c.color) for c in known] + [
            (u, u or taxonomy.category_label("autre"), FALLBACK_CATEGORY_COLOR) for u in unknown
        ]:
            handle = Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=7.5,
                markerfacecolor=color,
                markeredgecolor="#111111",
                markeredgewidth=0.7,
            )
            entries.append((handle, textwrap.fill(f"{label} ({counts[code]})", wrap)))
        sections.append((TEXT["legend_categories"], entries))
        entries = []
        for level, name in taxonomy.SEVERITIES.items():
            handle = Line2D(
                [],
                [],
                linestyle="none",
                marker="o",
                markersize=math.sqrt(SEVERITY_SIZES[level]),
                markerfacecolor="#b5b5b5",
                markeredgecolor="#111111",
                markeredgewidth=SEVERITY_EDGE_WIDTHS[level],
            )
            entries.append((handle, f"{level} — {name}"))
        sections.append((TEXT["legend_severity"], entries))

    entries = [
        (Line2D([], [], color=COMMUNE_EDGE, linewidth=2.4), TEXT["layer_commune"]),
    ]
    if layers_present["neighbours"]:
        entries.append((_area_handle(NEIGHBOUR_FILL, NEIGHBOUR_EDGE), TEXT["layer_neighbours"]))
    if layers_present["zones"]:
        entries.append((_area_handle(_with_alpha(ZONE_COLOR, 0.1), ZONE_COLOR, hatch="////"), TEXT["layer_zone"]))
    if layers_present["sectors"]:
        entries.append(
            (Line2D([], [], color=SECTOR_COLOR, linewidth=1.8, linestyle=(0, (2.5, 1.5))), TEXT["layer_sector"])
        )
    for kind in site_kinds:
        marker, size, key = SITE_MARKERS.get(kind, OTHER_SITE_MARKER)
        handle = Line2D(
            [],
            [],
            linestyle="none",
            marker=marker,
            markersize=size * 0.85,
            markerfacecolor=SITE_COLOR,
            markeredgecolor="white",
            markeredgewidth=0.8,
        )
        entries.append((handle, TEXT[key]))
    if drawn_obs["lines"]:
        entries.append(
            (
                Line2D(
                    [],
                    [],
                    color="#7a7a7a",
                    linewidth=2.4,
                    path_effects=[patheffects.withStroke(linewidth=3.7, foreground="#222222")],
                ),
                TEXT["layer_obs_line"],
            )
        )
    if drawn_obs["polygons"]:
        entries.append((_area_handle(_with_alpha("#7a7a7a", 0.22), "#7a7a7a"), TEXT["layer_obs_area"]))
    sections.append((TEXT["legend_layers"], entries))
    return sections


def _area_handle(face, edge, hatch=None):
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


def _fit_legends(fig: Figure, ax, sections, vertical: bool) -> tuple[list[Legend], float]:
    """The legends at the largest font size that fits the panel (the smallest one if none does)."""
    font_sizes = (8.5, 7.8, 7.0, 6.3)
    for fontsize in font_sizes:
        fits, legends, bottom = _place_legends(fig, ax, sections, vertical, fontsize)
        if fits or fontsize == font_sizes[-1]:
            return legends, bottom
        for legend in legends:
            legend.remove()
    raise AssertionError("unreachable")


# --- Entry point ---------------------------------------------------------------------------------------


def render_commune_png(
    layers: SnapshotLayers,
    *,
    issued_on: datetime.date,
    period: tuple[datetime.date | None, datetime.date | None] | None = None,
    dpi: int = 150,
) -> bytes:
    """An A4 PNG map of one commune with its observations, for a mayor or a partner.

    ``period`` is only printed (the caller filters the observations); ``(None, None)`` or ``None``
    means all observations. Raises ValueError if ``layers.commune`` does not hold exactly one row.
    """
    fig = commune_map_figure(layers, issued_on=issued_on, period=period, dpi=dpi)
    try:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, facecolor="white")
        return buffer.getvalue()
    finally:
        fig.clear()


def commune_map_figure(
    layers: SnapshotLayers,
    *,
    issued_on: datetime.date,
    period: tuple[datetime.date | None, datetime.date | None] | None = None,
    dpi: int = 150,
) -> Figure:
    """The A4 map page of a commune as a Figure on an Agg canvas (see ``render_commune_png``).

    The PNG and the PDF share it; the caller saves it and then clears it.
    """
    if len(layers.commune) != 1:
        raise ValueError(f"a snapshot shows exactly one commune, got {len(layers.commune)} rows")
    if not dpi or dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    period_text = _period_text(period)

    commune = _to_l93(layers.commune)
    if len(commune) == 0:
        raise ValueError("the commune has no geometry")
    row = commune.iloc[0]
    insee = _plain(row.get("insee"))
    neighbours = _to_l93(layers.neighbours)
    if len(neighbours) and "insee" in neighbours and insee:
        neighbours = neighbours[neighbours["insee"].map(_plain) != insee]
    obs = _to_l93(layers.observations)
    sectors = _to_l93(layers.sectors)
    zones = _to_l93(layers.patrol_zones)
    sites = _to_l93(layers.sites)

    bounds = commune.total_bounds
    layout = _choose_layout(max(bounds[2] - bounds[0], 1.0), max(bounds[3] - bounds[1], 1.0))
    if not layout.landscape:  # give the legend panel its largest height until it is measured
        layout = _layouts(PORTRAIT_LEGEND_MAX_H)[1]
    limits = _view_limits(bounds, layout)
    content = _legend_content(limits, obs, neighbours, zones, sectors, sites)
    wrap = 30 if layout.landscape else 44

    fig = Figure(figsize=layout.size, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    try:
        # Legend first: in portrait its height decides how tall the map can be.
        legend_ax = fig.add_axes(_inches(fig, layout.legend_rect))
        legend_ax.set_axis_off()
        legends, bottom = _fit_legends(fig, legend_ax, _legend_sections(obs, *content, wrap), layout.landscape)
        if not layout.landscape:
            used = (1 - bottom) * layout.legend_rect[3] + 0.05
            layout = _layouts(min(max(used, PORTRAIT_LEGEND_MIN_H), PORTRAIT_LEGEND_MAX_H))[1]
            legend_ax.set_position(_inches(fig, layout.legend_rect))  # legends hang from its top edge
            limits = _view_limits(bounds, layout)
            new_content = _legend_content(limits, obs, neighbours, zones, sectors, sites)
            if new_content != content:  # the final view shows another set of layers: redo the legend
                for legend in legends:
                    legend.remove()
                content = new_content
                _fit_legends(fig, legend_ax, _legend_sections(obs, *content, wrap), layout.landscape)
        present = content[0]

        view_box = shapely.box(*limits)
        xmin, ymin, xmax, ymax = limits
        clip = _padded(limits)
        tolerance = 0.5 * (xmax - xmin) / (layout.map_rect[2] * dpi)  # half a pixel, in metres

        ax = fig.add_axes(_inches(fig, layout.map_rect))
        ax.set_xlim(xmin, xmax)
        ax.set_ylim(ymin, ymax)
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor(BACKGROUND)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_edgecolor("#444444")
            spine.set_linewidth(0.8)

        # Reference layers.
        commune_geoms = _prepare(commune.geometry.to_numpy(), clip, tolerance)
        neighbour_geoms = _prepare(neighbours.geometry.to_numpy(), clip, tolerance)
        zone_geoms = _prepare(zones.geometry.to_numpy(), clip, tolerance)
        sector_geoms = _prepare(sectors.geometry.to_numpy(), clip, tolerance)
        _draw_polygons(ax, neighbour_geoms, zorder=1, facecolor=NEIGHBOUR_FILL, edgecolor=NEIGHBOUR_EDGE, linewidth=0.7)
        _draw_polygons(ax, commune_geoms, zorder=2, facecolor="white", edgecolor="none")
        _draw_polygons(ax, zone_geoms, zorder=3, facecolor=_with_alpha(ZONE_COLOR, 0.08), edgecolor="none")
        _draw_polygons(ax, zone_geoms, zorder=3.1, facecolor="none", edgecolor=ZONE_COLOR, hatch="////", linewidth=0.0)
        _draw_lines(ax, zone_geoms, zorder=3.2, colors=ZONE_COLOR, linewidths=1.2)
        _draw_lines(ax, sector_geoms, zorder=4, colors=SECTOR_COLOR, linewidths=1.8, linestyles=[(0, (4, 2))])
        _draw_lines(ax, commune_geoms, zorder=5, colors="white", linewidths=4.2)
        _draw_lines(ax, commune_geoms, zorder=5.1, colors=COMMUNE_EDGE, linewidths=2.4)

        _, point_xy, point_sizes = _draw_observations(ax, obs)
        labels = _Labels(fig, ax)
        labels.block_points(point_xy, point_sizes)
        labels.block(_draw_scale_bar(ax, limits))
        centre = shapely.box(*bounds).centroid
        labels.block(_draw_north_arrow(fig, ax, _true_north_angle(centre.x, centre.y)))

        # Labels, most important first: sites, sectors and zones, then neighbours where room is left.
        _draw_sites(ax, sites, view_box, labels)
        for geoms, gdf, color, style in (
            (sector_geoms, sectors, SECTOR_COLOR, "normal"),
            (zone_geoms, zones, ZONE_COLOR, "italic"),
        ):
            if "name" not in gdf:
                continue
            for geom, name in zip(geoms, gdf["name"].map(_plain), strict=True):
                point = _label_point(geom, view_box) if name and geom is not None else None
                if point:
                    labels.add(
                        *point,
                        textwrap.fill(name, 24),
                        optional=False,
                        ha="center",
                        va="center",
                        fontsize=7.5,
                        fontweight="bold",
                        style=style,
                        color=color,
                        path_effects=_HALO,
                        zorder=10,
                    )
        if "name" in neighbours:
            for geom, name in zip(neighbour_geoms, neighbours["name"].map(_plain), strict=True):
                point = _label_point(geom, view_box) if name else None
                if point:
                    labels.add(
                        *point,
                        textwrap.fill(name, 18),
                        optional=True,
                        ha="center",
                        va="center",
                        fontsize=7,
                        style="italic",
                        color=NEIGHBOUR_TEXT,
                        zorder=5.5,
                        path_effects=[patheffects.withStroke(linewidth=2, foreground=NEIGHBOUR_FILL)],
                    )

        # Header.
        width, height = layout.size
        top = 1 - MARGIN * 0.85 / height
        left, right = MARGIN / width, 1 - MARGIN / width
        title = TEXT["title"].format(name=_plain(row.get("name")), insee=insee)
        fig.text(
            left,
            top,
            title,
            ha="left",
            va="top",
            fontsize=16 if layout.landscape else 14,
            fontweight="bold",
            color=TEXT_DARK,
            **_PLAIN,
        )
        subtitle = f"{period_text}   ·   {TEXT['issued'].format(date=french_date(issued_on))}"
        fig.text(left, top - 0.34 / height, subtitle, ha="left", va="top", fontsize=11, color=TEXT_DARK, **_PLAIN)
        department = _plain(row.get("department"))
        place = []
        if department:
            name = taxonomy.DEPARTMENTS.get(department)
            place.append(f"{name} ({department})" if name else department)
        population = pd.to_numeric(pd.Series([row.get("population")]), errors="coerce").iloc[0]
        if pd.notna(population):
            place.append(TEXT["population"].format(population=_format_int(int(population))))
        if place:
            fig.text(
                left,
                top - 0.58 / height,
                "   ·   ".join(place),
                ha="left",
                va="top",
                fontsize=9.5,
                color=TEXT_GREY,
                **_PLAIN,
            )
        rule_y = 1 - (HEADER_H - 0.1) / height
        fig.add_artist(Line2D([left, right], [rule_y, rule_y], color="#999999", linewidth=0.8))

        # Footer: count and projection, credits, and a caveat when hand-drawn areas are shown.
        foot_rule = (FOOTER_H - 0.02) / height
        fig.add_artist(Line2D([left, right], [foot_rule, foot_rule], color="#999999", linewidth=0.8))
        fig.text(
            left,
            foot_rule - 0.08 / height,
            _count_text(layers.observations),
            ha="left",
            va="top",
            fontsize=10,
            fontweight="bold",
            color=TEXT_DARK,
            **_PLAIN,
        )
        fig.text(
            right,
            foot_rule - 0.1 / height,
            TEXT["projection"],
            ha="right",
            va="top",
            fontsize=7.5,
            color=TEXT_GREY,
            **_PLAIN,
        )
        fig.text(
            left,
            foot_rule - 0.32 / height,
            TEXT["credits"],
            ha="left",
            va="top",
            fontsize=7.5,
            color=TEXT_GREY,
            **_PLAIN,
        )
        if present["zones"] or present["sectors"]:
            fig.text(
                left,
                foot_rule - 0.49 / height,
                TEXT["approximate"],
                ha="left",
                va="top",
                fontsize=7.5,
                style="italic",
                color=TEXT_GREY,
                **_PLAIN,
            )

        return fig
    except BaseException:
        fig.clear()
        raise


# --- PDF: the map page, then the list of observations --------------------------------------------------

# Page geometry of the list (A4 portrait, inches) and its table columns: key, width, header.
LIST_MARGIN = 0.5
LIST_FONT = 7.5  # points
LIST_LINE_H = LIST_FONT * 1.3 / 72  # inches per line of text
LIST_ROW_PAD = 0.07
LIST_MAX_LINES = 14  # a cell longer than this is cut with "…" so a row always fits a page
CHARS_PER_INCH = 17.0  # DejaVu Sans at LIST_FONT, measured on French text, rounded down
LIST_COLUMNS = (
    ("number", 0.35, "col_number"),
    ("date", 0.72, "col_date"),
    ("category", 1.45, "col_category"),
    ("severity", 0.84, "col_severity"),
    ("status", 0.76, "col_status"),
    ("description", 1.6, "col_description"),
    ("recommendation", 1.55, "col_recommendation"),
)
ZEBRA = "#f2f2f0"
LIST_HEADINGS_H = 0.3 + 0.32  # the list's title and the table's header row


def render_commune_pdf(
    layers: SnapshotLayers,
    *,
    issued_on: datetime.date,
    period: tuple[datetime.date | None, datetime.date | None] | None = None,
    dpi: int = 150,
) -> bytes:
    """An A4 PDF for a mayor: the map page (vector, as in the PNG), then the observations.

    The list shows, for each observation, date, catégorie, gravité, statut and préconisation,
    and the constat (description) only where the observation is marked ``shareable``; it opens
    with the counts by catégorie. The caller is expected to have redacted the frame already
    (see ``diagnostics.redaction``): this check is a second line of defence, not the rule.
    """
    from matplotlib.backends.backend_pdf import PdfPages

    figures = [commune_map_figure(layers, issued_on=issued_on, period=period, dpi=dpi)]
    try:
        figures += _observation_pages(layers, issued_on=issued_on, period=period)
        name = _plain(layers.commune.iloc[0].get("name"))
        metadata = {
            "Title": TEXT["title"].format(name=name, insee=_plain(layers.commune.iloc[0].get("insee"))),
            "Subject": _period_text(period),
            "Creator": "PSQ diagnostics",
            "CreationDate": None,  # reproducible files: same data, same bytes
        }
        buffer = io.BytesIO()
        with PdfPages(buffer, metadata=metadata) as pdf:
            pdf.savefig(figures[0], facecolor="white")
            # The list is mostly text: the PDF's standard fonts (Helvetica, cp1252) write each
            # string at once, where embedded TrueType is laid out glyph by glyph, which made a
            # commune with 260 observations take 2 s instead of 0.5 s. A character outside
            # cp1252 prints as "?" there; the map page keeps the embedded font.
            with matplotlib.rc_context({"pdf.use14corefonts": True}):
                for fig in figures[1:]:
                    pdf.savefig(fig, facecolor="white")
        return buffer.getvalue()
    finally:
        for fig in figures:
            fig.clear()


def _wrap_cell(text: str, width_in: float) -> list[str]:
    chars = max(4, int(width_in * CHARS_PER_INCH))
    lines = []
    for paragraph in text.splitlines() or [""]:
        lines += textwrap.wrap(paragraph, chars, break_long_words=True, break_on_hyphens=False) or [""]
    if len(lines) > LIST_MAX_LINES:
        lines = lines[: LIST_MAX_LINES - 1] + [lines[LIST_MAX_LINES - 1][: chars - 1] + "…"]
    return lines


def _observation_cells(obs: pd.DataFrame) -> list[dict[str, str]]:
    """One dict of printable cells per observation, worst gravité first, then newest."""
    frame = pd.DataFrame(obs.drop(columns="geometry", errors="ignore"))
    frame["_severity"] = _severity(frame["severity"]) if "severity" in frame else 1
    frame["_date"] = pd.to_datetime(frame["observed_on"], errors="coerce") if "observed_on" in frame else pd.NaT
    frame = frame.sort_values(["_severity", "_date"], ascending=[False, False], kind="stable")
    cells = []
    for number, (_, row) in enumerate(frame.iterrows(), start=1):
        shared = bool(row.get("shareable")) if pd.notna(row.get("shareable")) else False
        description = _plain(row.get("description")).strip() if shared else ""
        date = row["_date"]
        cells.append(
            {
                "number": str(number),
                "date": french_date(date) if pd.notna(date) else "",
                "category": taxonomy.category_label(_plain(row.get("category"))),
                "severity": f"{row['_severity']} — {taxonomy.severity_label(row['_severity'])}",
                "status": taxonomy.status_label(_plain(row.get("status"))),
                "description": description or TEXT["not_shared"],
                "recommendation": _plain(row.get("recommendation")).strip() or TEXT["not_shared"],
            }
        )
    return cells


def _category_counts(obs: pd.DataFrame) -> list[tuple[str, str, int, int]]:
    """(colour, label, total, still open) per catégorie present, in taxonomy order."""
    if len(obs) == 0 or "category" not in obs:
        return []
    codes = obs["category"].map(_plain)
    open_ = obs["status"].isin(taxonomy.OPEN_STATUSES) if "status" in obs else pd.Series(False, index=obs.index)
    known = [c.code for c in taxonomy.CATEGORIES if c.code in set(codes)]
    rows = []
    for code in known + sorted(set(codes) - set(known)):
        mask = codes == code
        color = taxonomy.category(code).color if taxonomy.is_category(code) else FALLBACK_CATEGORY_COLOR
        rows.append((color, taxonomy.category_label(code), int(mask.sum()), int((mask & open_).sum())))
    return rows


def _observation_pages(layers: SnapshotLayers, *, issued_on: datetime.date, period) -> list[Figure]:
    """The list of observations on as many A4 portrait pages as it needs."""
    row = layers.commune.iloc[0]
    title = TEXT["list_title"].format(name=_plain(row.get("name")), insee=_plain(row.get("insee")))
    subtitle = f"{_period_text(period)}   ·   {TEXT['issued'].format(date=french_date(issued_on))}"
    counts = _category_counts(layers.observations)
    cells = _observation_cells(layers.observations)
    wrapped = [{key: _wrap_cell(c[key], width - 0.08) for key, width, _ in LIST_COLUMNS} for c in cells]
    heights = [max(len(v) for v in w.values()) * LIST_LINE_H + LIST_ROW_PAD for w in wrapped]

    width, height = A4_SHORT, A4_LONG
    top, bottom = height - LIST_MARGIN - 0.95, LIST_MARGIN + 0.55  # below the header, above the footer
    counts_h = _counts_height(len(counts)) if counts else 0.0
    pages: list[list[int]] = [[]]
    y = top - counts_h - LIST_HEADINGS_H  # the first page starts below the counts and the headings
    for i, h in enumerate(heights):
        if y - h < bottom and pages[-1]:
            pages.append([])
            y = top - LIST_HEADINGS_H
        pages[-1].append(i)
        y -= h
    total_pages = len(pages) + 1  # the map is page 1

    figures = []
    for page_number, indexes in enumerate(pages, start=2):
        fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
        FigureCanvasAgg(fig)
        figures.append(fig)
        inches = fig.dpi_scale_trans
        left, right = LIST_MARGIN, width - LIST_MARGIN

        def text(x, y, s, fig=fig, inches=inches, **kwargs):
            # The PDF's Helvetica exists as "medium" and "bold": asking for "normal" logs a
            # findfont warning per string.
            kwargs.setdefault("fontweight", "medium")
            return fig.text(x, y, s, transform=inches, **_PLAIN, **kwargs)

        text(left, height - LIST_MARGIN, title, va="top", fontsize=14, fontweight="bold", color=TEXT_DARK)
        text(left, height - LIST_MARGIN - 0.32, subtitle, va="top", fontsize=10, color=TEXT_DARK)
        rule = height - LIST_MARGIN - 0.7
        fig.add_artist(Line2D([left, right], [rule, rule], transform=inches, color="#999999", linewidth=0.8))
        y = top
        if page_number == 2:
            y = _draw_counts(fig, text, counts, left, y) if counts else y
            if not cells:
                text(left, y, TEXT["list_none"], va="top", fontsize=10, color=TEXT_DARK)
            else:
                text(left, y, TEXT["list_rows"], va="top", fontsize=10.5, fontweight="bold", color=TEXT_DARK)
                y -= 0.3
        else:
            text(left, y, TEXT["list_continued"], va="top", fontsize=10.5, fontweight="bold", color=TEXT_DARK)
            y -= 0.3
        if indexes:
            y = _draw_table_header(fig, text, left, right, y)
        for n, i in enumerate(indexes):
            if n % 2 == 0:
                fig.add_artist(
                    Rectangle((left, y - heights[i]), right - left, heights[i], transform=inches, facecolor=ZEBRA)
                )
            x = left
            for key, col_width, _ in LIST_COLUMNS:
                text(
                    x + 0.04,
                    y - LIST_ROW_PAD / 2,
                    "\n".join(wrapped[i][key]),
                    va="top",
                    fontsize=LIST_FONT,
                    color=TEXT_DARK,
                    linespacing=1.3,
                )
                x += col_width
            y -= heights[i]

        foot = LIST_MARGIN + 0.4
        fig.add_artist(Line2D([left, right], [foot, foot], transform=inches, color="#999999", linewidth=0.8))
        text(left, foot - 0.08, textwrap.fill(TEXT["confidential"], 150), va="top", fontsize=7, color=TEXT_GREY)
        text(
            right,
            LIST_MARGIN,
            TEXT["page"].format(n=page_number, total=total_pages),
            ha="right",
            va="bottom",
            fontsize=7.5,
            color=TEXT_GREY,
        )
        text(left, LIST_MARGIN, TEXT["credits"], va="bottom", fontsize=6.5, color=TEXT_GREY)
    return figures


def _counts_height(n: int) -> float:
    return 0.32 + 0.2 * n + 0.22 + 0.45  # what _draw_counts uses: title, rows, total, gap


def _draw_counts(fig: Figure, text, counts, left: float, y: float) -> float:
    """The counts by catégorie, as a small table; returns the height below it (inches)."""
    text(left, y, TEXT["list_counts"], va="top", fontsize=10.5, fontweight="bold", color=TEXT_DARK)
    y -= 0.32
    label_x, total_x, open_x = left + 0.25, left + 4.3, left + 5.4
    text(label_x, y, TEXT["col_category"], va="top", fontsize=8, fontweight="bold", color=TEXT_GREY)
    text(total_x, y, TEXT["col_total"], ha="right", va="top", fontsize=8, fontweight="bold", color=TEXT_GREY)
    text(open_x, y, TEXT["col_open"], ha="right", va="top", fontsize=8, fontweight="bold", color=TEXT_GREY)
    for color, label, total, still_open in counts:
        y -= 0.2
        fig.add_artist(
            Rectangle(
                (left + 0.03, y - 0.13),
                0.13,
                0.11,
                transform=fig.dpi_scale_trans,
                facecolor=color,
                edgecolor="#111111",
                linewidth=0.5,
            )
        )
        text(label_x, y, label, va="top", fontsize=8.5, color=TEXT_DARK)
        text(total_x, y, _format_int(total), ha="right", va="top", fontsize=8.5, color=TEXT_DARK)
        text(open_x, y, _format_int(still_open), ha="right", va="top", fontsize=8.5, color=TEXT_DARK)
    y -= 0.22
    fig.add_artist(
        Line2D([label_x, open_x], [y + 0.03, y + 0.03], transform=fig.dpi_scale_trans, color="#999999", linewidth=0.6)
    )
    text(label_x, y, TEXT["total"], va="top", fontsize=8.5, fontweight="bold", color=TEXT_DARK)
    text(
        total_x,
        y,
        _format_int(sum(c[2] for c in counts)),
        ha="right",
        va="top",
        fontsize=8.5,
        fontweight="bold",
        color=TEXT_DARK,
    )
    text(
        open_x,
        y,
        _format_int(sum(c[3] for c in counts)),
        ha="right",
        va="top",
        fontsize=8.5,
        fontweight="bold",
        color=TEXT_DARK,
    )
    return y - 0.45


def _draw_table_header(fig: Figure, text, left: float, right: float, y: float) -> float:
    x = left
    for _, col_width, key in LIST_COLUMNS:
        text(
            x + 0.04,
            y,
            textwrap.fill(TEXT[key], int(col_width * CHARS_PER_INCH * 0.9)),
            va="top",
            fontsize=7.5,
            fontweight="bold",
            color=TEXT_DARK,
            linespacing=1.2,
        )
        x += col_width
    y -= 0.3
    fig.add_artist(
        Line2D([left, right], [y + 0.02, y + 0.02], transform=fig.dpi_scale_trans, color="#444444", linewidth=0.8)
    )
    return y - 0.02


# --- Standalone HTML -------------------------------------------------------------------------------------


def render_commune_html(
    layers: SnapshotLayers,
    *,
    issued_on: datetime.date,
    period: tuple[datetime.date | None, datetime.date | None] | None = None,
    tiles: tuple[str, ...] = (),
) -> str:
    """The commune's interactive map as one HTML file that works offline (scripts inlined).

    ``tiles`` adds basemap layers the reader's browser loads when it is online; without them,
    or offline, the communes are the base. Raises AssetNotAvailable if the map files are missing.
    """
    import html

    import folium

    from diagnostics import maps
    from diagnostics.standalone import inline_assets

    if len(layers.commune) != 1:
        raise ValueError(f"a snapshot shows exactly one commune, got {len(layers.commune)} rows")
    row = layers.commune.iloc[0]
    insee = _plain(row.get("insee"))
    neighbours = layers.neighbours
    if len(neighbours) and "insee" in neighbours:
        neighbours = neighbours[neighbours["insee"].map(_plain) != insee]
    m = maps.build_commune_snapshot_map(
        layers.commune,
        neighbours,
        layers.observations,
        layers.sectors,
        layers.patrol_zones,
        layers.sites,
        tiles=tiles,
    )
    title = TEXT["title"].format(name=_plain(row.get("name")), insee=insee)
    lines = [
        f"{_period_text(period)} · {TEXT['issued'].format(date=french_date(issued_on))}",
        _count_text(layers.observations),
    ]
    panel = (
        '<div class="psq-title" style="position:absolute;top:10px;left:54px;z-index:1000;max-width:60%;'
        "background:rgba(255,255,255,0.94);padding:6px 10px;border:1px solid #999;border-radius:4px;"
        f'font:13px sans-serif"><b style="font-size:15px">{maps.escape_text(title)}</b>'
        + "".join(f"<br>{maps.escape_text(line)}" for line in lines)
        + "</div>"
        '<div class="psq-credits" style="position:absolute;bottom:24px;right:10px;z-index:1000;max-width:55%;'
        'background:rgba(255,255,255,0.85);padding:3px 6px;font:11px sans-serif;color:#444">'
        f"{maps.escape_text(TEXT['credits'])}</div>"
        "<style>.psq-legend{bottom:64px !important}</style>"  # above Leaflet's scale bar
    )
    m.get_root().html.add_child(folium.Element(panel))
    m.get_root().title = html.escape(title)
    return inline_assets(m)
