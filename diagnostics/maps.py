"""folium builders: GeoDataFrames in, `folium.Map` out. No database, no Streamlit.

Safety: folium does not escape what it renders. GeoJSON properties reach the page through
`innerHTML` (GeoJsonPopup/GeoJsonTooltip) and `folium.Popup` content sits in a JavaScript
template literal, so every string that reaches a map goes through `escape_text` first, and the
GeoJSON given to folium holds only the prepared, escaped properties.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
from branca.element import MacroElement
from jinja2 import Template

from diagnostics import taxonomy

WGS84 = "EPSG:4326"

# Characters that end or interpolate a JavaScript template literal, after HTML escaping.
_TEMPLATE_LITERAL_ESCAPES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;"}

TILE_SOURCES = {
    "osm": {
        "name": "OpenStreetMap",
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "&copy; contributeurs OpenStreetMap",
    },
    "ign": {
        "name": "Plan IGN v2",
        "url": (
            "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
            "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
        ),
        "attribution": "&copy; IGN — Plan IGN v2",
    },
}

SITE_SYMBOLS = {
    # kind: (letter, background, shape) — the kiosk has its own shape so it stands out.
    "kiosque": ("K", "#e67e22", "diamond"),
    "brigade": ("G", "#1b3c73", "square"),
    "commissariat": ("P", "#0055a4", "square"),
}

LAYER_NAMES = {
    "communes": "Communes",
    "sectors": "Secteurs",
    "zones": "Zones de patrouille",
    "sites": "Sites et points de contact",
    "observations": "Observations",
    "pending": "Point à enregistrer",
    "shapes": "Tracés des observations (lignes, zones)",
}


def escape_text(value: object) -> str:
    """Text made inert for HTML, for `innerHTML` and for a JavaScript template literal."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    escaped = html.escape(str(value), quote=True)
    for character, entity in _TEMPLATE_LITERAL_ESCAPES.items():
        escaped = escaped.replace(character, entity)
    return escaped


@dataclass(frozen=True)
class CommandLayers:
    """What the commanders' map shows; every frame is in WGS84 and may be empty."""

    communes: gpd.GeoDataFrame
    sectors: gpd.GeoDataFrame
    patrol_zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    observations: gpd.GeoDataFrame


def build_command_map(layers: CommandLayers, *, tiles: Iterable[str] = (), focus=None) -> folium.Map:
    """The commanders' map: communes as base, sectors, zones, sites, observations by gravité."""
    m = base_map(tiles)
    add_communes(m, layers.communes)
    add_patrol_zones(m, layers.patrol_zones)
    add_sectors(m, layers.sectors)
    add_sites(m, layers.sites)
    add_observations(m, layers.observations)
    add_severity_legend(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, focus if focus is not None else _extent_of(layers.observations, layers.communes))
    return m


def build_field_map(
    commune: gpd.GeoDataFrame,
    observations: gpd.GeoDataFrame,
    *,
    pending: tuple[float, float] | None = None,
    tiles: Iterable[str] = (),
    pending_shape=None,
    draw: bool = False,
    locate: bool = False,
) -> folium.Map:
    """The field-entry map: the diagnostic's commune, its observations, the point being placed.

    `pending_shape` (a shapely line or polygon) is the drawn shape about to be saved; `draw` adds
    the line and polygon tools; `locate` adds the « Ma position » button. On phones the map
    never traps the page's scrolling: no wheel zoom, and one finger scrolls the page while two
    fingers pan and zoom the map.
    """
    m = base_map(tiles)
    m.options["scrollWheelZoom"] = False
    m.add_child(_PhoneGestures())
    add_communes(m, commune, highlight=True)
    add_observations(m, observations)
    if pending_shape is not None and not pending_shape.is_empty:
        folium.GeoJson(
            gpd.GeoSeries([pending_shape], crs=WGS84).to_json(),
            name=LAYER_NAMES["pending"],
            style_function=lambda _f: {"color": "#000000", "weight": 5, "dashArray": "8 6", "fillOpacity": 0.15},
        ).add_to(m)
    if draw:
        from folium.plugins import Draw

        Draw(
            position="topleft",
            show_geometry_on_click=False,
            draw_options={
                "polyline": {"shapeOptions": {"color": "#000000", "weight": 5}},
                "polygon": {"allowIntersection": False, "shapeOptions": {"color": "#000000"}},
                "rectangle": False,
                "circle": False,
                "marker": False,
                "circlemarker": False,
            },
            edit_options={"edit": False, "remove": False},
        ).add_to(m)
    if locate:
        m.add_child(LocateButton())
    if pending is not None:
        lat, lon = pending
        folium.CircleMarker(
            location=[lat, lon],
            radius=10,
            color="#000000",
            weight=3,
            fill=True,
            fill_color="#ffffff",
            fill_opacity=0.6,
            tooltip=LAYER_NAMES["pending"],
        ).add_to(m)
    fit_to(m, commune)
    return m


