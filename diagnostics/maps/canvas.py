"""Observations at scale (100,000 at a time) on one canvas: the compact payload and the layer.

One `folium.Marker` per point costs seconds at 10,000 points (DESIGN.md, "Maps"). Here the
observations travel as a compact JSON of arrays and a small Leaflet layer
(assets/canvas_points.js) draws them on one canvas, redrawn after each pan or zoom; a click
picks the nearest point and is returned to the page as « N° <id> ».

Safety: the only text in the payload is taxonomy labels, escaped; the forces' free text never
reaches this layer (details are read in the page, per observation).
"""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
from folium.map import Layer
from folium.template import Template

from diagnostics import taxonomy
from diagnostics.maps import resources, styles
from diagnostics.maps.base import ScriptAsText
from diagnostics.maps.escaping import escape_text

_EPOCH = np.datetime64("1970-01-01", "D")
CLICKED = re.compile(r"^N° (\d+)$")  # the tooltip a click on a point returns


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
            "cat": [escape_text(c.label) for c in taxonomy.CATEGORIES],
            "st": [escape_text(label) for label in taxonomy.STATUSES.values()],
            "sev": {str(k): escape_text(v) for k, v in taxonomy.SEVERITIES.items()},
        },
        "open": [code in taxonomy.OPEN_STATUSES for code in statuses],  # per status code
        "colors": {str(k): v for k, v in taxonomy.SEVERITY_COLORS.items()},
    }
    return json.dumps(payload, separators=(",", ":"))


def unpack_payload(payload: str) -> dict:
    """The payload's arrays as numpy arrays (what the browser reads; for tests and checks)."""
    data = json.loads(payload)
    for name, (dtype, text) in data.pop("packed").items():
        data[name] = np.frombuffer(base64.b64decode(text), dtype=dtype)
    return data


def clicked_observation(tooltip: object) -> int | None:
    """The observation a click on the map chose (streamlit-folium's last_object_clicked_tooltip)."""
    found = CLICKED.match(str(tooltip or "").strip())
    return int(found.group(1)) if found else None


def _codes(values: pd.Series, categories: list[str]) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype) and list(values.cat.categories) == categories:
        return values.cat.codes.to_numpy()
    return pd.Categorical(values, categories=categories).codes


class CanvasPoints(Layer, ScriptAsText):
    """Observations drawn on one canvas, coloured by gravité; a click shows the nearest one."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.library }}
        var {{ this.get_name() }} = new L.PsqPoints({{ this.payload }}, {
            highlightOutside: {{ 'true' if this.highlight_outside else 'false' }},
            outsideColor: {{ this.outside_color|tojson }},
            pane: {{ this.pane|tojson }},
            zIndex: {{ this.z_index|tojson }},
            followUpHint: {{ this.follow_up_hint|tojson }}
        });
        {% endmacro %}
        """
    )

    def __init__(self, payload: str, *, highlight_outside: bool = False, follow_up_hint: str = ""):
        super().__init__(name=styles.LAYER_NAMES["points"], overlay=True, control=True, show=True)
        self._name = "CanvasPoints"
        self.payload = payload
        self.highlight_outside = highlight_outside
        self.outside_color = styles.OUTSIDE_COLOR
        self.pane, self.z_index = styles.POINTS_PANE
        self.follow_up_hint = escape_text(follow_up_hint)
        self.library = resources.text("canvas_points.js")
