"""Observation numbers on the map page: the same N° as the forces' pages and the PDF's list
(the observation's id), so a reader can match a point and its line."""

from __future__ import annotations

import geopandas
import numpy as np
import shapely
from matplotlib import patheffects

from diagnostics.snapshots.labels import Labels, add_text
from diagnostics.snapshots.styles import TEXT_DARK
from diagnostics.snapshots.text import plain

MAX_NUMBERS = 300  # beyond, a commune map is a cloud of points: the list is the reference
# Up to this many, numbers are placed clear of each other and of the other labels; beyond, each is
# written at its point without the search (placing 260 numbers made a PDF take 2.4 s instead of 1.0 s).
PLACED_NUMBERS = 40
_OUTLINE = [patheffects.withStroke(linewidth=2.2, foreground="white")]


def observation_number(row) -> str:
    """The N° printed for an observation: its id, as on the commanders' map and follow-up."""
    value = row.get("id") if hasattr(row, "get") else None  # a row, a dict
    text = plain(value)
    return text[:-2] if text.endswith(".0") else text


def draw_point_numbers(
    ax,
    obs: geopandas.GeoDataFrame,
    point_xy: np.ndarray,
    point_sizes: np.ndarray,
    point_rows: np.ndarray,
    labels: Labels,
) -> None:
    """Write each observation's N° beside it, worst first (they are drawn on top too)."""
    if len(obs) == 0 or "id" not in obs:
        return
    places = _number_places(obs, point_xy, point_sizes, point_rows)
    placed = len(places) <= PLACED_NUMBERS
    style = {"fontsize": 6.5, "fontweight": "bold", "color": TEXT_DARK, "path_effects": _OUTLINE, "zorder": 10.5}
    numbers = obs["id"].to_numpy()
    for x, y, radius_pt, row in places[:MAX_NUMBERS]:
        number = observation_number({"id": numbers[row]})
        if not number:
            continue
        offset = (radius_pt + 1.5) * labels.metres_per_point
        if placed:
            labels.add(x + offset, y + offset * 0.6, number, optional=False, ha="left", va="bottom", **style)
        else:
            # No white outline here: a stroked path effect per text doubles the cost of a dense map.
            plain_style = {key: value for key, value in style.items() if key != "path_effects"}
            add_text(ax, x + offset, y + offset * 0.6, number, ha="left", va="bottom", **plain_style)


def _number_places(obs, point_xy, point_sizes, point_rows) -> list[tuple[float, float, float, int]]:
    """(x, y, marker radius in points, row) for points, most severe first, then lines and areas."""
    places = [
        (float(x), float(y), float(np.sqrt(size) / 2), int(row))
        for (x, y), size, row in zip(point_xy[::-1], point_sizes[::-1], point_rows[::-1], strict=True)
    ]
    pointed = set(point_rows.tolist())
    others = [i for i in range(len(obs)) if i not in pointed]
    if others:
        anchors = shapely.point_on_surface(obs.geometry.to_numpy()[others])
        places += [(p.x, p.y, 2.0, i) for p, i in zip(anchors, others, strict=True) if not p.is_empty]
    return places
