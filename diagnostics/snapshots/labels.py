"""Map labels that neither overlap each other nor the points, scale bar and north arrow."""

from __future__ import annotations

import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from diagnostics.snapshots.styles import PLAIN

# Candidate label shifts, in label widths and heights, nearest first.
_NUDGES = sorted(
    ((dx, dy) for dx in (0, -0.5, 0.5) for dy in (0, 1, -1, 2, -2, 3, -3)),
    key=lambda d: (abs(d[0]) * 2 + abs(d[1]), d),
)


def add_text(ax, x, y, text, **kwargs):
    """User text on the map, clipped to it, with mathtext and TeX off (a ``$`` stays a ``$``)."""
    return ax.text(x, y, text, clip_on=True, **PLAIN, **kwargs)


def label_point(geom, view_box) -> tuple[float, float] | None:
    """Where to write a layer's name: inside its visible part, if that part is not a sliver."""
    visible = shapely.clip_by_rect(geom, *view_box.bounds)
    if visible.is_empty:
        return None
    if visible.area < 0.5 * geom.area and visible.area < 0.015 * view_box.area:
        return None  # a sliver of a larger area cut by the map's edge
    point = visible.representative_point() if visible.area > 0 else visible.centroid
    return point.x, point.y


class Labels:
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

    @property
    def metres_per_point(self) -> float:
        return self.metres_per_pixel * self.ax.figure.dpi / 72

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
        artist = add_text(self.ax, x, y, text, **kwargs)
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
