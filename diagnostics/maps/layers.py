"""The layers every map is made of: communes and their names, sectors, patrol zones, sites,
observations (as GeoJSON, for the maps that show few of them) and dispositifs. Each takes a
WGS84 GeoDataFrame and adds itself to a folium map; user text is escaped on the way."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from folium.map import Layer
from jinja2 import Template

from diagnostics import taxonomy
from diagnostics.crs import WGS84
from diagnostics.maps import styles, topology
from diagnostics.maps.base import ResourceCall, ScriptAsText, add_pane, add_stylesheet
from diagnostics.maps.escaping import card, escape_text, joined, safe_frame
from diagnostics.maps.popup import Popup

# Smallest zoom at which a commune's name is drawn, by population (the larger, the sooner).
LABEL_ZOOMS = ((10_000, 8), (3_000, 10), (1_000, 11), (0, 12))


class PreparedGeoJson(Layer, ScriptAsText):
    """A GeoJSON layer from ready-made text whose `tooltip`/`popup` properties are escaped.

    folium.GeoJson re-reads, re-styles and re-serialises its data (and computes its bounds)
    on every render; this one only pastes the text prepared once.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ 'null' if this.url else this.data }}, {
            {% if this.pane %}pane: {{ this.pane|tojson }},{% endif %}
            interactive: {{ 'true' if this.interactive else 'false' }},
            style: function (feature) {
                var style = Object.assign({}, {{ this.style|tojson }});
                {% if this.fill_property -%}
                style.fillColor = feature.properties[{{ this.fill_property|tojson }}];
                {%- endif %}
                {% if this.style_property -%}
                Object.assign(style, feature.properties[{{ this.style_property|tojson }}] || {});
                {%- endif %}
                return style;
            },
            onEachFeature: function (feature, layer) {
                {% if this.interactive %}layer.bindTooltip(feature.properties.tooltip, {sticky: true});{% endif %}
                {% if this.popup %}layer.bindPopup(feature.properties.popup, {maxWidth: 360});{% endif %}
            }
        });
        {% if this.url %}
        fetch({{ this.url|tojson }}, {credentials: 'same-origin'})
            .then(function (answer) { return answer.ok ? answer.json() : null; })
            .then(function (data) {
                // how many fetched layers have answered: the browser tests wait for them all
                var box = {{ this._parent.get_name() }}.getContainer().dataset;
                box.psqAreas = String((Number(box.psqAreas) || 0) + 1);
                if (!data) { return; }
                var areas = window.psqAreas(data);
                {{ this.get_name() }}.addData(areas);
                window.psqAreaLabels({{ this._parent.get_name() }}, areas);
                // Whatever arrives first, the base (communes) stays under the zones and sectors.
                {% if this.back %}{{ this.get_name() }}.bringToBack();{% endif %}
            });
        {% endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: str,
        name: str,
        style: dict,
        *,
        popup: bool = False,
        fill_property: str = "",
        style_property: str = "",
        pane: str = "",
        interactive: bool = True,
        control: bool = True,
        url: str = "",
    ):
        super().__init__(name=name, overlay=True, control=control, show=True)
        self._name = "PreparedGeoJson"
        self.data = data
        self.url = url  # fetched by the page instead of `data` (the browser keeps it: sent once)
        self.back = name == styles.LAYER_NAMES["communes"]
        self.style = style
        self.popup = popup and interactive
        self.fill_property = fill_property
        self.style_property = style_property
        self.pane = pane
        self.interactive = interactive


def area_geojson(areas: gpd.GeoDataFrame, fields: list[tuple[str, str]] | None) -> str:
    """Named polygons as GeoJSON text: the name as tooltip and, with `fields` (label, column),
    a card as popup. Empty text for no areas."""
    if areas.empty:
        return ""
    return safe_frame(areas, **_area_properties(areas, fields)).to_json()


def area_topology(areas: gpd.GeoDataFrame, fields: list[tuple[str, str]] | None, *, labelled: bool = False) -> str:
    """The same areas and properties as `area_geojson`, as a compact topology (maps.topology:
    shared borders once, rounded coordinates), which assets/topology.js turns back into GeoJSON.
    `labelled`: each area also carries where and from which zoom its name is drawn (`label`:
    lat, lon, zoom of `commune_label_points`; the name is its tooltip), so that the map's
    document need not carry the names a second time."""
    if areas.empty:
        return ""
    columns = _area_properties(areas, fields)
    if labelled:
        columns["label"] = [point[1:] for point in commune_label_points(areas)]
    properties = [dict(zip(columns, values, strict=True)) for values in zip(*columns.values(), strict=True)]
    return topology.encode(areas.to_crs(WGS84), properties)


