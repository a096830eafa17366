"""How each layer looks, written once for every map: colours, area styles, popup fields, site
symbols, layer names and the Leaflet panes that keep observations above the areas."""

from __future__ import annotations

from diagnostics.maps.escaping import escape_text

LAYER_NAMES = {
    "communes": "Communes",
    "commune_names": "Noms des communes",
    "sectors": "Secteurs",
    "zones": "Zones de patrouille",
    "sites": "Sites et points de contact",
    "observations": "Observations",
    "points": "Observations",
    "heat": "Carte de chaleur",
    "pending": "Point à enregistrer",
    "shapes": "Tracés des observations (lignes, zones)",
    "cameras": "Champs de vision des caméras",
}

# Leaflet panes (z-index): tiles 200, overlayPane 400, markers 600, tooltips 650, popups 700.
# Areas sit below Leaflet's overlay pane, observations above it: a point inside a zone or a
# sector takes the click, and the area's popup opens only where no observation is.
AREAS_PANE = ("psqAreas", 350)
LABELS_PANE = ("psqLabels", 380)  # commune names, never clickable
SITES_PANE = ("psqSites", 440)  # site symbols: above the areas, under the observations they may cover
POINTS_PANE = ("psqPoints", 450)  # the observations' canvas (created by canvas_points.js)

CAMERA_VIEW_STYLE = {"color": "#6a1b9a", "weight": 1, "fillColor": "#9b59b6", "fillOpacity": 0.25}
CAMERA_EDIT_STYLE = {"color": "#6a1b9a", "weight": 3, "dashArray": "6 4", "fillColor": "#9b59b6", "fillOpacity": 0.35}
COMMUNE_STYLE = {"color": "#7f8c8d", "weight": 1, "fillColor": "#f2f2f2", "fillOpacity": 0.6}
COMMUNE_HIGHLIGHT_STYLE = {"color": "#1b3c73", "weight": 3, "fillColor": "#dfe6f0", "fillOpacity": 0.25}
ZONE_STYLE = {"color": "#16a085", "weight": 2, "fillColor": "#1abc9c", "fillOpacity": 0.12}
SECTOR_STYLE = {"color": "#8e44ad", "weight": 2, "dashArray": "6 4", "fillColor": "#8e44ad", "fillOpacity": 0.1}
PENDING_STYLE = {"color": "#000000", "weight": 5, "dashArray": "8 6", "fillOpacity": 0.15}
EDITING_STYLE = {"color": "#000000", "weight": 4, "dashArray": "8 6", "fillOpacity": 0.1}
# The legend starts folded on maps narrower or lower than this (w, h in px): open, it is about
# 290 × 320 px, a third of a 600 px high map on a laptop. Opened or folded by the person, it
# stays so for the rest of the browser tab (sessionStorage).
LEGEND_FOLD_BELOW_PX = (600, 720)
# The legend's expected size in px (open, folded): framing allows for it before it can be measured.
LEGEND_EXPECTED_PX = ((290, 320), (100, 36))
OUTSIDE_COLOR = "#0057b8"  # ring around observations outside every patrol zone

# What an area's popup shows, (label, column), after its name.
ZONE_FIELDS = [("Unité", "unit"), ("Horaires", "schedule"), ("Source", "source")]
SECTOR_FIELDS = [("Type", "kind"), ("Source", "source")]
SITE_FIELDS = [("Type", "kind"), ("Adresse", "address")]

SITES_FULL_SIZE_FROM_ZOOM = 12  # below, site symbols are drawn at half size (assets/site_size.js)

SITE_SYMBOLS = {
    # kind: (letter, background, shape, legend label) — the kiosk has its own shape so it stands out.
    "kiosque": ("K", "#b35c00", "diamond", "Kiosque (point de contact)"),  # white K: 4.7:1
    "brigade": ("G", "#1b3c73", "square", "Brigade de gendarmerie"),
    "commissariat": ("P", "#0055a4", "square", "Commissariat de police"),
    "camera": ("C", "#6a1b9a", "square", "Caméra de vidéoprotection"),
}
OTHER_SITE = ("?", "#555555", "square", "Autre site")

IMPORT_STATUS_COLOURS = {"valide": "#1a9850", "réparée": "#f39c12"}
DISPOSITIF_COLOURS = {"participation_citoyenne": "#2e86c1", "voisins_solidaires": "#8e44ad"}


def site_symbol(kind: str) -> tuple[str, str, str, str]:
    return SITE_SYMBOLS.get(kind, OTHER_SITE)


def site_icon_html(letter: str, colour: str, shape: str, *, size: int = 22) -> str:
    """The site's square (or diamond, for the kiosk) with its letter; also used in the legend."""
    rotate = "transform:rotate(45deg);" if shape == "diamond" else ""
    unrotate = "transform:rotate(-45deg);" if shape == "diamond" else ""
    return (
        f'<div style="width:{size}px;height:{size}px;background:{colour};border:2px solid #fff;'
        f'box-shadow:0 0 3px #000;{rotate}display:flex;align-items:center;justify-content:center">'
        f'<span style="color:#fff;font:bold {size // 2 + 1}px sans-serif;{unrotate}">{escape_text(letter)}</span></div>'
    )
