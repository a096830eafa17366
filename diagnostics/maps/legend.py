"""Map legends, one look for every map (assets/legend.css): what the colours, rings and symbols
mean — gravité, open or treated, zones, sectors, sites — and the choropleth's classes."""

from __future__ import annotations

import folium

from diagnostics import taxonomy
from diagnostics.maps import styles
from diagnostics.maps.base import ResourceCall, add_stylesheet
from diagnostics.maps.escaping import escape_text


def _row(symbol: str, label: str) -> str:
    return f'<div class="psq-legend-row">{symbol}<span>{escape_text(label)}</span></div>'


def _dot(fill: str, border: str = "#222", width: int = 1, size: int = 12) -> str:
    return (
        f'<span class="psq-dot" style="background:{fill};border:{width}px solid {border};'
        f'width:{size}px;height:{size}px;border-radius:{size / 2:g}px"></span>'
    )


def severity_dot_px(level: int) -> int:
    """The legend's dot grows with the gravité, as the points do on the map: colour is not alone."""
    return 6 + 2 * level


def _swatch(style: dict) -> str:
    dash = "dashed" if style.get("dashArray") else "solid"
    fill = style.get("fillColor", style["color"])
    return (
        f'<span class="psq-swatch" style="border:2px {dash} {style["color"]};'
        f'background:color-mix(in srgb, {fill} {int(style.get("fillOpacity", 0.2) * 100) + 15}%, white)"></span>'
    )


def severity_rows() -> list[str]:
    return [
        _row(
            f'<span class="psq-dot-box">{_dot(colour, size=severity_dot_px(level))}</span>',
            f"{level} — {taxonomy.severity_label(level)}",
        )
        for level, colour in taxonomy.SEVERITY_COLORS.items()
    ]


def status_rows() -> list[str]:
    grey = taxonomy.SEVERITY_COLORS[3]
    return [
        _row(_dot(grey), "Ouverte (nouvelle, transmise, en cours)"),
        _row(_dot("#ffffff", grey, 3), "Traitée ou classée"),
    ]


def area_rows(*, zones: bool = True, sectors: bool = True) -> list[str]:
    rows = []
    if zones:
        rows.append(_row(_swatch(styles.ZONE_STYLE), styles.LAYER_NAMES["zones"]))
    if sectors:
        rows.append(_row(_swatch(styles.SECTOR_STYLE), styles.LAYER_NAMES["sectors"]))
    return rows


def site_rows() -> list[str]:
    return [
        _row(styles.site_icon_html(letter, colour, shape, size=14), label)
        for letter, colour, shape, label in styles.SITE_SYMBOLS.values()
    ]


def outside_rows() -> list[str]:
    return [_row(_dot("transparent", styles.OUTSIDE_COLOR, 3), "Hors zone de patrouille")]


def section(title: str, rows: list[str]) -> str:
    return f'<div class="psq-legend-title">{escape_text(title)}</div>' + "".join(rows) if rows else ""


def add_legend(m: folium.Map, sections: list[str], *, note: str = "") -> None:
    """The legend control (bottom left, folded on small maps) with its sections (`section(...)`)."""
    body = "".join(sections) + (f'<div class="psq-note">{escape_text(note)}</div>' if note else "")
    html = f"<details open><summary>Légende</summary>{body}</details>"
    add_stylesheet(m, "legend.css")
    m._children.pop("psq_legend", None)
    m.add_child(ResourceCall("legend.js", html, list(styles.LEGEND_FOLD_BELOW_PX)), name="psq_legend")


def add_observation_legend(
    m: folium.Map, *, zones: bool = True, sectors: bool = True, sites: bool = True, outside: bool = False
) -> None:
    """Gravité, open or treated, and the reference layers the map shows."""
    add_legend(
        m,
        [
            section("Gravité", severity_rows()),
            section("Statut", status_rows()),
            section("Couches", area_rows(zones=zones, sectors=sectors)),
            section("Sites", site_rows() if sites else []),
            section("Couverture", outside_rows() if outside else []),
        ],
    )


def add_severity_legend(m: folium.Map) -> None:
    """The legend of a map of observations with every reference layer."""
    add_observation_legend(m)
