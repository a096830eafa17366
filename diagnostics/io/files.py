"""Which format a file is in, checked from its bytes, and the readers and writers of each format.

A file is refused before parsing when it is too large or when its bytes do not match what its
name claims (a `.gpkg` that is not SQLite, a `.zip` that is not a zip…).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd

from diagnostics.errors import DiagnosticsError
from diagnostics.texts import imports_text as text

# format → file name endings it may carry
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "geojson": (".geojson", ".json"),
    "gpkg": (".gpkg",),
    "shp": (".zip", ".shp.zip"),
    "kml": (".kml",),
    "kmz": (".kmz",),
    "gpx": (".gpx",),
    "csv": (".csv", ".txt"),
    "xlsx": (".xlsx",),
    "ods": (".ods",),
}
FORMAT_LABELS: dict[str, str] = {
    "geojson": "GeoJSON",
    "gpkg": "GeoPackage",
    "shp": "Shapefile zippé",
    "kml": "KML",
    "kmz": "KMZ (KML zippé)",
    "gpx": "GPX",
    "csv": "CSV (tableur)",
    "xlsx": "Excel (.xlsx)",
    "ods": "OpenDocument (.ods)",
}
TABLES = ("csv", "xlsx", "ods")  # one row per object, a header row, positions in columns
SPREADSHEETS = ("xlsx", "ods")
_ZIPPED = ("shp", "xlsx", "ods", "kmz")
# A GPX is XML, as a KML; the root element an XML format must show in its first bytes.
_SNIFFED_AS = {"gpx": "kml", "csv": None}
_ROOT_TAGS = {"kml": b"<kml", "gpx": b"<gpx"}
_SQLITE_MAGIC = b"SQLite format 3\x00"
_ZIP_MAGIC = b"PK\x03\x04"
# Binary formats people send by mistake, named in the refusal.
_OTHER_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "une image PNG",
    b"\xff\xd8\xff": "une image JPEG",
    b"GIF8": "une image GIF",
    b"%PDF": "un document PDF",
    b"\xd0\xcf\x11\xe0": "un document Office (Excel, Word…)",
    b"\x1f\x8b": "une archive gzip",
    b"Rar!": "une archive RAR",
    b"7z\xbc\xaf": "une archive 7-Zip",
}


class FileRefused(DiagnosticsError):
    """The file is refused before parsing (size, type). The message is French."""


def format_from_name(name: str) -> str:
    lower = name.lower()
    for fmt, endings in EXTENSIONS.items():
        if lower.endswith(endings):
            return fmt
    known = ", ".join(sorted({e for endings in EXTENSIONS.values() for e in endings}))
    raise FileRefused(text("extension", name=Path(name).name, known=known))


def sniff(head: bytes) -> str | None:
    """The format the first bytes show, "binary" for other binary content, or None for plain
    text that could be a CSV."""
    if head.startswith(_SQLITE_MAGIC):
        return "gpkg"
    if head.startswith(_ZIP_MAGIC):
        return "shp"
    if _binary(head):
        return "binary"
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
        raise FileRefused(text("too_large", size=f"{size / 1e6:.1f}", limit=f"{max_bytes / 1e6:.0f}"))
    if size == 0:
        raise FileRefused(text("file_empty"))
    claimed = format_from_name(name)
    with path.open("rb") as handle:
        head = handle.read(4096)
    actual = sniff(head)
    if claimed == "csv" and actual is None and b"\x00" in head:
        raise FileRefused(text("nul_bytes"))
    if claimed in ("xlsx", "ods") and head.startswith(b"\xd0\xcf\x11\xe0"):  # encrypted OOXML is OLE
        raise FileRefused(text("sheet_protected"))
    if claimed in _ZIPPED and actual == "shp":
        actual = claimed  # a zip: its members are checked as they are read
    if actual != _SNIFFED_AS.get(claimed, claimed):
        raise FileRefused(_mismatch(name, claimed, actual, head))
    tag = _ROOT_TAGS.get(claimed)
    if tag and tag not in head.lower():
        raise FileRefused(_mismatch(name, claimed, "xml", head))
    if claimed not in _ZIPPED:  # zip members are checked as they are extracted
        found = indirection(path)
        if found:
            raise FileRefused(text("indirection", name=Path(name).name, what=found))
    if tag:
        check_xml(path, Path(name).name)
    return claimed


# XML declarations no GPX or KML needs, and through which a parser can be made to read other
# files (external entities, XXE) or to expand a few bytes into gigabytes (billion laughs).
_XML_DECLARATIONS = (b"<!doctype", b"<!entity")


def check_xml(path: Path, name: str) -> None:
    """Refuse an XML file that declares a DTD or entities (read in bounded chunks)."""
    tail = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            window = (tail + chunk).lower()
            if any(marker in window for marker in _XML_DECLARATIONS):
                raise FileRefused(text("xml_declarations", name=name))
            tail = window[-16:]


# Content that makes GDAL read something else: virtual datasets, pipelines, virtual file systems.
INDIRECTIONS = {
    b"ogrvrtdatasource": "jeu de données virtuel OGR VRT",
    b"vrtdataset": "jeu de données virtuel VRT",
    b"gdal_streamed_alg": "traitement GDALG",
    b"/vsi": "système de fichiers virtuel GDAL (/vsi…)",
}
_CHUNK = 1 << 20


def indirection(path: Path) -> str | None:
    """What in the file would make GDAL open another source, or None (read in bounded chunks)."""
    with path.open("rb") as handle:
        return indirection_in(iter(lambda: handle.read(_CHUNK), b""))


def indirection_in(chunks) -> str | None:
    tail = b""
    for chunk in chunks:
        window = (tail + chunk).lower()
        for marker, what in INDIRECTIONS.items():
            if marker in window:
                return what
        tail = window[-32:]
    return None


def _binary(head: bytes) -> bool:
    """Not text: a known binary signature, or bytes no text encoding uses (NUL aside: CSVs)."""
    if any(head.startswith(magic) for magic in _OTHER_MAGIC):
        return True
    sample = head.replace(b"\x00", b"")
    controls = sum(1 for byte in sample if byte < 9 or 13 < byte < 32)
    return bool(sample) and controls > len(sample) // 20


def _mismatch(name: str, claimed: str, actual: str | None, head: bytes) -> str:
    label = FORMAT_LABELS[claimed]
    if actual is None:
        seen = text("seen_text", claimed=label)
    elif actual == "binary":
        known = (what for magic, what in _OTHER_MAGIC.items() if head.startswith(magic))
        what = next(known, "binaire, d'un format inconnu")
        seen = text("seen_binary", what=what)
    elif actual == "xml":
        seen = text("seen_xml", tag=_ROOT_TAGS[claimed].decode()[1:])
    else:
        seen = text("seen_format", label=FORMAT_LABELS[actual])
    return text("mismatch", name=Path(name).name, claimed=label, seen=seen)


def read(path: Path, fmt: str, **options) -> gpd.GeoDataFrame:
    """Read `path` in `fmt`; the frame keeps the file's coordinate system (None when it has none)."""
    from diagnostics.io import csvfile, geojson, gpkg, gpx, kml, shapefile

    readers = {
        "geojson": geojson.read,
        "gpkg": gpkg.read,
        "shp": shapefile.read,
        "kml": kml.read,
        "kmz": kml.read_kmz,
        "gpx": gpx.read,
        "csv": csvfile.read,
    }
    if fmt in ("xlsx", "ods"):
        from diagnostics.io import spreadsheet

        return _readable(fmt, lambda: spreadsheet.read(path, fmt, **options))
    try:
        return readers[fmt](path, **options)
    except (DiagnosticsError, MemoryError):  # the isolation child says « mémoire » in French
        raise
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DiagnosticsError(text("unreadable", format=FORMAT_LABELS[fmt], reason=exc)) from exc
    except Exception as exc:  # pyogrio and GDAL raise their own error classes
        raise DiagnosticsError(text("unreadable", format=FORMAT_LABELS[fmt], reason=exc)) from exc


