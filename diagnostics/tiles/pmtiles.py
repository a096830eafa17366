"""A reader of PMTiles v3 archives: one file holding every tile of a territory.

Written from the specification (github.com/protomaps/PMTiles, spec/v3/spec.md): a 127-byte
header, then directories of entries (tile id, offset, length, run length) encoded as varints
and compressed as the header says; tile ids run along a Hilbert curve per zoom level.
Only what a raster basemap needs: reading tiles and their sizes, never writing.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

MAGIC = b"PMTiles"
HEADER_LENGTH = 127
MAX_DEPTH = 4  # root + leaves: the specification's readers stop after 3 leaf levels

COMPRESSION = {0: "unknown", 1: "none", 2: "gzip", 3: "brotli", 4: "zstd"}
TILE_TYPES = {0: "unknown", 1: "mvt", 2: "png", 3: "jpg", 4: "webp", 5: "avif"}


class ArchiveError(ValueError):
    """A file that is not a readable tile archive (message in French)."""


@dataclass(frozen=True)
class Header:
    root_offset: int
    root_length: int
    metadata_offset: int
    metadata_length: int
    leaf_offset: int
    leaf_length: int
    data_offset: int
    data_length: int
    internal_compression: str
    tile_compression: str
    tile_type: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]  # west, south, east, north


@dataclass(frozen=True)
class Entry:
    tile_id: int
    offset: int
    length: int
    run_length: int  # 0: a leaf directory, not tiles


def zxy_to_tile_id(z: int, x: int, y: int) -> int:
    """The tile's id: the tiles of lower zooms first, then the Hilbert index of (x, y) at z."""
    if not (0 <= x < 1 << z and 0 <= y < 1 << z):
        raise ValueError(f"tile {z}/{x}/{y} outside the zoom level")
    tile_id = ((1 << (2 * z)) - 1) // 3  # 4^0 + … + 4^(z-1)
    size = 1 << z
    s = size >> 1
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        tile_id += s * s * ((3 * rx) ^ ry)
        if ry == 0:  # rotate the quadrant so that the curve stays continuous
            if rx == 1:
                x, y = size - 1 - x, size - 1 - y
            x, y = y, x
        s >>= 1
    return tile_id


def read_header(data: bytes) -> Header:
    if len(data) < HEADER_LENGTH or data[:7] != MAGIC:
        raise ArchiveError("ce fichier n'est pas une archive PMTiles")
    if data[7] != 3:
        raise ArchiveError(f"archive PMTiles en version {data[7]} : seule la version 3 est lue")
    offsets = struct.unpack_from("<8Q", data, 8)
    internal, tile_compression, tile_type, min_zoom, max_zoom = struct.unpack_from("<5B", data, 97)
    west, south, east, north = (v / 1e7 for v in struct.unpack_from("<4i", data, 102))
    return Header(
        *offsets,
        internal_compression=COMPRESSION.get(internal, "unknown"),
        tile_compression=COMPRESSION.get(tile_compression, "unknown"),
        tile_type=TILE_TYPES.get(tile_type, "unknown"),
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        bounds=(west, south, east, north),
    )


def _varints(data: bytes):
    value = shift = 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        if byte & 0x80:
            shift += 7
            continue
        yield value
        value = shift = 0
    if shift:
        raise ArchiveError("répertoire PMTiles tronqué")


def decode_directory(data: bytes) -> list[Entry]:
    """Entries of a decompressed directory: ids as deltas, then run lengths, lengths, offsets."""
    numbers = _varints(data)
    try:
        count = next(numbers)
        ids, tile_id = [], 0
        for _ in range(count):
            tile_id += next(numbers)
            ids.append(tile_id)
        runs = [next(numbers) for _ in range(count)]
        lengths = [next(numbers) for _ in range(count)]
        entries: list[Entry] = []
        for i in range(count):
            raw = next(numbers)
            # 0 after the first entry: this one follows the previous one in the file
            offset = entries[-1].offset + entries[-1].length if raw == 0 and i > 0 else raw - 1
            entries.append(Entry(ids[i], offset, lengths[i], runs[i]))
    except StopIteration:
        raise ArchiveError("répertoire PMTiles tronqué") from None
    return entries


