"""The mayor's interactive map of a commune as one HTML file that opens offline.

The same colour code as the PNG and PDF (catégorie as colour, gravité as size) and the same
N° beside each observation; patrol zones as partners may see them (see `diagnostics.redaction`).
"""

from __future__ import annotations

import datetime
import html

import folium
import geopandas
import pandas as pd

from diagnostics import maps, taxonomy
from diagnostics.crs import WGS84
from diagnostics.snapshots.layers import SnapshotLayers
from diagnostics.snapshots.numbers import observation_number
from diagnostics.snapshots.standalone import inline_assets
from diagnostics.snapshots.styles import ZONE_COLOR, category_color, severity_levels
from diagnostics.snapshots.text import TEXT, Period, count_text, french_date, issued_line, plain
from diagnostics.tiles import offline
from diagnostics.tiles.sources import TileSource

TILE_MARGIN = 0.15  # embedded tiles reach a little past the commune, where the framing shows
RADIUS = {1: 5, 2: 7, 3: 9, 4: 11}  # pixels per gravité: the PNG's sizes, on screen
NUMBER_CSS = (
    ".psq-number{background:rgba(255,255,255,0.85);padding:0 3px;border-radius:3px;white-space:nowrap;"
    "font:bold 11px sans-serif;color:#1a1a1a}.leaflet-div-icon{background:none;border:0}"
    ".psq-legend{bottom:64px !important}"  # above Leaflet's scale bar
)


def render_commune_html(
    layers: SnapshotLayers,
    *,
    issued_on: datetime.date,
    period: Period | None = None,
    tiles: tuple[TileSource, ...] = (),
    tile_budget: int = 0,
    tile_max_zoom: int = 17,
) -> str:
    """The commune's interactive map as one HTML file that works offline (scripts inlined).

    ``tiles`` adds basemap layers the reader's browser loads when it is online. The app's own
    tile file is embedded instead, over the commune, within ``tile_budget`` bytes of base64 up to
    ``tile_max_zoom`` (highest levels dropped first), so the map shows streets with no network.
    Without tiles the communes are the base. Raises AssetNotAvailable if the map files are missing.
    """
    layers.check()
    m = maps.base_map(source for source in tiles if not source.local)  # /tiles/ means nothing in an e-mail
    _embed_tiles(m, layers, [source for source in tiles if source.local], tile_budget, tile_max_zoom)
    maps.add_communes(m, layers.other_neighbours())
    maps.add_communes(m, layers.commune, highlight=True)
    _add_zones(m, layers.patrol_zones)
    maps.add_sectors(m, layers.sectors)
    maps.add_sites(m, layers.sites)
    _add_observations(m, layers.observations)
    folium.LayerControl(collapsed=True).add_to(m)
    maps.fit_to(m, layers.commune)
    title = TEXT["title"].format(name=layers.name, insee=layers.insee)
    root = m.get_root()
    root.html.add_child(folium.Element(_panel(title, layers, period, issued_on) + _legend(layers.observations)))
    root.header.add_child(folium.Element(f"<style>{NUMBER_CSS}</style>"), name="psq_snapshot_css")
    root.title = html.escape(title)
    return inline_assets(m)


def _embed_tiles(m: folium.Map, layers: SnapshotLayers, local: list[TileSource], budget: int, max_zoom: int) -> None:
    bounds = maps.bounds_of(layers.commune) if local and budget > 0 else None
    if bounds is None:
        return
    west, south, east, north = bounds
    dx, dy = (east - west) * TILE_MARGIN, (north - south) * TILE_MARGIN
    area = (west - dx, south - dy, east + dx, north + dy)
    embedded, selection = offline.embedded_tiles(local[0], area, max_zoom=max_zoom, budget=budget)
    maps.add_embedded_tiles(m, embedded, attribution=local[0].attribution, zooms=selection.zooms, bounds=area)


def _card(title: str, fields: list[tuple[str, object]]) -> str:
    lines = [f"<b>{maps.escape_text(title)}</b>"]
    lines += [
        f"<br><i>{maps.escape_text(label)}</i> : {maps.escape_text(value)}"
        for label, value in fields
        if plain(value).strip()
    ]
    return "".join(lines)