def _area_properties(areas: gpd.GeoDataFrame, fields: list[tuple[str, str]] | None) -> dict[str, list[str]]:
    columns = {"tooltip": list(areas["name"].map(escape_text))}
    if fields is not None:
        columns["popup"] = [
            card(row["name"], [(label, row.get(col)) for label, col in fields]) for _, row in areas.iterrows()
        ]
    return columns


def add_area_geojson(
    m: folium.Map, data: str, kind: str, *, interactive: bool = True, lower: bool = True, url: str = ""
) -> None:
    """Prepared area GeoJSON (`kind`: communes, communes_highlight, zones or sectors) in its style,
    in the areas' pane (below the observations) unless `lower` is False. With `url`, the map
    fetches the same GeoJSON from the app (`data` only says whether there is any)."""
    if not data:
        return
    style, name, popup = {
        "communes": (styles.COMMUNE_STYLE, styles.LAYER_NAMES["communes"], False),
        "communes_highlight": (styles.COMMUNE_HIGHLIGHT_STYLE, styles.LAYER_NAMES["communes"], False),
        "zones": (styles.ZONE_STYLE, styles.LAYER_NAMES["zones"], True),
        "sectors": (styles.SECTOR_STYLE, styles.LAYER_NAMES["sectors"], True),
    }[kind]
    pane = add_pane(m, styles.AREAS_PANE) if lower else ""
    if url:  # the route sends a topology (area_topology)
        m.add_child(ResourceCall("topology.js"), name="psq_topology")
    PreparedGeoJson("" if url else data, name, style, popup=popup, pane=pane, interactive=interactive, url=url).add_to(
        m
    )


def add_communes(m: folium.Map, communes: gpd.GeoDataFrame, *, highlight: bool = False) -> None:
    """Communes as the base (grey), or the one being worked on (`highlight`, blue outline, above
    the other areas so that its outline stays visible)."""
    kind = "communes_highlight" if highlight else "communes"
    add_area_geojson(m, area_geojson(communes, None), kind, lower=not highlight)


def add_sectors(m: folium.Map, sectors: gpd.GeoDataFrame, *, interactive: bool = True) -> None:
    add_area_geojson(m, area_geojson(sectors, styles.SECTOR_FIELDS), "sectors", interactive=interactive)


def add_patrol_zones(m: folium.Map, zones: gpd.GeoDataFrame, *, interactive: bool = True) -> None:
    add_area_geojson(m, area_geojson(zones, styles.ZONE_FIELDS), "zones", interactive=interactive)


def add_sites(m: folium.Map, sites: gpd.GeoDataFrame, *, interactive: bool = True) -> None:
    """Sites as lettered symbols (K kiosk, G brigade, P commissariat), with a card as popup."""
    if sites.empty:
        return
    group = folium.FeatureGroup(name=styles.LAYER_NAMES["sites"])
    pane = add_pane(m, styles.SITES_PANE)
    for _, row in sites.to_crs(WGS84).iterrows():
        letter, colour, shape, _label = styles.site_symbol(row["kind"])
        icon = folium.DivIcon(
            html=styles.site_icon_html(letter, colour, shape),
            icon_size=(26, 26),
            icon_anchor=(13, 13),
            class_name=f"psq-site psq-site-{escape_text(row['kind'])}",
        )
        extra = {}
        if interactive:
            extra = {
                "tooltip": escape_text(row["name"]),
                "popup": Popup(
                    card(row["name"], [(label, row.get(col)) for label, col in styles.SITE_FIELDS]), max_width=320
                ),
            }
        folium.Marker(
            location=[row.geometry.y, row.geometry.x], icon=icon, interactive=interactive, pane=pane, **extra
        ).add_to(group)
    group.add_to(m)
    add_stylesheet(m, "sites.css")
    m.add_child(ResourceCall("site_size.js", styles.SITES_FULL_SIZE_FROM_ZOOM), name="psq_site_size")


