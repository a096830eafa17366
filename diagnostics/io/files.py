"""Which format a file is in, checked from its bytes, and the readers and writers of each format.

A file is refused before parsing when it is too large or when its bytes do not match what its
name claims (a `.gpkg` that is not SQLite, a `.zip` that is not a zip…).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from diagnostics.errors import DiagnosticsError

# format → file name endings it may carry
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",),
    "shp": (".zip", ".shp.zip"),
    "kml": (".kml",),
    "csv": (".csv", ".txt"),
}
FORMAT_LABELS: dict[str, str] = {
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shp": "Shapefile zippé",
    "kml": "KML",
    "csv": "CSV (tableur)",
}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"


class FileRefused(DiagnosticsError):
    """The file is refused before parsing (size, type). The message is French."""


def format_from_name(name: str) -> str:
    lower = name.lower()
    for fmt, endings in EXTENSIONS.items():
        if lower.endswith(endings):
            return fmt
    known = ", ".join(sorted({e for endings in EXTENSIONS.values() for e in endings}))
    raise FileRefused(f"Extension de fichier non reconnue : « {Path(name).name} ». Extensions acceptées : {known}.")


def sniff(head: bytes) -> str | None:
    """The format the first bytes show, or None for plain text that could be a CSV."""
    if head.startswith(_SQLITE_MAGIC):
        return "gpkg"
    if head.startswith(_ZIP_MAGIC):
        return "shp"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{"):
        return "geojson"
    if text.startswith(b"<"):
        return "kml"
    return None


def check_file(path: Path, *, max_bytes: int, name: str | None = None) -> str:
    """The file's format, from its name, once its size and its bytes agree; else FileRefused."""
    name = name or path.name
    size = path.stat().st_size
    if size > max_bytes:
        raise FileRefused(
            f"Fichier trop volumineux : {size / 1e6:.1f} Mo pour {max_bytes / 1e6:.0f} Mo au plus "
            "(réglage PSQ_IMPORT_MAX_MB)."
        )
    if size == 0:
        raise FileRefused("Le fichier est vide.")
    claimed = format_from_name(name)
    with path.open("rb") as handle:
        head = handle.read(4096)
    actual = sniff(head)
    if claimed == "csv":
        if actual is not None or b"\x00" in head:
            raise FileRefused(_mismatch(name, claimed, actual))
    elif actual != claimed:
        raise FileRefused(_mismatch(name, claimed, actual))
    if claimed == "kml" and b"<kml" not in head and b"<KML" not in head:
        raise FileRefused(_mismatch(name, claimed, "xml"))
    return claimed


def _mismatch(name: str, claimed: str, actual: str | None) -> str:
    seen = FORMAT_LABELS.get(actual or "", "un fichier texte" if actual is None else actual.upper())
    return (
        f"Le fichier « {Path(name).name} » n'est pas ce que son nom annonce "
        f"({FORMAT_LABELS[claimed]}) : son contenu ressemble à {seen}. Il est refusé."
    )


def read(path: Path, fmt: str, **options) -> gpd.GeoDataFrame:
    """Read `path` in `fmt`; the frame keeps the file's coordinate system (None when it has none)."""
    from diagnostics.io import csvfile, geojson, gpkg, kml, shapefile

    readers = {
        "geojson": geojson.read,
        "gpkg": gpkg.read,
        "shp": shapefile.read,
        "kml": kml.read,
        "csv": csvfile.read,
    }
    try:
        return readers[fmt](path, **options)
    except DiagnosticsError:
        raise
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiagnosticsError(f"Fichier illisible ({FORMAT_LABELS[fmt]}) : {exc}") from exc
    except Exception as exc:  # pyogrio and GDAL raise their own error classes
        raise DiagnosticsError(f"Fichier illisible ({FORMAT_LABELS[fmt]}) : {exc}") from exc


def write(frame: gpd.GeoDataFrame, path: Path, fmt: str, *, layer: str = "layer") -> int:
    """Write `frame` to `path` in `fmt`; returns the number of features."""
    from diagnostics.io import csvfile, geojson, gpkg, kml, shapefile

    if fmt == "geojson":
        return geojson.write_layer(frame, path)
    writers = {"gpkg": gpkg.write, "shp": shapefile.write, "kml": kml.write, "csv": csvfile.write}
    if fmt not in writers:
        raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: geojson, {', '.join(writers)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    return writers[fmt](frame, path, layer=layer)
