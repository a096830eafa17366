"""The commanders' review map at scale (100,000 observations): pure folium builders.

One `folium.Marker` per point costs seconds at 10,000 points (DESIGN.md, "Maps"). Here the
observations travel as a compact JSON of arrays and a small Leaflet layer draws them on one
canvas, redrawn after each pan or zoom; a click picks the nearest point. A heatmap can be
added (folium's HeatMap, fed the same arrays). The reference layers are prepared once
(`prepare_base`) so that a change of filter only rebuilds the observations.

Safety: the only text in the payload is taxonomy labels, escaped with `maps.escape_text`; the
forces' free text never reaches this map (details are read in the page, per observation).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import Element, MacroElement
from folium.map import Layer
from folium.plugins import HeatMap
from folium.template import Template
from jinja2 import Template as JinjaTemplate

from diagnostics import maps, taxonomy

MAX_ZOOM = 18
HIGHLIGHT_COLOR = "#0057b8"  # ring around observations outside every patrol zone
LAYER_NAMES = {
    "points": "Observations",
    "heat": "Carte de chaleur",
}
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Base:
    """Reference layers as ready-made GeoJSON (prepared once, reused for every filter)."""

    communes: str  # GeoJSON text, properties: tooltip (escaped)
    sectors: str  # … tooltip, popup (escaped)
    zones: str
    sites: gpd.GeoDataFrame
    bounds: tuple[float, float, float, float]  # west, south, east, north of the communes


def prepare_base(
    communes: gpd.GeoDataFrame, sectors: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> Base:
    """Escape and serialise the reference layers once."""
    west, south, east, north = (float(v) for v in communes.total_bounds) if not communes.empty else (5, 46, 7, 48)
    return Base(
        communes=_geojson(communes, tooltip=communes["name"].map(maps.escape_text)) if not communes.empty else "",
        sectors=_geojson(
            sectors,
            tooltip=sectors["name"].map(maps.escape_text),
            popup=[
                maps._card(r["name"], [("Type", r["kind"]), ("Source", r.get("source"))]) for _, r in sectors.iterrows()
            ],
        )
        if not sectors.empty
        else "",
        zones=_geojson(
            zones,
            tooltip=zones["name"].map(maps.escape_text),
            popup=[
                maps._card(r["name"], [("Unité", r.get("unit")), ("Horaires", r.get("schedule"))])
                for _, r in zones.iterrows()
            ],
        )
        if not zones.empty
        else "",
        sites=sites,
        bounds=(west, south, east, north),
    )


def points_payload(points: pd.DataFrame) -> str:
    """The observations as JSON of base64-packed little-endian arrays (the canvas layer's input).

    `points` has id, lon, lat, severity, category, status, observed_on and optionally a boolean
    `outside` (outside every patrol zone). Coordinates travel as integers of 1e-5 degree (≈1 m),
    dates as days since 1970-01-01. Packed arrays cost a few milliseconds to write and to read,
    where a JSON list of 100,000 numbers per column costs tens of milliseconds on each side.
    """
    categories = [c.code for c in taxonomy.CATEGORIES]
    statuses = list(taxonomy.STATUSES)
    days = pd.to_datetime(points["observed_on"]).to_numpy().astype("datetime64[D]") - _EPOCH
    outside = points["outside"].to_numpy(dtype=bool) if "outside" in points else np.zeros(len(points), dtype=bool)
    columns = {
        "id": (points["id"].to_numpy(), "<i4"),
        "lat": (np.rint(points["lat"].to_numpy(dtype=float) * 1e5), "<i4"),
        "lon": (np.rint(points["lon"].to_numpy(dtype=float) * 1e5), "<i4"),
        "day": (days.astype(np.int64), "<i4"),
        "sev": (points["severity"].to_numpy(), "u1"),
        "cat": (_codes(points["category"], categories), "i1"),
        "st": (_codes(points["status"], statuses), "i1"),
        "out": (outside, "u1"),
    }
    payload = {
        "n": len(points),
        "packed": {
            name: [dtype, base64.b64encode(np.asarray(values).astype(dtype).tobytes()).decode("ascii")]
            for name, (values, dtype) in columns.items()
        },
        "labels": {
            "cat": [maps.escape_text(c.label) for c in taxonomy.CATEGORIES],
            "st": [maps.escape_text(label) for label in taxonomy.STATUSES.values()],
            "sev": {str(k): maps.escape_text(v) for k, v in taxonomy.SEVERITIES.items()},
        },
        "colors": {str(k): v for k, v in taxonomy.SEVERITY_COLORS.items()},
    }
    return json.dumps(payload, separators=(",", ":"))


def unpack_payload(payload: str) -> dict:
    """The payload's arrays as numpy arrays (what the browser reads; for tests and checks)."""
    data = json.loads(payload)
    for name, (dtype, text) in data.pop("packed").items():
        data[name] = np.frombuffer(base64.b64decode(text), dtype=dtype)
    return data


def _codes(values: pd.Series, categories: list[str]) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == categories:
        return values.cat.codes.to_numpy()
    return pd.Categorical(values, categories=categories).codes


def build_review_map(
    base: Base,
    payload: str,
    *,
    bounds: tuple[float, float, float, float] | None = None,
    heat: list[list[float]] | None = None,
    highlight_outside: bool = False,
    tiles: Iterable[str] = (),
) -> folium.Map:
    """The commanders' map: reference layers, observations on canvas, optional heatmap."""
    m = maps.base_map(tiles)
    m.options["max_zoom"] = MAX_ZOOM  # tiles=None leaves no maxZoom, which clusters and heat need
    if base.communes:
        PreparedGeoJson(base.communes, maps.LAYER_NAMES["communes"], _COMMUNE_STYLE).add_to(m)
    if base.zones:
        PreparedGeoJson(base.zones, maps.LAYER_NAMES["zones"], _ZONE_STYLE, popup=True).add_to(m)
    if base.sectors:
        PreparedGeoJson(base.sectors, maps.LAYER_NAMES["sectors"], _SECTOR_STYLE, popup=True).add_to(m)
    maps.add_sites(m, base.sites)
    if heat:
        add_heatmap(m, heat)
    CanvasPoints(payload, highlight_outside=highlight_outside).add_to(m)
    maps.add_severity_legend(m)
    if highlight_outside:
        _add_outside_legend(m)
    folium.LayerControl(collapsed=True).add_to(m)
    west, south, east, north = bounds or base.bounds
    m.fit_bounds([[south, west], [north, east]], padding=(10, 10))
    return m


def heat_data(points: pd.DataFrame) -> list[list[float]]:
    """[lat, lon, weight] per observation, weighted by gravité (4 counts four times 1)."""
    if points.empty:
        return []
    values = np.column_stack(
        (
            np.round(points["lat"].to_numpy(dtype=float), 5),
            np.round(points["lon"].to_numpy(dtype=float), 5),
            points["severity"].to_numpy(dtype=float) / 4.0,
        )
    )
    return values.tolist()


def points_bounds(points: pd.DataFrame) -> tuple[float, float, float, float] | None:
    if points.empty:
        return None
    lon, lat = points["lon"].to_numpy(dtype=float), points["lat"].to_numpy(dtype=float)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


class _Text(Element):
    """Text put in the page as it is."""

    _template = JinjaTemplate("{{ this.text }}")

    def __init__(self, text: str):
        super().__init__()
        self._name = "Text"
        self.text = text


class _ScriptAsText(MacroElement):
    """Adds its rendered script to the page as text.

    branca's MacroElement wraps each rendered script in `Element(script)`, which compiles it as
    a Jinja template again: about 0.15 s for megabytes of observations, and a `{{` in the data
    would be read as Jinja. Only the script is concerned; these layers have no header nor html.
    """

    def render(self, **kwargs):
        script = self._template.module.__dict__.get("script")
        if script is not None:
            self.get_root().script.add_child(_Text(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class FastHeatMap(HeatMap, _ScriptAsText):
    """folium's HeatMap (same local asset), fed pre-validated data as one JSON string.

    HeatMap validates every point in Python, which costs about a second at 100,000 points.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.heatLayer(
                {{ this.data_json }},
                {{ this.options|tojavascript }}
            );
        {% endmacro %}
        """
    )

    def __init__(self, data: list[list[float]], **kwargs):
        super().__init__([[0.0, 0.0]], **kwargs)
        self.data = data
        self.data_json = json.dumps(data, separators=(",", ":"))

    def _get_self_bounds(self):
        return [[None, None], [None, None]]


def add_heatmap(m: folium.Map, heat: list[list[float]]) -> None:
    FastHeatMap(
        heat,
        name=LAYER_NAMES["heat"],
        radius=14,
        blur=18,
        min_opacity=0.35,
        max_zoom=13,
    ).add_to(m)


class CanvasPoints(Layer, _ScriptAsText):
    """Observations drawn on one canvas, coloured by gravité; a click shows the nearest one."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.library }}
        var {{ this.get_name() }} = new L.PsqPoints({{ this.payload }}, {
            highlightOutside: {{ 'true' if this.highlight_outside else 'false' }},
            outsideColor: {{ this.outside_color|tojson }}
        });
        {% endmacro %}
        """
    )

    def __init__(self, payload: str, *, highlight_outside: bool = False):
        super().__init__(name=LAYER_NAMES["points"], overlay=True, control=True, show=True)
        self._name = "CanvasPoints"
        self.payload = payload
        self.highlight_outside = highlight_outside
        self.outside_color = HIGHLIGHT_COLOR
        self.library = _CANVAS_LAYER_JS


def _add_outside_legend(m: folium.Map) -> None:
    legend = (
        '<div class="psq-legend-outside" style="position:absolute;bottom:24px;left:120px;z-index:1000;'
        "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;border-radius:4px;"
        f'font:12px sans-serif"><span style="display:inline-block;width:10px;height:10px;border-radius:7px;'
        f'border:3px solid {HIGHLIGHT_COLOR};margin-right:6px"></span>Hors zone de patrouille</div>'
    )
    m.get_root().html.add_child(folium.Element(legend))


def _geojson(frame: gpd.GeoDataFrame, **columns) -> str:
    return maps._prepared(frame, **columns).to_json()


_COMMUNE_STYLE = {"color": "#7f8c8d", "weight": 1, "fillColor": "#f2f2f2", "fillOpacity": 0.6}
_ZONE_STYLE = {"color": "#16a085", "weight": 2, "fillColor": "#1abc9c", "fillOpacity": 0.12}
_SECTOR_STYLE = {"color": "#8e44ad", "weight": 2, "dashArray": "6 4", "fillOpacity": 0.1}


# Yellow to dark purple, readable in black-and-white print; the first class is « none ».
CHOROPLETH_COLORS = ("#f7f7f7", "#fee8c8", "#fdbb84", "#e34a33", "#b30000", "#67001f")


def build_choropleth(
    communes: gpd.GeoDataFrame, values: pd.DataFrame, *, column: str, legend: str, tiles: Iterable[str] = ()
) -> folium.Map:
    """Communes coloured by `values[column]` (indexed by INSEE code) in five quantile classes."""
    m = maps.base_map(tiles)
    m.options["max_zoom"] = MAX_ZOOM
    series = values[column].reindex(communes["insee"]).fillna(0).to_numpy(dtype=float)
    breaks = _quantile_breaks(series[series > 0])
    classes = np.where(series > 0, np.searchsorted(breaks, series, side="left") + 1, 0)
    counts = values["observations"].reindex(communes["insee"]).fillna(0).astype(int).to_numpy()
    tooltips = [
        f"{maps.escape_text(name)} : {count} observation(s), {value:.2f} {maps.escape_text(legend)}"
        for name, count, value in zip(communes["name"], counts, series, strict=True)
    ]
    data = maps._prepared(communes, tooltip=tooltips, fill=[CHOROPLETH_COLORS[c] for c in classes]).to_json()
    PreparedGeoJson(
        data, "Communes", {"color": "#555", "weight": 0.6, "fillOpacity": 0.8}, fill_property="fill"
    ).add_to(m)
    labels = ["aucune"] + [f"{low:.2f} – {high:.2f}" for low, high in zip((0.0, *breaks[:-1]), breaks, strict=True)]
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:10px;background:{colour};'
        f'border:1px solid #555;margin-right:6px"></span>{label}</div>'
        for colour, label in zip(CHOROPLETH_COLORS, labels, strict=False)
    )
    m.get_root().html.add_child(
        folium.Element(
            '<div class="psq-legend" style="position:absolute;bottom:24px;left:10px;z-index:1000;'
            "background:rgba(255,255,255,0.92);padding:6px 8px;border:1px solid #999;border-radius:4px;"
            f'font:12px sans-serif"><b>{maps.escape_text(legend)}</b>{rows}</div>'
        )
    )
    if not communes.empty:
        west, south, east, north = communes.total_bounds
        m.fit_bounds([[south, west], [north, east]])
    return m


