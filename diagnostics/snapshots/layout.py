"""The A4 page: orientation chosen from the commune's shape, boxes of the map and the legend."""

from __future__ import annotations

from dataclasses import dataclass

from matplotlib.figure import Figure

from diagnostics.snapshots.geometry import Box

A4_LONG, A4_SHORT = 11.69, 8.27  # inches
MARGIN = 0.42  # page margin, inches
HEADER_H = 1.2
FOOTER_H = 0.8
LANDSCAPE_LEGEND_W = 2.75
PORTRAIT_LEGEND_H = 2.35  # assumed when choosing the orientation
PORTRAIT_LEGEND_MIN_H, PORTRAIT_LEGEND_MAX_H = 0.9, 3.0  # the legend panel then takes what it needs
GAP = 0.18
VIEW_MARGIN = 0.06  # fraction of the commune's extent kept around it

Rect = tuple[float, float, float, float]  # left, bottom, width, height in inches


@dataclass(frozen=True)
class Layout:
    landscape: bool
    size: tuple[float, float]  # inches
    map_rect: Rect
    legend_rect: Rect

    def scale(self, width_m: float, height_m: float) -> float:
        """Inches of paper per metre when the commune's extent fits the map box."""
        return min(self.map_rect[2] / width_m, self.map_rect[3] / height_m)


def layouts(portrait_legend_h: float = PORTRAIT_LEGEND_H) -> tuple[Layout, Layout]:
    """The landscape page and the portrait page with a legend panel of the given height."""
    w, h = A4_LONG, A4_SHORT
    body_bottom = FOOTER_H + 0.08
    body_h = h - HEADER_H - body_bottom
    landscape = Layout(
        True,
        (w, h),
        (MARGIN, body_bottom, w - 2 * MARGIN - LANDSCAPE_LEGEND_W - GAP, body_h),
        (w - MARGIN - LANDSCAPE_LEGEND_W, body_bottom, LANDSCAPE_LEGEND_W, body_h),
    )
    w, h = A4_SHORT, A4_LONG
    body_h = h - HEADER_H - body_bottom
    portrait = Layout(
        False,
        (w, h),
        (MARGIN, body_bottom + portrait_legend_h + GAP, w - 2 * MARGIN, body_h - portrait_legend_h - GAP),
        (MARGIN, body_bottom, w - 2 * MARGIN, portrait_legend_h),
    )
    return landscape, portrait


def choose_layout(width_m: float, height_m: float) -> Layout:
    """The orientation that shows the commune at the larger scale; a portrait page starts with
    its legend panel at its largest height until the legend is measured."""
    landscape, portrait = layouts()
    if portrait.scale(width_m, height_m) > landscape.scale(width_m, height_m):
        return layouts(PORTRAIT_LEGEND_MAX_H)[1]
    return landscape


def portrait_for_legend(used_h: float) -> Layout:
    """The portrait page once the legend is known to need ``used_h`` inches."""
    return layouts(min(max(used_h, PORTRAIT_LEGEND_MIN_H), PORTRAIT_LEGEND_MAX_H))[1]


def view_limits(bounds, layout: Layout) -> Box:
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


def inches(fig: Figure, rect: Rect) -> list[float]:
    """A rectangle in inches as the figure fractions ``add_axes`` takes."""
    w, h = fig.get_size_inches()
    left, bottom, width, height = rect
    return [left / w, bottom / h, width / w, height / h]
