"""Colours, sizes and symbols of the static snapshots, and the per-row style lookups.

Observations are filled with their catégorie colour (the same code as the HTML map and the
PDF's counts) and sized, with a heavier outline, by gravité: colour answers "what kind of
problem", which needs twelve distinguishable hues, while size and outline weight encode the
ordered gravité in a way that survives black-and-white printing and colour blindness.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import to_rgba

from diagnostics import taxonomy
from diagnostics.snapshots.text import plain

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
RULE_GREY = "#999999"

SITE_MARKERS = {  # kind -> (marker, size in points, legend label key)
    "kiosque": ("*", 17.0, "site_kiosque"),
    "brigade": ("s", 9.0, "site_brigade"),
    "commissariat": ("D", 8.5, "site_commissariat"),
    "camera": ("v", 8.5, "site_camera"),  # only on the maps of the forces and of the camera's owner
}
CAMERA_VIEW_COLOR = "#7b1fa2"
OTHER_SITE_MARKER = ("^", 9.0, "site_other")

HALO = [patheffects.withStroke(linewidth=2.6, foreground="white")]
PLAIN = {"parse_math": False, "usetex": False}  # keyword arguments for every Text we create


def severity_levels(values: pd.Series) -> np.ndarray:
    """Gravité as integers 1..4 (missing or odd values count as 1)."""
    numbers = pd.to_numeric(values, errors="coerce").fillna(1).round().clip(1, 4)
    return numbers.astype(int).to_numpy()


def category_color(code: object) -> str:
    code = plain(code)
    return taxonomy.category(code).color if taxonomy.is_category(code) else FALLBACK_CATEGORY_COLOR


def category_colors(codes: pd.Series) -> np.ndarray:
    return np.array([category_color(c) for c in codes], dtype=object)


def with_alpha(color: str, alpha: float) -> tuple[float, float, float, float]:
    return to_rgba(color, alpha)


def site_kind_codes(sites: pd.DataFrame) -> pd.Series:
    return sites["kind"].map(plain) if "kind" in sites else pd.Series("", index=sites.index)
