"""Parsing a file someone sent in a child process of its own, so that what a hostile file can do
to a parser (crash it, make it eat memory or time, make GDAL read other files or the network)
costs that process only.

The parent starts `python -m diagnostics.io.isolation` with the request on stdin. The child
limits its own address space (RLIMIT_AS) and CPU time before it imports anything large, keeps
only the one GDAL driver the format needs (every other driver is skipped through GDAL_SKIP, so
GDAL cannot choose a driver from the content: no VRT, no GDALG), points GDAL's HTTP at a closed
port, and answers with one Arrow IPC stream of data only (`frame_wire`: never a pickle, and the
parent validates every buffer: it does not trust the child either).
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from diagnostics import config
from diagnostics.errors import DiagnosticsError
from diagnostics.io import frame_wire
from diagnostics.io.files import FORMAT_LABELS
from diagnostics.texts import imports_text as text

# format → the only GDAL driver that may open it (CSV is read by pandas: no driver at all)
DRIVERS: dict[str, str | None] = {
    "geojson": "GeoJSON",
    "gpkg": "GPKG",
    "shp": "ESRI Shapefile",
    "kml": "LIBKML",
    "kmz": "LIBKML",  # its KML is extracted by the archive checks first, then checked as a KML
    "gpx": "GPX",
    "csv": None,
    "xlsx": None,  # openpyxl
    "ods": "ODS",
}
# GDAL configuration of the child: no network, no looking around the file's folder.
GDAL_OFFLINE = {
    "GDAL_HTTP_PROXY": "127.0.0.1:9",  # discard port: nothing listens, nothing leaves
    "GDAL_HTTPS_PROXY": "127.0.0.1:9",
    "GDAL_HTTP_TIMEOUT": "1",
    "GDAL_HTTP_MAX_RETRY": "0",
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".psq-never",
    "CPL_VSIL_CURL_USE_HEAD": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "OGR_SQLITE_ALLOW_LOAD_EXTENSIONS": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_OGR_VRT": "NO",
}
# GDAL registers these whatever GDAL_SKIP says; each needs binary content or headers that the
# sniffer refuses in a file of another format, and the opening driver is checked anyway.
_UNSKIPPABLE = {"ESRI Shapefile", "MapInfo File"}
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
_FAULT = "PSQ_TEST_IMPORT_FAULT"  # tests only: "segfault", "memory" or "sleep" in the child
_OK, _REFUSED, _NO_MEMORY = 0, 2, 3


def read_isolated(path: Path, fmt: str, options: dict) -> tuple:
    """(GeoDataFrame, notes) read from `path` by a child process; DiagnosticsError in French."""
    seconds = config.import_seconds()
    memory = config.import_memory_bytes()
    request = {"path": str(path), "fmt": fmt, "options": options, "memory": memory, "seconds": seconds}
    try:
        child = subprocess.run(
            [sys.executable, "-m", "diagnostics.io.isolation"],
            input=json.dumps(request).encode(),
            capture_output=True,
            env=_environment(fmt),
            timeout=seconds + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DiagnosticsError(text("parser_timeout", seconds=seconds)) from None
    if child.returncode == _OK:
        return frame_wire.decode(child.stdout)
    if child.returncode == _REFUSED:
        raise DiagnosticsError(json.loads(child.stdout)["error"])
    if child.returncode == _NO_MEMORY:
        raise DiagnosticsError(text("parser_memory", megabytes=memory // (1024 * 1024)))
    if child.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise DiagnosticsError(text("parser_timeout", seconds=seconds))
    if child.returncode > 0:  # an exception the readers do not expect (its traceback stays in the child)
        raise DiagnosticsError(text("unreadable", format=FORMAT_LABELS.get(fmt, fmt), reason=text("reader_failed")))
    raise DiagnosticsError(text("parser_crashed"))


def _environment(fmt: str) -> dict[str, str]:
    import pyogrio

    wanted = DRIVERS[fmt]
    skipped = sorted(name for name in pyogrio.list_drivers() if name != wanted) + ["OGR_VRT", "VRT", "GDALG"]
    environment = {k: v for k, v in os.environ.items() if k not in _PROXY_VARIABLES and not k.startswith("GDAL_")}
    environment.update(GDAL_OFFLINE)
    environment["GDAL_SKIP"] = " ".join(dict.fromkeys(skipped))
    # RLIMIT_AS counts reserved address space, not memory used: OpenBLAS's per-core buffers and
    # glibc's per-thread malloc arenas reserve hundreds of megabytes the parser never touches, and
    # GEOS then crashed writing the WKB of a 120,000-point GPX track at 1.5 GB (issue 19).
    environment.update(OPENBLAS_NUM_THREADS="1", MALLOC_ARENA_MAX="2")
    root = str(config.PROJECT_ROOT)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return environment


# --- The child ---------------------------------------------------------------------------------


def _child() -> int:
    request = json.loads(sys.stdin.buffer.read())
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (request["seconds"], request["seconds"] + 1))
    try:
        _fault(os.environ.get(_FAULT, ""))
        import pyogrio

        from diagnostics.io import files

        pyogrio.set_gdal_config_options(GDAL_OFFLINE)
        fmt, path = request["fmt"], Path(request["path"])
        wanted = DRIVERS[fmt]
        if set(pyogrio.list_drivers()) - {wanted} - _UNSKIPPABLE:  # GDAL_SKIP did not apply
            raise DiagnosticsError(text("parser_crashed"))
        # zips are checked before any driver opens them: shapefiles by `shapefile`, .ods by `spreadsheet`, KMZ by `kml`
        if wanted and fmt not in ("shp", "ods", "kmz") and _opening_driver(pyogrio, path) != wanted:
            raise DiagnosticsError(text("wrong_driver", format=files.FORMAT_LABELS[fmt]))
        frame, notes = files.read_with_notes(path, fmt, **request["options"])
        frame_wire.write(frame_wire.encode(frame, notes), sys.stdout.buffer)
    except MemoryError:  # pyarrow's ArrowMemoryError is one
        return _NO_MEMORY
    except DiagnosticsError as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}))
        return _REFUSED
    return _OK


def _opening_driver(pyogrio, path: Path) -> str | None:
    try:
        return pyogrio.read_info(path)["driver"]
    except Exception:  # pyogrio's DataSourceError and friends: no allowed driver can open it
        return None


def _fault(kind: str) -> None:
    """Faults the tests inject into the child, to check that the parent survives them."""
    if kind == "segfault":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif kind == "memory":
        bytearray(1 << 40)  # beyond any RLIMIT_AS: MemoryError
    elif kind == "sleep":
        while True:
            pass  # burns CPU until RLIMIT_CPU or the parent's timeout stops it


if __name__ == "__main__":
    sys.exit(_child())
