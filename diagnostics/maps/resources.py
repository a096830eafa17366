"""The map package's own JavaScript and CSS, read as package resources.

The files live in `diagnostics/maps/assets/` and are read through `importlib.resources`, so they
are found whether the package runs from a checkout, an installed wheel or a zip.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

ASSETS = "assets"


@cache
def text(name: str) -> str:
    """The content of `assets/<name>` (e.g. « canvas_points.js »)."""
    return resources.files(__package__).joinpath(ASSETS, name).read_text(encoding="utf-8")


def names() -> list[str]:
    """Every asset file of the package (for checks)."""
    return sorted(entry.name for entry in resources.files(__package__).joinpath(ASSETS).iterdir() if entry.is_file())