class _PhoneGestures(MacroElement):
    """On touch screens, one finger scrolls the page and two fingers move the map: Leaflet's
    own dragging is turned off there (pinch-zoom still pans), and controls get larger."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if (L.Browser.mobile) { {{ this._parent.get_name() }}.dragging.disable(); }
        (function () {
          var style = document.createElement("style");
          // Zoom buttons thumb-sized; leaflet-draw's sprite icons keep their size but get room.
          style.textContent = ".leaflet-touch .leaflet-control-zoom a"
            + "{width:44px !important;height:44px !important;line-height:44px !important}"
            + ".leaflet-touch .leaflet-draw-toolbar a{margin:2px 0}"
            + ".psq-locate{font:600 15px sans-serif;padding:0 10px;background:#fff;border:2px solid"
            + " rgba(0,0,0,.3);border-radius:6px;min-height:44px;cursor:pointer}"
            + ".psq-locate-status{background:rgba(255,255,255,.95);padding:6px 8px;border-radius:6px;"
            + "max-width:240px;font:13px sans-serif;margin-top:4px}";
          document.head.appendChild(style);
        })();
        {% endmacro %}
        """
    )


class LocateButton(MacroElement):
    """« Ma position »: the browser's geolocation, shown with its accuracy, reported to the page
    as a map click (what streamlit-folium returns), so it fills the position fields like a tap.
    A refused permission or a failure is explained in French inside the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
          var Control = L.Control.extend({
            options: {position: "topright"},
            onAdd: function () {
              var box = L.DomUtil.create("div", "psq-locate-box");
              var button = L.DomUtil.create("button", "psq-locate", box);
              button.type = "button";
              button.textContent = "Ma position";
              var status = L.DomUtil.create("div", "psq-locate-status", box);
              status.style.display = "none";
              L.DomEvent.disableClickPropagation(box);
              var say = function (text) { status.textContent = text; status.style.display = "block"; };
              var marker = null;
              button.addEventListener("click", function () {
                if (!navigator.geolocation) {
                  say("Ce navigateur ne donne pas la position : placez le point sur la carte.");
                  return;
                }
                say("Recherche de la position…");
                navigator.geolocation.getCurrentPosition(function (pos) {
                  var latlng = L.latLng(pos.coords.latitude, pos.coords.longitude);
                  var accuracy = Math.round(pos.coords.accuracy);
                  if (marker) { map.removeLayer(marker); }
                  marker = L.circle(latlng, {radius: accuracy, weight: 1, color: "#0055a4"}).addTo(map);
                  map.setView(latlng, Math.max(map.getZoom(), 16));
                  say("Position trouvée, précision \u00b1 " + accuracy + " m.");
                  map.fire("click", {latlng: latlng});
                }, function (error) {
                  if (error.code === 1) {
                    say("Accès à la position refusé. Autorisez la localisation pour ce site dans les "
                      + "réglages du navigateur, ou touchez la carte, ou saisissez les coordonnées.");
                  } else if (error.code === 3) {
                    say("La position n'a pas été trouvée à temps (pas de signal GPS ?) : réessayez "
                      + "à découvert ou placez le point sur la carte.");
                  } else {
                    say("Position indisponible : placez le point sur la carte ou saisissez les coordonnées.");
                  }
                }, {enableHighAccuracy: true, timeout: 20000, maximumAge: 30000});
              });
              return box;
            }
          });
          new Control().addTo(map);
        })({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )


def base_map(tiles: Iterable[str] = ()) -> folium.Map:
    """A map without default tiles (offline first), drawn on canvas for many features."""
    m = folium.Map(location=[47.3, 5.9], zoom_start=8, tiles=None, prefer_canvas=True, control_scale=True)
    for key in tiles:
        source = TILE_SOURCES[key]
        folium.TileLayer(
            tiles=source["url"],
            attr=source["attribution"],
            name=source["name"],
            max_zoom=19,
        ).add_to(m)
    return m


def fit_to(m: folium.Map, frame: gpd.GeoDataFrame | None) -> None:
    if frame is None or frame.empty:
        return
    west, south, east, north = frame.to_crs(WGS84).total_bounds
    m.fit_bounds([[south, west], [north, east]], padding=(10, 10))


def add_communes(m: folium.Map, communes: gpd.GeoDataFrame, *, highlight: bool = False) -> None:
    if communes.empty:
        return
    frame = _prepared(communes, tooltip=communes["name"].map(escape_text))
    style = (
        {"color": "#1b3c73", "weight": 3, "fillColor": "#dfe6f0", "fillOpacity": 0.25}
        if highlight
        else {"color": "#7f8c8d", "weight": 1, "fillColor": "#f2f2f2", "fillOpacity": 0.6}
    )
    folium.GeoJson(
        frame.to_json(),
        name=LAYER_NAMES["communes"],
        style_function=lambda _feature: style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        control=True,
        overlay=True,
        smooth_factor=1.0,
    ).add_to(m)


def add_sectors(m: folium.Map, sectors: gpd.GeoDataFrame) -> None:
    _add_area_layer(
        m,
        sectors,
        LAYER_NAMES["sectors"],
        [("Type", "kind"), ("Source", "source")],
        {"color": "#8e44ad", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.1},
    )


def add_patrol_zones(m: folium.Map, zones: gpd.GeoDataFrame) -> None:
    _add_area_layer(
        m,
        zones,
        LAYER_NAMES["zones"],
        [("Unité", "unit"), ("Horaires", "schedule"), ("Source", "source")],
        {"color": "#16a085", "weight": 2, "fillColor": "#1abc9c", "fillOpacity": 0.12},
    )


def _add_area_layer(
    m: folium.Map, areas: gpd.GeoDataFrame, name: str, fields: list[tuple[str, str]], style: dict
) -> None:
    """Named polygons with their name as tooltip and a card of `fields` (label, column) as popup."""
    if areas.empty:
        return
    popups = [_card(row["name"], [(label, row.get(column)) for label, column in fields]) for _, row in areas.iterrows()]
    frame = _prepared(areas, tooltip=areas["name"].map(escape_text), popup=popups)
    folium.GeoJson(
        frame.to_json(),
        name=name,
        style_function=lambda _feature: style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False),
    ).add_to(m)


def add_sites(m: folium.Map, sites: gpd.GeoDataFrame) -> None:
    if sites.empty:
        return
    group = folium.FeatureGroup(name=LAYER_NAMES["sites"])
    for _, row in sites.iterrows():
        letter, colour, shape = SITE_SYMBOLS.get(row["kind"], ("?", "#555555", "square"))
        folium.Marker(
            location=[row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=_site_icon_html(letter, colour, shape),
                icon_size=(26, 26),
                icon_anchor=(13, 13),
                class_name=f"psq-site psq-site-{escape_text(row['kind'])}",
            ),
            tooltip=escape_text(row["name"]),
            popup=folium.Popup(
                _card(row["name"], [("Type", row["kind"]), ("Adresse", row.get("address"))]), max_width=320
            ),
        ).add_to(group)
    group.add_to(m)


def add_observations(m: folium.Map, observations: gpd.GeoDataFrame, *, name: str = LAYER_NAMES["observations"]) -> None:
    """Observations coloured by gravité; points as canvas circle markers, shapes as outlines."""
    if observations.empty:
        return
    frame = _prepared(
        observations,
        color=observations["severity"].map(lambda s: taxonomy.SEVERITY_COLORS.get(int(s), "#555555")),
        radius=observations["severity"].map(lambda s: 4 + 2 * int(s)),
        tooltip=observations.apply(_observation_tooltip, axis=1),
        popup=observations.apply(_observation_popup, axis=1),
    )
    folium.GeoJson(
        frame.to_json(),
        name=escape_text(name),
        marker=folium.CircleMarker(radius=7, weight=1, fill=True, fill_opacity=0.85),
        style_function=_observation_style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
    ).add_to(m)


def _observation_style(feature: dict) -> dict:
    properties = feature["properties"]
    return {
        "color": "#222222" if feature["geometry"]["type"] == "Point" else properties["color"],
        "weight": 1 if feature["geometry"]["type"] == "Point" else 4,
        "fillColor": properties["color"],
        "fillOpacity": 0.85 if feature["geometry"]["type"] == "Point" else 0.3,
        "radius": properties["radius"],
    }


def add_severity_legend(m: folium.Map) -> None:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;border-radius:6px;'
        f'background:{colour};margin-right:6px;border:1px solid #222"></span>'
        f"{escape_text(taxonomy.severity_label(level))}</div>"
        for level, colour in taxonomy.SEVERITY_COLORS.items()
    )
    legend = (
        '<div class="psq-legend" style="position:absolute;bottom:24px;left:10px;z-index:1000;'
        "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;border-radius:4px;"
        f'font:12px sans-serif"><b>Gravité</b>{rows}</div>'
    )
    m.get_root().html.add_child(folium.Element(legend))


def _observation_tooltip(row: pd.Series) -> str:
    return (
        f"{escape_text(taxonomy.category_label(row['category']))} — "
        f"{escape_text(taxonomy.severity_label(row['severity']))}"
    )


def _observation_popup(row: pd.Series) -> str:
    observed_on = row.get("observed_on")
    fields = [
        ("Gravité", taxonomy.severity_label(row["severity"])),
        ("Statut", taxonomy.status_label(row["status"])),
        ("Date", observed_on.strftime("%d/%m/%Y") if hasattr(observed_on, "strftime") else observed_on),
        ("Lieu", _joined(row.get("place"), row.get("commune_name"))),
        ("Équipe", row.get("team_name")),
        ("Description", row.get("description")),
        ("Préconisation", row.get("recommendation")),
        ("Partenaire", row.get("partner")),
    ]
    return _card(taxonomy.category_label(row["category"]), fields)


def _card(title: object, fields: list[tuple[str, object]]) -> str:
    """A small HTML card; every value is escaped, empty ones are left out."""
    lines = [f"<b>{escape_text(title)}</b>"]
    lines += [
        f"<br><i>{escape_text(label)}</i> : {escape_text(value)}"
        for label, value in fields
        if value is not None and str(value).strip() and not (isinstance(value, float) and pd.isna(value))
    ]
    return "".join(lines)


def _site_icon_html(letter: str, colour: str, shape: str) -> str:
    rotate = "transform:rotate(45deg);" if shape == "diamond" else ""
    unrotate = "transform:rotate(-45deg);" if shape == "diamond" else ""
    return (
        f'<div style="width:22px;height:22px;background:{colour};border:2px solid #fff;'
        f'box-shadow:0 0 3px #000;{rotate}display:flex;align-items:center;justify-content:center">'
        f'<span style="color:#fff;font:bold 12px sans-serif;{unrotate}">{escape_text(letter)}</span></div>'
    )


def _prepared(frame: gpd.GeoDataFrame, **columns) -> gpd.GeoDataFrame:
    """Only the given (already escaped) properties and the geometry, in WGS84."""
    prepared = gpd.GeoDataFrame(
        {name: list(values) for name, values in columns.items()},
        geometry=list(frame.to_crs(WGS84).geometry),
        crs=WGS84,
    )
    return prepared


def _extent_of(*frames: gpd.GeoDataFrame) -> gpd.GeoDataFrame | None:
    for frame in frames:
        if frame is not None and not frame.empty:
            return frame
    return None


def _joined(*parts: object) -> str:
    return ", ".join(str(part) for part in parts if part is not None and str(part).strip())


def build_commune_snapshot_map(
    commune: gpd.GeoDataFrame,
    neighbours: gpd.GeoDataFrame,
    observations: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    patrol_zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    tiles: Iterable[str] = (),
) -> folium.Map:
    """A mayor's interactive map of one commune: neighbours greyed, the commune outlined, its
    zones, sectors, sites and (already redacted) observations, framed on the commune."""
    m = base_map(tiles)
    add_communes(m, neighbours)
    add_communes(m, commune, highlight=True)
    add_patrol_zones(m, patrol_zones)
    add_sectors(m, sectors)
    add_sites(m, sites)
    add_observations(m, observations)
    add_severity_legend(m)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, commune)
    return m


# --- Exchange: import previews, drawing reference layers, dispositifs (issue 6) ---------------

IMPORT_STATUS_COLOURS = {"valide": "#1a9850", "réparée": "#f39c12"}
DISPOSITIF_COLOURS = {"participation_citoyenne": "#2e86c1", "voisins_solidaires": "#8e44ad"}


def build_import_preview_map(communes: gpd.GeoDataFrame, rows: gpd.GeoDataFrame) -> folium.Map:
    """What an import would write: valid rows in green, repaired in orange (rejected ones have no
    usable geometry and are listed in the report instead)."""
    m = base_map()
    add_communes(m, communes)
    kept = rows[rows["statut"].isin(list(IMPORT_STATUS_COLOURS)) & rows.geometry.notna()]
    if not kept.empty:
        labels = kept.get("name", kept.get("category", kept["ligne"]))
        tooltip = [
            f"{escape_text(n)} — {escape_text(s)} (ligne {int(r)})"
            for n, s, r in zip(labels, kept["statut"], kept["ligne"], strict=True)
        ]
        frame = _prepared(kept, tooltip=tooltip, colour=[IMPORT_STATUS_COLOURS[s] for s in kept["statut"]])
        folium.GeoJson(
            frame.to_json(),
            name="Aperçu de l'import",
            style_function=lambda f: {"color": f["properties"]["colour"], "weight": 3, "fillOpacity": 0.3},
            marker=folium.CircleMarker(radius=6, fill=True, fill_opacity=0.8),
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(m)
    fit_to(m, kept if not kept.empty else None)
    return m


def build_reference_edit_map(
    communes: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    layer: str,
    editing=None,
) -> folium.Map:
    """The administrators' drawing map: the reference layers, the object being edited (dashed),
    and the drawing tools for `layer` (polygon and rectangle for zones and sectors, marker for sites)."""
    from folium.plugins import Draw

    m = base_map()
    add_communes(m, communes)
    add_patrol_zones(m, zones)
    add_sectors(m, sectors)
    add_sites(m, sites)
    if editing is not None and not editing.is_empty:
        folium.GeoJson(
            gpd.GeoSeries([editing], crs=WGS84).to_json(),
            name="Objet modifié",
            style_function=lambda _f: {"color": "#000000", "weight": 4, "dashArray": "8 6", "fillOpacity": 0.1},
        ).add_to(m)
    polygon = layer != "sites"
    Draw(
        position="topleft",
        show_geometry_on_click=False,
        draw_options={
            "polyline": False,
            # showArea off: leaflet-draw 1.0.4 throws "type is not defined" while measuring a rectangle.
            "polygon": {"allowIntersection": False, "showArea": False} if polygon else False,
            "rectangle": {"showArea": False} if polygon else False,
            "circle": False,
            "marker": {} if not polygon else False,
            "circlemarker": False,
        },
        edit_options={"edit": True, "remove": True},
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    focus = gpd.GeoDataFrame(geometry=[editing], crs=WGS84) if editing is not None else _extent_of(zones, sectors)
    fit_to(m, focus)
    return m


def add_dispositifs(m: folium.Map, dispositifs: gpd.GeoDataFrame) -> None:
    """Communes with a dispositif (participation citoyenne, voisins solidaires), one layer each,
    with the date they joined. `dispositifs`: commune_name, kind, since, geometry (boundary)."""
    from diagnostics.services.dispositifs import KINDS

    for kind, label in KINDS.items():
        part = dispositifs[dispositifs["kind"] == kind]
        if part.empty:
            continue
        since = [f" depuis le {d:%d/%m/%Y}" if pd.notna(d) and d else "" for d in part["since"]]
        names = part["commune_name"]
        tooltip = [f"{escape_text(n)} — {escape_text(label)}{s}" for n, s in zip(names, since, strict=True)]
        colour = DISPOSITIF_COLOURS[kind]
        folium.GeoJson(
            _prepared(part, tooltip=tooltip).to_json(),
            name=label,
            style_function=lambda _f, c=colour: {"color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        ).add_to(m)


def build_dispositifs_map(communes: gpd.GeoDataFrame, dispositifs: gpd.GeoDataFrame) -> folium.Map:
    m = base_map()
    add_communes(m, communes)
    add_dispositifs(m, dispositifs)
    folium.LayerControl(collapsed=False).add_to(m)
    fit_to(m, communes if not communes.empty else None)
    return m