def _quantile_breaks(values: np.ndarray) -> list[float]:
    """Upper bounds of five classes of the non-zero values (fewer when values repeat)."""
    if values.size == 0:
        return [0.0]
    breaks = sorted(set(np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0]).round(4).tolist()))
    return breaks


class PreparedGeoJson(Layer, _ScriptAsText):
    """A GeoJSON layer from ready-made text whose `tooltip`/`popup` properties are escaped.

    folium.GeoJson re-reads, re-styles and re-serialises its data (and computes its bounds)
    on every render; this one only pastes the text prepared once.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON({{ this.data }}, {
            style: function (feature) {
                var style = Object.assign({}, {{ this.style|tojson }});
                {% if this.fill_property -%}
                style.fillColor = feature.properties[{{ this.fill_property|tojson }}];
                {%- endif %}
                return style;
            },
            onEachFeature: function (feature, layer) {
                layer.bindTooltip(feature.properties.tooltip, {sticky: true});
                {% if this.popup %}layer.bindPopup(feature.properties.popup, {maxWidth: 360});{% endif %}
            }
        });
        {% endmacro %}
        """
    )

    def __init__(self, data: str, name: str, style: dict, *, popup: bool = False, fill_property: str = ""):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "PreparedGeoJson"
        self.data = data
        self.style = style
        self.popup = popup
        self.fill_property = fill_property


