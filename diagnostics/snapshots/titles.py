"""The map page's header (title, period, date of issue, département and population) and footer
(count of observations, projection, credits, caveat on hand-drawn areas)."""

from __future__ import annotations

import datetime

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from diagnostics import taxonomy
from diagnostics.snapshots.layout import FOOTER_H, HEADER_H, MARGIN, Layout
from diagnostics.snapshots.styles import PLAIN, RULE_GREY, TEXT_DARK, TEXT_GREY
from diagnostics.snapshots.text import TEXT, Period, count_text, format_int, issued_line, plain


def draw_header(
    fig: Figure, layout: Layout, commune_row, *, period: Period | None, issued_on: datetime.date, title: str = ""
) -> None:
    """`title` (a territory's) replaces the commune's name and INSEE code."""
    width, height = layout.size
    top = 1 - MARGIN * 0.85 / height
    left, right = MARGIN / width, 1 - MARGIN / width
    title = title or TEXT["title"].format(name=plain(commune_row.get("name")), insee=plain(commune_row.get("insee")))
    size = 16 if layout.landscape else 14
    fig.text(left, top, title, ha="left", va="top", fontsize=size, fontweight="bold", color=TEXT_DARK, **PLAIN)
    subtitle = issued_line(period, issued_on)
    fig.text(left, top - 0.34 / height, subtitle, ha="left", va="top", fontsize=11, color=TEXT_DARK, **PLAIN)
    place = _place_line(commune_row)
    if place:
        fig.text(left, top - 0.58 / height, place, ha="left", va="top", fontsize=9.5, color=TEXT_GREY, **PLAIN)
    rule_y = 1 - (HEADER_H - 0.1) / height
    fig.add_artist(Line2D([left, right], [rule_y, rule_y], color=RULE_GREY, linewidth=0.8))


def territory_row(communes: pd.DataFrame) -> dict:
    """What the header says of a territory of several communes: its département when it has one,
    its population when every commune's is known."""
    departments = set(communes["department"].map(plain)) if "department" in communes else set()
    population = pd.to_numeric(communes.get("population", pd.Series(dtype=float)), errors="coerce")
    known = len(population) > 0 and bool(population.notna().all())
    return {"department": departments.pop() if len(departments) == 1 else "",
            "population": int(population.sum()) if known else None}  # fmt: skip


def _place_line(row) -> str:
    """« Haute-Saône (70) · 5 512 habitants », what is known of it."""
    place = []
    department = plain(row.get("department"))
    if department:
        name = taxonomy.DEPARTMENTS.get(department)
        place.append(f"{name} ({department})" if name else department)
    population = pd.to_numeric(pd.Series([row.get("population")]), errors="coerce").iloc[0]
    if pd.notna(population):
        place.append(TEXT["population"].format(population=format_int(int(population))))
    return "   ·   ".join(place)


def draw_footer(
    fig: Figure,
    layout: Layout,
    observations,
    *,
    approximate: bool,
    issued_on: datetime.date | None = None,
    recipient: str = "",
) -> None:
    """Count and projection, credits, to whom and when the file was issued, and a caveat when
    hand-drawn areas are shown."""
    width, height = layout.size
    left, right = MARGIN / width, 1 - MARGIN / width
    foot_rule = (FOOTER_H - 0.02) / height
    fig.add_artist(Line2D([left, right], [foot_rule, foot_rule], color=RULE_GREY, linewidth=0.8))
    grey = {"va": "top", "fontsize": 7.5, "color": TEXT_GREY, **PLAIN}
    fig.text(
        left,
        foot_rule - 0.08 / height,
        count_text(observations),
        ha="left",
        va="top",
        fontsize=10,
        fontweight="bold",
        color=TEXT_DARK,
        **PLAIN,
    )
    fig.text(right, foot_rule - 0.1 / height, TEXT["projection"], ha="right", **grey)
    fig.text(left, foot_rule - 0.32 / height, TEXT["credits"], ha="left", **grey)
    # Each on its own line: on a portrait page the credits and « Édité le … pour : <recipient> »
    # side by side ran into each other.
    if issued_on is not None:
        issued = f"Édité le {issued_on:%d/%m/%Y}" + (f" pour : {recipient}" if recipient else "")
        fig.text(right, foot_rule - 0.48 / height, issued, ha="right", **grey)
    if approximate:
        fig.text(left, foot_rule - 0.64 / height, TEXT["approximate"], ha="left", style="italic", **grey)
