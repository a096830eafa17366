"""A reader of MBTiles files (SQLite: a `metadata` table and a `tiles` table, rows in TMS order).

Specification: github.com/mapbox/mbtiles-spec (1.3). Only the standard library is needed.
"""

from __future__ import annotations

import gzip
import sqlite3
import threading
from pathlib import Path

from diagnostics.tiles.pmtiles import ArchiveError

_FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp", "pbf": "mvt"}
WORLD = (-180.0, -85.0511, 180.0, 85.0511)
_TILE_QUERY = "SELECT {column} FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"


class MBTilesArchive:
    """Tiles of an MBTiles file, opened read-only, one connection per thread."""

    kind = "mbtiles"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        try:
            rows = self._connection().execute("SELECT name, value FROM metadata").fetchall()
            zooms = self._connection().execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
            plan = self._connection().execute(f"EXPLAIN QUERY PLAN {_TILE_QUERY.format(column='tile_data')}", (0, 0, 0))
            scans = [row[-1] for row in plan if str(row[-1]).startswith("SCAN")]
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"ce fichier n'est pas une archive MBTiles lisible ({exc})") from None
        if scans:  # each tile would read the whole file: seconds per tile on a territory
            raise ArchiveError(
                "l'archive MBTiles n'a pas d'index sur ses tuiles ; créez-le une fois : sqlite3 FICHIER "
                '"CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)"'
            )
        self.metadata = {str(name): str(value) for name, value in rows}
        self.tile_type = _FORMATS.get(self.metadata.get("format", "png").lower(), "unknown")
        self.min_zoom = _int(self.metadata.get("minzoom"), zooms[0])
        self.max_zoom = _int(self.metadata.get("maxzoom"), zooms[1])
        if self.min_zoom is None or self.max_zoom is None:
            raise ArchiveError("l'archive MBTiles ne contient aucune tuile")
        self.bounds = _bounds(self.metadata.get("bounds"))

    @property
    def attribution(self) -> str:
        return self.metadata.get("attribution", "")

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            if not self.path.is_file():
                raise ArchiveError(f"fichier introuvable : {self.path}")
            connection = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
            self._local.connection = connection
        return connection

    def _row(self, column: str, z: int, x: int, y: int):
        tms_row = (1 << z) - 1 - y  # MBTiles counts rows from the south
        return (
            self._connection()
            .execute(
                f"SELECT {column} FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, tms_row),
            )
            .fetchone()
        )

    def tile_length(self, z: int, x: int, y: int) -> int | None:
        row = self._row("length(tile_data)", z, x, y)
        return None if row is None else int(row[0])

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        row = self._row("tile_data", z, x, y)
        if row is None:
            return None
        data = bytes(row[0])
        return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None


def _int(value: str | None, fallback: int | None) -> int | None:
    try:
        return int(value) if value is not None else fallback
    except ValueError:
        return fallback


def _bounds(value: str | None) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in (value or "").split(","))
    except ValueError:
        return WORLD
    return west, south, east, north
