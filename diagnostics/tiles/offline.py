"""The tiles a device keeps for offline use: the listing the field page's service worker caches,
and the tiles the mayor's HTML snapshot embeds. Pure: sources and areas in, tiles out.

Listing contract (GET /api/tiles/offline, diagnostics/web/tiles.py), all keys always present:

    {"urls": ["/tiles/12/2118/1434.png", …],   # what to fetch and cache, lowest zoom first
     "octets": 1234567,                          # their total size in bytes
     "limite": 31457280,                         # the budget (PSQ_OFFLINE_TILES_MB)
     "estimation": false,                        # true: sizes estimated (intranet server, not a file)
     "attribution": "© IGN",                     # plain text, to show under the map
     "modele": "/tiles/{z}/{x}/{y}.png",         # the Leaflet URL template (null: no tiles)
     "zoom_min": 8, "zoom_max_natif": 16,        # levels the source has (Leaflet minNativeZoom / maxNativeZoom)
     "zooms": [8, …, 15], "zooms_ecartes": [16], # levels kept, and dropped to fit the budget
     "motif": ""}                                # French reason when "urls" is empty by configuration
"""

from __future__ import annotations

import base64
from collections.abc import Iterable

from diagnostics.tiles.coverage import Bounds, Selection, intersection, select_tiles
from diagnostics.tiles.sources import IMAGE_TYPES, TileSource, open_archive

OFFLINE_MIN_ZOOM = 8  # the département's view: a field map never shows less
ESTIMATED_TILE_BYTES = 20_000  # a 256 px street tile in PNG, for servers whose sizes we cannot ask

REASONS = {
    "none": "Aucun fond de plan n'est configuré (PSQ_TILES=none) : les communes servent de fond.",
    "online": "Les fonds OpenStreetMap et IGN en ligne ne sont pas copiés hors ligne (conditions d'utilisation).",
}


def offline_source(sources: Iterable[TileSource]) -> TileSource | None:
    """The source whose tiles may be cached: the app's own file first, else an intranet server."""
    candidates = [s for s in sources if not s.online]
    return next((s for s in candidates if s.local), candidates[0] if candidates else None)


def select_for(source: TileSource, areas: Iterable[Bounds], *, max_zoom: int, budget: int) -> Selection:
    """The source's tiles over `areas`, from OFFLINE_MIN_ZOOM to `max_zoom`, within `budget` bytes."""
    clipped = [box for box in (intersection(a, source.bounds) for a in areas) if box is not None]
    zooms = _zooms(source, max_zoom)
    size_of = open_archive(source.archive).tile_length if source.local else _estimated_size
    return select_tiles(clipped, zooms, size_of, budget)


def _zooms(source: TileSource, max_zoom: int) -> range:
    low = max(source.min_zoom, min(OFFLINE_MIN_ZOOM, source.max_native_zoom))
    return range(low, min(max_zoom, source.max_native_zoom) + 1)


def _estimated_size(z: int, x: int, y: int) -> int:
    return ESTIMATED_TILE_BYTES


def offline_listing(sources: Iterable[TileSource], areas: Iterable[Bounds], *, max_zoom: int, budget: int) -> dict:
    """The listing of the module's docstring for the configured `sources` over `areas`."""
    sources = tuple(sources)
    source = offline_source(sources)
    listing = {
        "urls": [],
        "octets": 0,
        "limite": budget,
        "estimation": False,
        "attribution": "",
        "modele": None,
        "zoom_min": None,
        "zoom_max_natif": None,
        "zooms": [],
        "zooms_ecartes": [],
        "motif": "",
    }
    if source is None:
        listing["motif"] = REASONS["online" if sources else "none"]
        return listing
    selection = select_for(source, areas, max_zoom=max_zoom, budget=budget)
    listing.update(
        urls=[tile_url(source, *tile) for tile in selection.tiles],
        octets=selection.size,
        estimation=not source.local,
        attribution=source.attribution,
        modele=source.url,
        zoom_min=source.min_zoom,
        zoom_max_natif=source.max_native_zoom,
        zooms=list(selection.zooms),
        zooms_ecartes=list(selection.dropped),
    )
    return listing


def tile_url(source: TileSource, z: int, x: int, y: int) -> str:
    return (
        source.url.replace("{z}", str(z))
        .replace("{x}", str(x))
        .replace("{-y}", str((1 << z) - 1 - y))
        .replace("{y}", str(y))
    )


def embedded_tiles(source: TileSource, area: Bounds, *, max_zoom: int, budget: int) -> tuple[dict[str, str], Selection]:
    """{"z/x/y": data: URI} of the app's own tiles over `area`, within `budget` bytes of base64.

    Only a local file can be embedded (a snapshot is made without fetching anything); base64
    makes a tile a third larger, which the budget counts, since the e-mail carries the text.
    """
    archive = open_archive(source.archive)

    def encoded_size(z: int, x: int, y: int) -> int | None:
        length = archive.tile_length(z, x, y)
        return None if length is None else 4 * ((length + 2) // 3)

    clipped = intersection(area, source.bounds)
    zooms = _zooms(source, max_zoom)
    selection = select_tiles([clipped] if clipped else [], zooms, encoded_size, budget)
    mime = IMAGE_TYPES[source.tile_type]
    tiles = {}
    for z, x, y in selection.tiles:
        data = archive.tile(z, x, y)
        if data is not None:
            tiles[f"{z}/{x}/{y}"] = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return tiles, selection
