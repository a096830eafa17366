"""One view of the commanders' map as the browser reads it (assets/viewport.js): compact JSON.

Cells travel as rows of integers, `[x, y, lat, lon, n, g1…g4, s_nouvelle…s_classee]` (lat/lon
of the cell's mean drawing point in 1e-5 degree); points as the canvas layer's packed payload
(maps.canvas.points_payload). No free text: labels are sent once, with the map (`view_options`).
"""

from __future__ import annotations

import json

import numpy as np

from diagnostics import taxonomy
from diagnostics.maps.canvas import points_payload
from diagnostics.maps.review import HEAT_BLUR, HEAT_RADIUS
from diagnostics.services.viewport import CELL_COLUMNS, CELL_PX, STATUS_CODES, ViewData


def view_json(data: ViewData) -> bytes:
    head = {"mode": data.mode, "zoom": data.zoom, "total": data.total, "cell": CELL_PX}
    if data.points is not None:
        text = json.dumps(head, separators=(",", ":"))[:-1] + ',"points":' + points_payload(data.points) + "}"
        return text.encode("utf-8")
    cells = data.cells
    table = (
        np.column_stack(
            [
                cells[name].to_numpy(dtype="float64") * 1e5 if name in ("lat", "lon") else cells[name].to_numpy()
                for name in CELL_COLUMNS
            ]
        )
        if len(cells)
        else np.zeros((0, len(CELL_COLUMNS)))
    )
    head["columns"] = list(CELL_COLUMNS)
    head["cells"] = np.rint(table).astype("int64").tolist()
    return json.dumps(head, separators=(",", ":")).encode("utf-8")


def view_options(
    url: str,
    filter_params: tuple[str, ...],
    view_param: str,
    reference_url: str = "",
    reference_version: int = 0,
    heat_param: str = "",
    outside_param: str = "",
) -> dict:
    """What assets/viewport.js needs once: the route, the page's filter parameters, labels; and
    where the reference layers are fetched from (maps.review); the page's parameter that turns
    the heatmap on (`=1`), and the one that keeps only the observations outside patrol zones
    (sent to the route with the filters; its points circled)."""
    return {
        "url": url,
        "heatParam": heat_param,
        "outsideParam": outside_param,
        "heatRadius": [HEAT_RADIUS, HEAT_BLUR],
        "referenceUrl": reference_url,
        "referenceVersion": reference_version,
        "filterParams": [*filter_params, *([outside_param] if outside_param else [])],
        "viewParam": view_param,
        # Plain text: the script sets it with textContent only.
        "severities": {str(k): v for k, v in taxonomy.SEVERITIES.items()},
        "statuses": [taxonomy.STATUSES[code] for code in STATUS_CODES],
        "colors": {str(k): v for k, v in taxonomy.SEVERITY_COLORS.items()},
        "texts": {
            "observations": "observation(s)",
            "gravity": "Gravité",
            "status": "Statut",
            "zoomHint": "Zoomez pour voir les observations une à une.",
            "cellColour": "Couleur : part grave ou critique",
            "cellShares": ["moins de 25 %", "25 à 50 %", "50 à 75 %", "75 % et plus"],
            "loading": "Chargement des observations…",
            "failed": "Les observations n'ont pas pu être chargées : ",
        },
    }
