"""Contrast of the maps' own palette, measured (WCAG 2.1: 4.5:1 for text, 3:1 for graphics, 1.4.11).

Colours alone never carry the gravité (the points grow with it and the legend names each level), but
every symbol must still stand out from the map it is drawn on. The figures are written here.
"""

from __future__ import annotations

import pytest

from diagnostics import taxonomy
from diagnostics.maps import styles

WHITE = "#ffffff"
MAP_GROUND = "#f7f7f7"  # commune fill #f2f2f2 at 0.6 opacity over white, the usual ground of a point
POINT_OUTLINE = "#222222"  # the dark edge drawn round each observation and legend dot
LEGEND_TEXT = "#222222"
COMMUNE_NAME = "#1b3c73"


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_formula_on_known_pairs():
    assert contrast("#000000", WHITE) == pytest.approx(21.0)
    assert contrast("#767676", WHITE) == pytest.approx(4.54, abs=0.01)


# Gravité fill against the map ground, and against the dark outline of every point.
SEVERITY_FIGURES = {1: (1.40, 10.61), 2: (2.17, 6.86), 3: (4.42, 3.36), 4: (10.07, 1.47)}


@pytest.mark.parametrize("level", sorted(taxonomy.SEVERITY_COLORS))
def test_each_gravity_stands_out_by_its_fill_or_its_outline(level):
    colour = taxonomy.SEVERITY_COLORS[level]
    on_ground, against_outline = contrast(colour, MAP_GROUND), contrast(colour, POINT_OUTLINE)
    assert (round(on_ground, 2), round(against_outline, 2)) == pytest.approx(SEVERITY_FIGURES[level], abs=0.01)
    # The light levels (1, 2) are seen by their dark outline; the dark ones by their fill.
    assert max(on_ground, contrast(POINT_OUTLINE, MAP_GROUND)) >= 3.0


def test_the_map_draws_that_outline_round_every_point_at_every_zoom():
    from importlib import resources

    script = resources.files("diagnostics.maps").joinpath("assets/canvas_points.js").read_text()
    assert "strokeStyle = '#222'; ctx.stroke(filled)" in script and "ctx.stroke(rims)" in script
    assert "outline = zoom >= 11" not in script  # the edge was once drawn only from zoom 11


def test_the_legend_sizes_gravity_as_the_map_does():
    from diagnostics.maps.legend import severity_dot_px, severity_rows

    sizes = [severity_dot_px(level) for level in sorted(taxonomy.SEVERITY_COLORS)]
    assert sizes == sorted(set(sizes))  # strictly growing
    rows = severity_rows()
    assert all(f"width:{px}px" in row for px, row in zip(sizes, rows, strict=True))
    assert [row.split("<span>")[-1].split("</span>")[0] for row in rows] == [
        "1 — Faible",
        "2 — Modérée",
        "3 — Forte",
        "4 — Critique",
    ]


def test_point_outline_and_legend_text():
    assert contrast(POINT_OUTLINE, MAP_GROUND) == pytest.approx(14.85, abs=0.01)
    # The legend's box is white at 0.94 opacity: about #fafafa over the lightest ground.
    assert contrast(LEGEND_TEXT, "#fafafa") == pytest.approx(15.24, abs=0.01)
    assert contrast(COMMUNE_NAME, MAP_GROUND) == pytest.approx(10.10, abs=0.01)


# White letter on each site symbol: kiosque 4.72 (was 2.85 with #e67e22), brigade 10.82,
# commissariat 7.41, caméra 9.39, autre 7.46. Area edges on the map: zones 3.06, sectors 5.47, « hors zone » ring 6.42.
SITE_FIGURES = {"kiosque": 4.72, "brigade": 10.82, "commissariat": 7.41, "camera": 9.39, "autre": 7.46}
EDGE_FIGURES = {"zones": 3.06, "sectors": 5.47, "outside": 6.42}


@pytest.mark.parametrize("kind", [*styles.SITE_SYMBOLS, "autre"])
def test_site_letters_are_readable_on_their_symbol(kind):
    letter, background, _, _ = styles.site_symbol(kind)
    assert contrast(WHITE, background) == pytest.approx(SITE_FIGURES[kind], abs=0.01)
    assert contrast(WHITE, background) >= 4.5


@pytest.mark.parametrize(
    "name, style", [("zones", styles.ZONE_STYLE), ("sectors", styles.SECTOR_STYLE), ("outside", None)]
)
def test_area_edges_and_rings_are_seen(name, style):
    edge = style["color"] if style else styles.OUTSIDE_COLOR
    assert contrast(edge, MAP_GROUND) == pytest.approx(EDGE_FIGURES[name], abs=0.01)
    assert contrast(edge, MAP_GROUND) >= 3.0