# A small Leaflet layer: one canvas in the overlay pane, redrawn after each move; points are
# projected with spherical Mercator by hand (Leaflet's per-point calls cost more at 100,000).
_CANVAS_LAYER_JS = """
if (!L.PsqPoints) {
  L.PsqPoints = L.Layer.extend({
    initialize: function (data, options) {
      L.setOptions(this, options);
      var types = {'<i4': Int32Array, 'u1': Uint8Array, 'i1': Int8Array};
      for (var name in data.packed) {
        var text = atob(data.packed[name][1]), bytes = new Uint8Array(text.length);
        for (var b = 0; b < text.length; b++) { bytes[b] = text.charCodeAt(b); }
        data[name] = new types[data.packed[name][0]](bytes.buffer);
      }
      delete data.packed;
      this._d = data;
      this._n = data.n;
      this._x = new Float32Array(this._n);
      this._y = new Float32Array(this._n);
    },
    onAdd: function (map) {
      this._map = map;
      var c = this._canvas = L.DomUtil.create('canvas', 'leaflet-zoom-hide psq-points');
      c.style.pointerEvents = 'none';
      // Its own pane, above the vector layers: Leaflet's shared canvas stays alone in the overlay pane.
      var pane = map.getPane('psqPoints') || map.createPane('psqPoints');
      pane.style.zIndex = 450;
      pane.style.pointerEvents = 'none';
      pane.appendChild(c);
      map.on('moveend zoomend resize viewreset', this._redraw, this);
      map.on('click', this._click, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off('moveend zoomend resize viewreset', this._redraw, this);
      map.off('click', this._click, this);
    },
    _radius: function (zoom, sev) {
      if (zoom <= 8) { return 0.8 + 0.45 * sev; }
      if (zoom <= 10) { return 1.5 + 0.5 * sev; }
      if (zoom <= 12) { return 2 + sev; }
      return 3 + 1.5 * sev;
    },
    _redraw: function () {
      var map = this._map, d = this._d, n = this._n, size = map.getSize(), c = this._canvas;
      L.DomUtil.setPosition(c, map.containerPointToLayerPoint([0, 0]));
      var ratio = window.devicePixelRatio || 1;
      c.width = size.x * ratio; c.height = size.y * ratio;
      c.style.width = size.x + 'px'; c.style.height = size.y + 'px';
      var ctx = c.getContext('2d');
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), min = map.getPixelBounds().min;
      var R = Math.PI / 180, x = this._x, y = this._y, lat = d.lat, lon = d.lon, sev = d.sev;
      for (var i = 0; i < n; i++) {
        var s = Math.sin(lat[i] * 1e-5 * R);
        x[i] = scale * (lon[i] * 1e-5 + 180) / 360 - min.x;
        y[i] = scale * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) - min.y;
      }
      var outline = zoom >= 11;
      for (var level = 1; level <= 4; level++) {
        var r = this._radius(zoom, level);
        ctx.beginPath();
        for (var j = 0; j < n; j++) {
          if (sev[j] !== level || x[j] < -r || y[j] < -r || x[j] > size.x + r || y[j] > size.y + r) { continue; }
          ctx.moveTo(x[j] + r, y[j]);
          ctx.arc(x[j], y[j], r, 0, 2 * Math.PI);
        }
        ctx.fillStyle = d.colors[level];
        ctx.globalAlpha = 0.85;
        ctx.fill();
        if (outline) { ctx.globalAlpha = 1; ctx.lineWidth = 1; ctx.strokeStyle = '#222'; ctx.stroke(); }
      }
      if (this.options.highlightOutside) {
        ctx.beginPath();
        for (var k = 0; k < n; k++) {
          if (!d.out[k] || x[k] < -8 || y[k] < -8 || x[k] > size.x + 8 || y[k] > size.y + 8) { continue; }
          var rr = this._radius(zoom, sev[k]) + 2;
          ctx.moveTo(x[k] + rr, y[k]);
          ctx.arc(x[k], y[k], rr, 0, 2 * Math.PI);
        }
        ctx.globalAlpha = 1; ctx.lineWidth = 2.5; ctx.strokeStyle = this.options.outsideColor; ctx.stroke();
      }
      this._drawnAt = Date.now();
      c.setAttribute('data-drawn', String(n));
    },
    _click: function (e) {
      var d = this._d, best = -1, bestDistance = 1e9, p = e.containerPoint, zoom = this._map.getZoom();
      for (var i = 0; i < this._n; i++) {
        var dx = this._x[i] - p.x, dy = this._y[i] - p.y, dist = dx * dx + dy * dy;
        var r = this._radius(zoom, d.sev[i]) + 3;
        if (dist <= r * r && dist <= bestDistance) { best = i; bestDistance = dist; }
      }
      if (best < 0) { return; }
      var day = new Date(d.day[best] * 86400000).toISOString().slice(0, 10).split('-');
      var html = '<b>N° ' + d.id[best] + ' — ' + (d.labels.cat[d.cat[best]] || '') + '</b>'
        + '<br><i>Gravité</i> : ' + d.labels.sev[d.sev[best]]
        + '<br><i>Statut</i> : ' + (d.labels.st[d.st[best]] || '')
        + '<br><i>Date</i> : ' + day[2] + '/' + day[1] + '/' + day[0]
        + (d.out[best] ? '<br><i>Hors zone de patrouille</i>' : '');
      L.popup({maxWidth: 320}).setLatLng([d.lat[best] * 1e-5, d.lon[best] * 1e-5]).setContent(html)
        .openOn(this._map);
    }
  });
}
"""
