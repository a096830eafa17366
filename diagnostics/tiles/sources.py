"""Where basemap tiles come from: the PSQ_TILES setting read into tile sources.

PSQ_TILES is one of
- `none` (the default): no tiles, the communes are the base map;
- a comma-separated list of `osm` and `ign`: OpenStreetMap and Plan IGN v2 on the internet;
- `xyz:URL` or `wmts:URL`: an intranet tile server. The URL is a template with `{z}`, `{x}`, `{y}`
  (or `{-y}`), or for WMTS KVP/REST `{TileMatrix}`, `{TileCol}`, `{TileRow}`;
  its attribution comes from PSQ_TILES_ATTRIBUTION (required);
- the path of a PMTiles (v3) or MBTiles file of raster tiles (`file:` prefix optional, relative
  paths from the repository root), which the app serves itself under /tiles/ (diagnostics/web/tiles.py);
  its attribution is PSQ_TILES_ATTRIBUTION, else the archive's own `attribution` metadata.

A wrong value raises ValueError with a French message; server.py stops at start-up with it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from diagnostics.tiles.mbtiles import MBTilesArchive
from diagnostics.tiles.pmtiles import ArchiveError, PMTilesArchive

LOCAL_URL = "/tiles/{z}/{x}/{y}.{ext}"  # root-relative: the maps' iframes share the app's origin
ARCHIVE_URL = "/tiles/territoire.{kind}"
MAX_ZOOM = 19
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}
ARCHIVE_READERS = {".pmtiles": PMTilesArchive, ".mbtiles": MBTilesArchive}

_ONLINE = {
    "osm": ("OpenStreetMap", "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "© contributeurs OpenStreetMap"),
    "ign": (
        "Plan IGN v2",
        "https://data.geopf.fr/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
        "&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&STYLE=normal&TILEMATRIXSET=PM"
        "&FORMAT=image/png&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}",
        "© IGN — Plan IGN v2",
    ),
}
_WMTS_NAMES = {"tilematrix": "{z}", "tilecol": "{x}", "tilerow": "{y}"}


@dataclass(frozen=True)
class TileSource:
    """One basemap: a URL template for Leaflet and what to credit (plain text, escaped when drawn)."""

    key: str  # osm, ign, intranet, territoire
    name: str  # French, in the layer control
    url: str
    attribution: str
    min_zoom: int = 0
    max_native_zoom: int = MAX_ZOOM  # beyond it Leaflet enlarges the last level
    bounds: tuple[float, float, float, float] | None = None  # west, south, east, north
    archive: Path | None = None  # a local file the app serves
    tile_type: str = "png"

    @property
    def local(self) -> bool:
        return self.archive is not None

    @property
    def online(self) -> bool:
        """Tiles from the internet: never cached for offline use (their terms forbid bulk download)."""
        return self.key in _ONLINE


def parse_tiles(value: str, attribution: str = "") -> tuple[TileSource, ...]:
    """The sources PSQ_TILES names (see the module's docstring); ValueError in French if wrong."""
    value = value.strip()
    if value.lower() in ("", "none"):
        return ()
    prefix, _, rest = value.partition(":")
    if prefix.lower() in ("xyz", "wmts") and rest:
        return (_intranet(rest.strip(), prefix.lower(), attribution.strip()),)
    if prefix.lower() == "file" and rest:
        return (_archive_source(Path(rest.strip()), attribution.strip()),)
    if Path(value).suffix.lower() in ARCHIVE_READERS:
        return (_archive_source(Path(value), attribution.strip()),)
    keys = [key.strip().lower() for key in value.split(",") if key.strip()]
    unknown = [key for key in keys if key not in _ONLINE]
    if unknown:
        raise ValueError(
            f"PSQ_TILES : « {', '.join(unknown)} » inconnu ; valeurs possibles : none, osm, ign, "
            "xyz:URL, wmts:URL ou le chemin d'un fichier .pmtiles / .mbtiles"
        )
    return tuple(TileSource(key, *_ONLINE[key]) for key in dict.fromkeys(keys))


def _intranet(url: str, kind: str, attribution: str) -> TileSource:
    template = re.sub(
        r"\{(TileMatrix|TileCol|TileRow)\}", lambda m: _WMTS_NAMES[m.group(1).lower()], url, flags=re.IGNORECASE
    )
    # The offline listing must name exactly the URLs Leaflet asks for: no {s} sub-domains, no {r}.
    others = sorted(set(re.findall(r"\{[^}]*\}", template)) - {"{z}", "{x}", "{y}", "{-y}"})
    if others:
        raise ValueError(
            f"PSQ_TILES : {', '.join(others)} n'est pas pris en charge dans l'adresse des tuiles ; "
            "seuls {z}, {x}, {y} (ou {-y}) le sont"
        )
    if not re.match(r"^https?://[^/{}]+", template):
        raise ValueError(f"PSQ_TILES : l'adresse {kind} doit commencer par http:// ou https://, pas « {url} »")
    missing = [p for p in ("{z}", "{x}") if p not in template]
    if "{y}" not in template and "{-y}" not in template:
        missing.append("{y}")
    if missing:
        raise ValueError(f"PSQ_TILES : il manque {', '.join(missing)} dans l'adresse des tuiles « {url} »")
    if not attribution:
        raise ValueError("PSQ_TILES_ATTRIBUTION est obligatoire avec un serveur de tuiles (ex. « © IGN »)")
    return TileSource("intranet", "Fond de plan (intranet)", template, attribution)


def _archive_source(path: Path, attribution: str) -> TileSource:
    from diagnostics.config import PROJECT_ROOT

    path = path if path.is_absolute() else PROJECT_ROOT / path
    if path.suffix.lower() not in ARCHIVE_READERS:
        raise ValueError(f"PSQ_TILES : « {path.name} » n'est ni un fichier .pmtiles ni un fichier .mbtiles")
    if not path.is_file():
        raise ValueError(f"PSQ_TILES : fichier de tuiles introuvable : {path}")
    try:
        archive = open_archive(path)
    except (ArchiveError, OSError) as exc:
        raise ValueError(f"PSQ_TILES : {path.name} : {exc}") from None
    if archive.tile_type not in IMAGE_TYPES:
        raise ValueError(
            f"PSQ_TILES : {path.name} contient des tuiles « {archive.tile_type} » ; "
            "seules les tuiles images (png, jpg, webp) sont affichées"
        )
    credit = attribution or archive.attribution.strip()
    if not credit:
        raise ValueError(f"PSQ_TILES_ATTRIBUTION est obligatoire : {path.name} ne dit pas d'où viennent ses tuiles")
    return TileSource(
        "territoire",
        "Fond de plan du territoire",
        LOCAL_URL.format(z="{z}", x="{x}", y="{y}", ext=archive.tile_type),
        credit,
        min_zoom=archive.min_zoom,
        max_native_zoom=archive.max_zoom,
        bounds=archive.bounds,
        archive=path,
        tile_type=archive.tile_type,
    )


def open_archive(path: Path) -> PMTilesArchive | MBTilesArchive:
    """The reader of `path`, opened once per process while the file stays the same."""
    stat = path.stat()
    return _open_archive(path.resolve(), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _open_archive(path: Path, mtime_ns: int, size: int) -> PMTilesArchive | MBTilesArchive:
    return ARCHIVE_READERS[path.suffix.lower()](path)