def _add_zones(m: folium.Map, zones: geopandas.GeoDataFrame) -> None:
    """Patrol zones: their unit and schedule only where the redaction left them (shareable)."""
    if zones.empty:
        return
    names = [plain(zone.get("name")) or TEXT["layer_zone"] for _, zone in zones.iterrows()]
    popups = [
        _card(name, [("Unité", zone.get("unit")), ("Horaires", zone.get("schedule")), ("Source", zone.get("source"))])
        for name, (_, zone) in zip(names, zones.iterrows(), strict=True)
    ]
    frame = geopandas.GeoDataFrame(
        {"tooltip": [maps.escape_text(n) for n in names], "popup": popups},
        geometry=list(zones.to_crs(WGS84).geometry),
        crs=WGS84,
    )
    style = {"color": ZONE_COLOR, "weight": 2, "fillColor": ZONE_COLOR, "fillOpacity": 0.1, "dashArray": "6 4"}
    folium.GeoJson(
        frame.to_json(),
        name=TEXT["layer_zone"],
        style_function=lambda _feature: style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(m)


def _add_observations(m: folium.Map, obs: geopandas.GeoDataFrame) -> None:
    """Observations coloured by catégorie, sized by gravité, their N° written beside them."""
    if obs.empty:
        return
    severity = severity_levels(obs["severity"]) if "severity" in obs else [1] * len(obs)
    rows = [row for _, row in obs.iterrows()]
    frame = geopandas.GeoDataFrame(
        {
            "color": [category_color(row.get("category")) for row in rows],
            "radius": [RADIUS[int(s)] for s in severity],
            "number": [maps.escape_text(observation_number(row)) for row in rows],
            "popup": [_observation_card(row) for row in rows],
        },
        geometry=list(obs.to_crs(WGS84).geometry),
        crs=WGS84,
    )
    folium.GeoJson(
        frame.to_json(),
        name="Observations",
        marker=folium.CircleMarker(radius=7, weight=1, fill=True, fill_opacity=0.9),
        style_function=_observation_style,
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
    ).add_to(m)
    # One label per observation: a permanent tooltip bound to the GeoJSON group opens on one
    # feature only (Leaflet binds it to the group), so each N° is a small marker of its own.
    numbers = folium.FeatureGroup(name="Numéros des observations")
    anchors = obs.to_crs(WGS84).geometry.representative_point()
    for anchor, number in zip(anchors, frame["number"], strict=True):
        if number and not anchor.is_empty:
            icon = folium.DivIcon(html=f'<span class="psq-number">{number}</span>', icon_anchor=(-8, 8))
            folium.Marker([anchor.y, anchor.x], icon=icon, interactive=False).add_to(numbers)
    numbers.add_to(m)


def _observation_style(feature: dict) -> dict:
    point = feature["geometry"]["type"] == "Point"
    colour = feature["properties"]["color"]
    return {
        "color": "#111111" if point else colour,
        "weight": 1 if point else 4,
        "fillColor": colour,
        "fillOpacity": 0.9 if point else 0.25,
        "radius": feature["properties"]["radius"],
    }


def _observation_card(row: pd.Series) -> str:
    observed_on = row.get("observed_on")
    shared = bool(row.get("shareable")) if pd.notna(row.get("shareable")) else False
    fields = [
        ("Gravité", taxonomy.severity_label(severity_levels(pd.Series([row.get("severity")]))[0])),
        ("Statut", taxonomy.status_label(plain(row.get("status")))),
        ("Date", french_date(pd.Timestamp(observed_on)) if pd.notna(observed_on) else ""),
        ("Constat", row.get("description") if shared else ""),
        ("Préconisation", row.get("recommendation")),
        ("Partenaire", row.get("partner")),
    ]
    title = f"N° {observation_number(row)} — {taxonomy.category_label(plain(row.get('category')))}"
    return _card(title, fields)


def _legend(obs: geopandas.GeoDataFrame) -> str:
    """Catégories present (colour), gravité (size), as on the PNG."""
    if obs.empty or "category" not in obs:
        return ""
    codes = obs["category"].map(plain)
    present = [c.code for c in taxonomy.CATEGORIES if c.code in set(codes)] + sorted(
        set(codes) - {c.code for c in taxonomy.CATEGORIES}
    )
    dot = (
        '<span style="display:inline-block;width:{d}px;height:{d}px;border-radius:50%;background:{c};'
        'border:1px solid #111;margin-right:6px;vertical-align:middle"></span>'
    )
    rows = "".join(
        f"<div>{dot.format(d=12, c=category_color(code))}"
        f"{maps.escape_text(taxonomy.category_label(code))} ({int((codes == code).sum())})</div>"
        for code in present
    )
    sizes = "".join(
        f"<div>{dot.format(d=2 * RADIUS[level], c='#b5b5b5')}{level} — {maps.escape_text(name)}</div>"
        for level, name in taxonomy.SEVERITIES.items()
    )
    return (
        '<div class="psq-legend" style="position:absolute;bottom:24px;left:10px;z-index:1000;max-width:45%;'
        "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;border-radius:4px;"
        f'font:12px sans-serif"><b>{TEXT["legend_categories"]}</b>{rows}'
        f"<b>{TEXT['legend_severity']}</b>{sizes}</div>"
    )


def _panel(title: str, layers: SnapshotLayers, period: Period | None, issued_on: datetime.date) -> str:
    """The title box (title, period, date, count) and the credits, over the map."""
    lines = [
        issued_line(period, issued_on, separator=" · ", recipient=layers.recipient),
        count_text(layers.observations),
    ]
    return (
        '<div class="psq-title" style="position:absolute;top:10px;left:54px;z-index:1000;max-width:60%;'
        "background:rgba(255,255,255,0.94);padding:6px 10px;border:1px solid #999;border-radius:4px;"
        f'font:13px sans-serif"><b style="font-size:15px">{maps.escape_text(title)}</b>'
        + "".join(f"<br>{maps.escape_text(line)}" for line in lines)
        + "</div>"
        '<div class="psq-credits" style="position:absolute;bottom:24px;right:10px;z-index:1000;max-width:55%;'
        'background:rgba(255,255,255,0.85);padding:3px 6px;font:11px sans-serif;color:#444">'
        f"{maps.escape_text(TEXT['credits'])}</div>"
    )