def find_entry(entries: list[Entry], tile_id: int) -> Entry | None:
    """The entry holding `tile_id`: exact, within a run, or the leaf directory that covers it."""
    low, high = 0, len(entries) - 1
    while low <= high:
        middle = (low + high) // 2
        if entries[middle].tile_id < tile_id:
            low = middle + 1
        elif entries[middle].tile_id > tile_id:
            high = middle - 1
        else:
            return entries[middle]
    if high >= 0:
        before = entries[high]
        if before.run_length == 0 or tile_id - before.tile_id < before.run_length:
            return before
    return None


class PMTilesArchive:
    """Tiles of a PMTiles v3 file, read with positioned reads (safe from several threads)."""

    kind = "pmtiles"

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY)
        self.header = read_header(self._read(0, HEADER_LENGTH))
        if self.header.internal_compression not in ("none", "gzip"):
            raise ArchiveError(
                f"répertoires compressés en {self.header.internal_compression} : seuls gzip et aucune sont lus"
            )
        if self.header.tile_compression not in ("none", "gzip", "unknown"):
            raise ArchiveError(f"tuiles compressées en {self.header.tile_compression} : non prises en charge")
        self._directory = functools.lru_cache(maxsize=256)(self._load_directory)
        self.metadata = self._load_metadata()
        self._directory(self.header.root_offset, self.header.root_length)  # a damaged file fails at start-up

    @property
    def tile_type(self) -> str:
        return self.header.tile_type

    @property
    def min_zoom(self) -> int:
        return self.header.min_zoom

    @property
    def max_zoom(self) -> int:
        return self.header.max_zoom

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.header.bounds

    @property
    def attribution(self) -> str:
        return str(self.metadata.get("attribution") or "")

    def close(self) -> None:
        os.close(self._fd)

    def _read(self, offset: int, length: int) -> bytes:
        data = os.pread(self._fd, length, offset)
        if len(data) != length:
            raise ArchiveError("archive PMTiles tronquée")
        return data

    def _decompress(self, data: bytes, compression: str) -> bytes:
        if compression != "gzip":
            return data
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise ArchiveError("archive PMTiles abîmée (données gzip illisibles)") from None

    def _load_directory(self, offset: int, length: int) -> list[Entry]:
        return decode_directory(self._decompress(self._read(offset, length), self.header.internal_compression))

    def _load_metadata(self) -> dict:
        if not self.header.metadata_length:
            return {}
        raw = self._read(self.header.metadata_offset, self.header.metadata_length)
        try:
            value = json.loads(self._decompress(raw, self.header.internal_compression))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _entry(self, z: int, x: int, y: int) -> Entry | None:
        if not self.min_zoom <= z <= self.max_zoom:
            return None
        tile_id = zxy_to_tile_id(z, x, y)
        offset, length = self.header.root_offset, self.header.root_length
        for _ in range(MAX_DEPTH):
            entry = find_entry(self._directory(offset, length), tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                return entry
            offset, length = self.header.leaf_offset + entry.offset, entry.length
        return None

    def tile_length(self, z: int, x: int, y: int) -> int | None:
        """Bytes the tile takes in the archive (what a client downloads), or None if absent."""
        entry = self._entry(z, x, y)
        return None if entry is None else entry.length

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's image, or None when the archive has no tile there."""
        entry = self._entry(z, x, y)
        if entry is None:
            return None
        data = self._read(self.header.data_offset + entry.offset, entry.length)
        if self.header.tile_compression == "gzip" or (
            self.header.tile_compression == "unknown" and data[:2] == b"\x1f\x8b"
        ):
            data = self._decompress(data, "gzip")
        return data
