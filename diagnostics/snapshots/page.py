"""The A4 map page of a commune, shared by the PNG and the PDF.

Built on its own ``matplotlib.figure.Figure`` with an Agg canvas, never through pyplot, so calls
share no state and can run in Streamlit's worker threads.
"""

from __future__ import annotations

import datetime
import io
from functools import partial

import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from diagnostics.snapshots.areas import (
    draw_area_labels,
    draw_areas,
    draw_camera_views,
    draw_commune_labels,
    draw_sites,
    prepare_areas,
)
from diagnostics.snapshots.drawing import draw_north_arrow, draw_observations, draw_scale_bar
from diagnostics.snapshots.geometry import true_north_angle
from diagnostics.snapshots.labels import Labels
from diagnostics.snapshots.layers import SnapshotLayers
from diagnostics.snapshots.layout import Layout, choose_layout, inches, portrait_for_legend, view_limits
from diagnostics.snapshots.legend import fit_legends, legend_content, legend_sections
from diagnostics.snapshots.numbers import draw_point_numbers
from diagnostics.snapshots.styles import BACKGROUND
from diagnostics.snapshots.text import Period, period_text
from diagnostics.snapshots.titles import draw_footer, draw_header, territory_row


def render_commune_png(
    layers: SnapshotLayers, *, issued_on: datetime.date, period: Period | None = None, dpi: int = 150
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
    layers: SnapshotLayers, *, issued_on: datetime.date, period: Period | None = None, dpi: int = 150
) -> Figure:
    """The A4 map page of a commune as a Figure on an Agg canvas (see ``render_commune_png``).

    The PNG and the PDF share it; the caller saves it and then clears it.
    """
    layers.check()
    if not dpi or dpi <= 0:
        raise ValueError(f"dpi must be positive, got {dpi!r}")
    period_text(period)  # a period that ends before it starts fails before anything is drawn
    l93 = layers.projected()
    bounds = l93.commune.total_bounds
    layout = choose_layout(max(bounds[2] - bounds[0], 1.0), max(bounds[3] - bounds[1], 1.0))
    fig = Figure(figsize=layout.size, dpi=dpi, facecolor="white")
    FigureCanvasAgg(fig)
    try:
        layout, limits, present = _legend_panel(fig, layout, bounds, l93)
        ax = _map_axes(fig, layout, limits)
        tolerance = 0.5 * (limits[2] - limits[0]) / (layout.map_rect[2] * dpi)  # half a pixel, in metres
        areas = prepare_areas(l93.commune, l93.neighbours, l93.patrol_zones, l93.sectors, limits, tolerance)
        draw_areas(ax, areas)
        draw_camera_views(ax, l93.camera_views, limits, tolerance)
        point_xy, point_sizes, point_rows = draw_observations(ax, l93.observations)
        labels = Labels(fig, ax)
        labels.block_points(point_xy, point_sizes)
        labels.block(draw_scale_bar(ax, limits))
        centre = shapely.box(*bounds).centroid
        labels.block(draw_north_arrow(fig, ax, true_north_angle(centre.x, centre.y)))
        # Labels, most important first: point numbers, sites, sectors and zones, then neighbours.
        draw_point_numbers(ax, l93.observations, point_xy, point_sizes, point_rows, labels)
        view_box = shapely.box(*limits)
        draw_sites(ax, l93.sites, view_box, labels)
        draw_area_labels(areas, l93.sectors, l93.patrol_zones, l93.neighbours, view_box, labels)
        if layers.territory:
            draw_commune_labels(areas, l93.commune, view_box, labels)
        header = territory_row(l93.commune) if layers.territory else l93.commune.iloc[0]
        draw_header(fig, layout, header, period=period, issued_on=issued_on, title=layers.title)
        approximate = present["zones"] or present["sectors"]
        draw_footer(
            fig, layout, layers.observations, approximate=approximate, issued_on=issued_on, recipient=layers.recipient
        )
        return fig
    except BaseException:
        fig.clear()
        raise


def _legend_panel(fig: Figure, layout: Layout, bounds, l93: SnapshotLayers):
    """Draw the legend first: in portrait its height decides how tall the map can be.

    Returns the final layout, the map's limits and which reference layers are in view.
    """
    limits = view_limits(bounds, layout)
    frames = (l93.observations, l93.neighbours, l93.patrol_zones, l93.sectors, l93.sites)
    content = legend_content(limits, *frames)
    wrap = 30 if layout.landscape else 44
    legend_ax = fig.add_axes(inches(fig, layout.legend_rect))
    legend_ax.set_axis_off()
    sections = partial(legend_sections, l93.observations, wrap=wrap, territory=l93.territory, views=l93.camera_views)
    legends, bottom = fit_legends(fig, legend_ax, sections(*content), layout.landscape)
    if not layout.landscape:
        layout = portrait_for_legend((1 - bottom) * layout.legend_rect[3] + 0.05)
        legend_ax.set_position(inches(fig, layout.legend_rect))  # legends hang from its top edge
        limits = view_limits(bounds, layout)
        new_content = legend_content(limits, *frames)
        if new_content != content:  # the final view shows another set of layers: redo the legend
            for legend in legends:
                legend.remove()
            content = new_content
            fit_legends(fig, legend_ax, sections(*content), layout.landscape)
    return layout, limits, content[0]


def _map_axes(fig: Figure, layout: Layout, limits):
    ax = fig.add_axes(inches(fig, layout.map_rect))
    xmin, ymin, xmax, ymax = limits
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal", adjustable="box")
    ax.set_facecolor(BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#444444")
        spine.set_linewidth(0.8)
    return ax
