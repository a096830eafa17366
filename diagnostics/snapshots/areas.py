"""The reference layers on the map page: neighbours, the commune, patrol zones, sectors and
sites, and their names placed where there is room."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

import geopandas
import numpy as np
import pandas as pd
import shapely
from matplotlib import patheffects

from diagnostics.snapshots.drawing import draw_lines, draw_polygons
from diagnostics.snapshots.geometry import Box, padded, prepare, site_points
from diagnostics.snapshots.labels import Labels, label_point
from diagnostics.snapshots.styles import (
    CAMERA_VIEW_COLOR,
    COMMUNE_EDGE,
    HALO,
    NEIGHBOUR_EDGE,
    NEIGHBOUR_FILL,
    NEIGHBOUR_TEXT,
    OTHER_SITE_MARKER,
    SECTOR_COLOR,
    SITE_COLOR,
    SITE_MARKERS,
    ZONE_COLOR,
    site_kind_codes,
    with_alpha,
)
from diagnostics.snapshots.text import plain


@dataclass(frozen=True)
class PreparedAreas:
    """The areas' geometries clipped to the view and simplified below a pixel, row for row."""

    commune: np.ndarray
    neighbours: np.ndarray
    zones: np.ndarray
    sectors: np.ndarray


def prepare_areas(commune, neighbours, zones, sectors, limits: Box, tolerance: float) -> PreparedAreas:
    clip = padded(limits)
    return PreparedAreas(
        *(prepare(gdf.geometry.to_numpy(), clip, tolerance) for gdf in (commune, neighbours, zones, sectors))
    )


def draw_areas(ax, areas: PreparedAreas) -> None:
    """Neighbours greyed, the commune in white, zones hatched, sectors dashed, the outline on top."""
    draw_polygons(ax, areas.neighbours, zorder=1, facecolor=NEIGHBOUR_FILL, edgecolor=NEIGHBOUR_EDGE, linewidth=0.7)
    draw_polygons(ax, areas.commune, zorder=2, facecolor="white", edgecolor="none")
    draw_polygons(ax, areas.zones, zorder=3, facecolor=with_alpha(ZONE_COLOR, 0.08), edgecolor="none")
    draw_polygons(ax, areas.zones, zorder=3.1, facecolor="none", edgecolor=ZONE_COLOR, hatch="////", linewidth=0.0)
    draw_lines(ax, areas.zones, zorder=3.2, colors=ZONE_COLOR, linewidths=1.2)
    draw_lines(ax, areas.sectors, zorder=4, colors=SECTOR_COLOR, linewidths=1.8, linestyles=[(0, (4, 2))])
    draw_lines(ax, areas.commune, zorder=5, colors="white", linewidths=4.2)
    draw_lines(ax, areas.commune, zorder=5.1, colors=COMMUNE_EDGE, linewidths=2.4)


def draw_sites(ax, sites: geopandas.GeoDataFrame, view_box, labels: Labels) -> list[str]:
    """Sites in view, one marker per kind, named beside. Returns the kinds drawn, in a stable order."""
    if len(sites) == 0:
        return []
    points = site_points(sites)
    in_view = shapely.contains(view_box, points)
    sites, points = sites[in_view], points[in_view]
    if len(sites) == 0:
        return []
    kinds = site_kind_codes(sites)
    names = sites["name"].map(plain) if "name" in sites else pd.Series("", index=sites.index)
    order = [*SITE_MARKERS, *sorted(set(kinds) - set(SITE_MARKERS))]
    drawn, to_label = [], []
    for kind in order:
        mask = (kinds == kind).to_numpy()
        if not mask.any():
            continue
        marker, size, _ = SITE_MARKERS.get(kind, OTHER_SITE_MARKER)
        xy = shapely.get_coordinates(points[mask])
        ax.scatter(
            xy[:, 0], xy[:, 1], s=size**2, marker=marker, c=SITE_COLOR, edgecolors="white", linewidths=1.2, zorder=9
        )
        labels.block_points(xy, np.full(len(xy), size**2))
        offset = (size / 2 + 2.5) * labels.metres_per_point
        # A commune's cameras stand close together: their names only where there is room.
        optional = kind == "camera"
        to_label += [(x + offset, y, name, optional) for (x, y), name in zip(xy, names[mask], strict=True) if name]
        drawn.append(kind if kind in SITE_MARKERS else "other")
    for x, y, name, optional in to_label:  # after every marker is known, so no label hides a site
        labels.add(
            x,
            y,
            textwrap.fill(name, 28),
            optional=optional,
            va="center",
            fontsize=7.5,
            fontweight="bold",
            color=SITE_COLOR,
            path_effects=HALO,
            zorder=10,
        )
    return list(dict.fromkeys(drawn))


def draw_area_labels(areas: PreparedAreas, sectors, zones, neighbours, view_box, labels: Labels) -> None:
    """Names of sectors and zones (always kept), then of neighbours where room is left."""
    for geoms, gdf, color, style in (
        (areas.sectors, sectors, SECTOR_COLOR, "normal"),
        (areas.zones, zones, ZONE_COLOR, "italic"),
    ):
        if "name" not in gdf:
            continue
        for geom, name in zip(geoms, gdf["name"].map(plain), strict=True):
            point = label_point(geom, view_box) if name and geom is not None else None
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
                    path_effects=HALO,
                    zorder=10,
                )
    if "name" not in neighbours:
        return
    for geom, name in zip(areas.neighbours, neighbours["name"].map(plain), strict=True):
        point = label_point(geom, view_box) if name else None
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


def draw_camera_views(ax, views: geopandas.GeoDataFrame, limits: Box, tolerance: float) -> None:
    """The cameras' fields of view, translucent, under the observations (the forces' maps only)."""
    if len(views) == 0:
        return
    geoms = prepare(views.geometry.to_numpy(), padded(limits), tolerance)
    draw_polygons(ax, geoms, zorder=3.5, facecolor=with_alpha(CAMERA_VIEW_COLOR, 0.18), edgecolor=CAMERA_VIEW_COLOR,
                  linewidth=0.6)  # fmt: skip


def draw_commune_labels(areas: PreparedAreas, communes: geopandas.GeoDataFrame, view_box, labels: Labels) -> None:
    """The names of a territory's communes, where there is room."""
    names = communes["name"].map(plain) if "name" in communes else pd.Series("", index=communes.index)
    for geom, name in zip(areas.commune, names, strict=True):
        point = label_point(geom, view_box) if name and geom is not None else None
        if point:
            labels.add(*point, textwrap.fill(name, 18), optional=True, ha="center", va="center", fontsize=8,
                       style="italic", color=COMMUNE_EDGE, path_effects=HALO, zorder=5.5)  # fmt: skip
