"""Small tile files made by the tests themselves: PNG tiles drawn with Pillow over Gray and
Vesoul, written as MBTiles and as PMTiles v3 (a minimal writer, root or leaf directories).
No tile is ever fetched from outside."""

from __future__ import annotations

import functools
import gzip
import io
import json
import sqlite3
import struct
from pathlib import Path

from PIL import Image, ImageDraw

from diagnostics.tiles.coverage import tiles_in
from diagnostics.tiles.pmtiles import zxy_to_tile_id

GRAY = (5.55, 47.42, 5.64, 47.47)
VESOUL = (6.11, 47.60, 6.20, 47.65)
ZOOMS = range(10, 15)
ATTRIBUTION = "© Tuiles de test PSQ"


@functools.cache  # the same tiles serve every test module of a run
def draw_tile(z: int, x: int, y: int) -> bytes:
    """A 256 px PNG that looks like streets (a grid of roads) and names its own z/x/y."""
    image = Image.new("RGB", (256, 256), (242, 239, 233))
    pen = ImageDraw.Draw(image)
    step = 64 if z < 13 else 32
    for i in range(0, 257, step):
        pen.line([(i, 0), (i, 256)], fill=(255, 255, 255), width=5)
        pen.line([(0, i), (256, i)], fill=(255, 255, 255), width=5)
    pen.line([(0, 256), (256, 0)], fill=(247, 202, 120), width=9)
    pen.rectangle([0, 0, 255, 255], outline=(200, 190, 180))
    pen.text((8, 8), f"{z}/{x}/{y}", fill=(90, 90, 90))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def sample_tiles(areas=(GRAY, VESOUL), zooms=ZOOMS) -> dict[tuple[int, int, int], bytes]:
    tiles = {}
    for z in zooms:
        for area in areas:
            for tile in tiles_in(area, z):
                tiles.setdefault(tile, draw_tile(*tile))
    return tiles


def _bounds_of(areas) -> tuple[float, float, float, float]:
    return (
        min(a[0] for a in areas),
        min(a[1] for a in areas),
        max(a[2] for a in areas),
        max(a[3] for a in areas),
    )


def write_mbtiles(
    path: Path, tiles: dict, *, attribution: str = ATTRIBUTION, areas=(GRAY, VESOUL), index: bool = True
) -> Path:
    zooms = sorted({z for z, _, _ in tiles})
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        if index:  # as the specification asks
            db.execute("CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)")
        metadata = {
            "name": "test",
            "format": "png",
            "minzoom": str(zooms[0]),
            "maxzoom": str(zooms[-1]),
            "bounds": ",".join(str(v) for v in _bounds_of(areas)),
        }
        if attribution:
            metadata["attribution"] = attribution
        db.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
        db.executemany(
            "INSERT INTO tiles VALUES (?, ?, ?, ?)",
            [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()],
        )
    return path


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _directory(entries: list[tuple[int, int, int, int]]) -> bytes:
    """(tile_id, offset, length, run_length) → the v3 encoding, gzip-compressed."""
    out = bytearray(_varint(len(entries)))
    last = 0
    for tile_id, *_ in entries:
        out += _varint(tile_id - last)
        last = tile_id
    out += b"".join(_varint(run) for *_, run in entries)
    out += b"".join(_varint(length) for _, _, length, _ in entries)
    for i, (_, offset, _, _) in enumerate(entries):
        follows = i > 0 and offset == entries[i - 1][1] + entries[i - 1][2]
        out += _varint(0 if follows else offset + 1)
    return gzip.compress(bytes(out))


def write_pmtiles(
    path: Path, tiles: dict, *, attribution: str = ATTRIBUTION, leaf_size: int | None = None, areas=(GRAY, VESOUL)
) -> Path:
    ordered = sorted((zxy_to_tile_id(*tile), data) for tile, data in tiles.items())
    data_section = bytearray()
    entries = []
    for tile_id, data in ordered:
        entries.append((tile_id, len(data_section), len(data), 1))
        data_section += data
    leaves = bytearray()
    if leaf_size:
        root_entries = []
        for start in range(0, len(entries), leaf_size):
            chunk = _directory(entries[start : start + leaf_size])
            root_entries.append((entries[start][0], len(leaves), len(chunk), 0))
            leaves += chunk
        root = _directory(root_entries)
    else:
        root = _directory(entries)
    metadata = gzip.compress(json.dumps({"attribution": attribution} if attribution else {}).encode())
    zooms = sorted({z for z, _, _ in tiles})
    west, south, east, north = _bounds_of(areas)
    root_offset = 127
    metadata_offset = root_offset + len(root)
    leaf_offset = metadata_offset + len(metadata)
    data_offset = leaf_offset + len(leaves)
    header = b"PMTiles" + bytes([3])
    header += struct.pack(
        "<8Q",
        root_offset,
        len(root),
        metadata_offset,
        len(metadata),
        leaf_offset,
        len(leaves),
        data_offset,
        len(data_section),
    )
    header += struct.pack("<3Q", len(entries), len(entries), len(entries))
    header += struct.pack("<6B", 1, 2, 1, 2, zooms[0], zooms[-1])  # clustered, gzip dirs, raw tiles, png
    header += struct.pack("<4i", *(round(v * 1e7) for v in (west, south, east, north)))
    header += struct.pack("<B2i", zooms[0], round((west + east) / 2 * 1e7), round((south + north) / 2 * 1e7))
    assert len(header) == 127
    path.write_bytes(header + root + metadata + bytes(leaves) + bytes(data_section))
    return path