def read_upload(path: Path, fmt: str, **options) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read a file someone sent, in a child process with bounded memory and time (see
    `isolation`): the frame and notes about how it was read (the encoding chosen…)."""
    from diagnostics.io.isolation import read_isolated

    return read_isolated(path, fmt, options)


def read_with_notes(path: Path, fmt: str, **options) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Read `path` in this process (the isolation child calls this): the frame and notes."""
    from diagnostics.io import gpkg, shapefile

    notes: list[str] = []
    if fmt == "shp":
        return _readable(fmt, lambda: shapefile.read(path, notes=notes, **options)), notes
    if fmt == "csv":
        return read(path, fmt, notes=notes, **options), notes
    if fmt == "gpkg":  # already in a fresh process: no worker of its own
        return _readable(fmt, lambda: gpkg.read_here(path)), notes
    return read(path, fmt, **options), notes


def _readable(fmt: str, reader):
    try:
        return reader()
    except (DiagnosticsError, MemoryError):
        raise
    except Exception as exc:  # pyogrio and GDAL raise their own error classes
        raise DiagnosticsError(text("unreadable", format=FORMAT_LABELS[fmt], reason=exc)) from exc


def write(frame: gpd.GeoDataFrame, path: Path, fmt: str, *, layer: str = "layer") -> int:
    """Write `frame` to `path` in `fmt`; returns the number of features."""
    from diagnostics.io import csvfile, geojson, gpkg, kml, shapefile, spreadsheet

    if fmt == "geojson":
        return geojson.write_layer(frame, path)
    writers = {
        "gpkg": gpkg.write,
        "shp": shapefile.write,
        "kml": kml.write,
        "csv": csvfile.write,
        "xlsx": spreadsheet.write,
    }
    if fmt not in writers:
        raise DiagnosticsError(f"Unknown format '{fmt}'; choose one of: geojson, {', '.join(writers)}")
    if fmt == "shp" and not path.name.lower().endswith(".zip"):
        raise DiagnosticsError(text("shp_needs_zip", name=path.name, suggested=f"{path.name.split('.')[0]}.zip"))
    path.parent.mkdir(parents=True, exist_ok=True)
    return writers[fmt](frame, path, layer=layer)