def commune_label_points(communes: gpd.GeoDataFrame) -> list[list]:
    """[escaped name, lat, lon, smallest zoom] per commune, at a point inside it."""
    if communes.empty:
        return []
    inside = communes.to_crs(WGS84).geometry.representative_point()
    population = communes["population"] if "population" in communes else pd.Series(0, index=communes.index)
    return [
        [escape_text(name), round(point.y, 5), round(point.x, 5), _label_zoom(people)]
        for name, point, people in zip(communes["name"], inside, population.fillna(0), strict=True)
    ]


def _label_zoom(population: float) -> int:
    return next(zoom for least, zoom in LABEL_ZOOMS if population >= least)


def add_commune_labels(m: folium.Map, labels: list[list], *, from_layer: bool = False) -> None:
    """Commune names, drawn from the zoom their population deserves; never clickable.
    `from_layer`: the names come with the communes fetched from the app (area_topology)."""
    if not labels and not from_layer:
        return
    add_stylesheet(m, "legend.css")
    pane = add_pane(m, styles.LABELS_PANE, clickable=False)
    m.add_child(ResourceCall("commune_labels.js", labels, pane), name="psq_commune_labels")


def add_observations(
    m: folium.Map, observations: gpd.GeoDataFrame, *, name: str = styles.LAYER_NAMES["observations"]
) -> None:
    """Observations coloured by gravité (hollow once treated); points as canvas circle markers,
    lines and polygons with their shape. For the maps that show a few hundred at most."""
    if observations.empty:
        return
    frame = safe_frame(
        observations,
        color=observations["severity"].map(lambda s: taxonomy.SEVERITY_COLORS.get(int(s), "#555555")),
        radius=observations["severity"].map(lambda s: 4 + 2 * int(s)),
        open=observations["status"].map(lambda s: s in taxonomy.OPEN_STATUSES) if "status" in observations else True,
        tooltip=observations.apply(_observation_tooltip, axis=1),
        popup=observations.apply(_observation_popup, axis=1),
    )
    folium.GeoJson(
        frame.to_json(),
        name=escape_text(name),
        marker=folium.CircleMarker(radius=7, weight=1, fill=True, fill_opacity=0.85),
        style_function=observation_style,
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=360),
    ).add_to(m)


def observation_style(feature: dict) -> dict:
    properties = feature["properties"]
    point = feature["geometry"]["type"] == "Point"
    is_open = properties.get("open", True)
    return {
        "color": ("#222222" if is_open else properties["color"]) if point else properties["color"],
        # Lines thicken with the gravité (2 + gravité px): their colour is not the only clue.
        "weight": (1 if is_open else 3) if point else 2 + int(properties["radius"] - 4) // 2,
        "fillColor": properties["color"] if is_open else "#ffffff",
        "fillOpacity": (0.85 if is_open else 0.6) if point else 0.3,
        "radius": properties["radius"],
    }


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
        ("Lieu", joined(row.get("place"), row.get("commune_name"))),
        ("Équipe", row.get("team_name")),
        ("Description", row.get("description")),
        ("Préconisation", row.get("recommendation")),
        ("Partenaire", row.get("partner")),
    ]
    title = taxonomy.category_label(row["category"])
    if "id" in row and not pd.isna(row["id"]):
        title = f"N° {int(row['id'])} — {title}"
    return card(title, fields)


def add_dispositifs(m: folium.Map, dispositifs: gpd.GeoDataFrame) -> None:
    """Communes with a dispositif (participation citoyenne, voisins solidaires), one layer each,
    with the date they joined. `dispositifs`: commune_name, kind, since, geometry (boundary)."""
    pane = add_pane(m, styles.AREAS_PANE)
    for kind, label in taxonomy.DISPOSITIF_KINDS.items():
        part = dispositifs[dispositifs["kind"] == kind]
        if part.empty:
            continue
        since = [f" depuis le {d:%d/%m/%Y}" if pd.notna(d) and d else "" for d in part["since"]]
        names = part["commune_name"]
        tooltip = [f"{escape_text(n)} — {escape_text(label)}{s}" for n, s in zip(names, since, strict=True)]
        colour = styles.DISPOSITIF_COLOURS[kind]
        style = {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.35}
        PreparedGeoJson(safe_frame(part, tooltip=tooltip).to_json(), label, style, pane=pane).add_to(m)
