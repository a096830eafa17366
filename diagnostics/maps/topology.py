"""Areas as a compact topology for the commanders' map (assets/topology.js turns it back into
GeoJSON): every border shared by two communes is sent once, as TopoJSON does, coordinates are
whole units of 1e-5 degree (about a metre: finer than a pixel at the map's closest fitted zoom,
15, where a pixel is about 3 m) written as differences from the previous point, across arcs.

The 1,028 communes of 70 and 39 (26,000 vertices, already generalised by their source) went
from 688 KB of GeoJSON, 174 KB gzip'd, to about a fifth of that gzip'd: the coordinates were
most of the bytes, and 88 % of the borders are shared.

    {"type": "PsqTopology", "scale": 1e-5,
     "arcs": [[dx0, dy0, dx1, dy1, …], …],   (the first point of all from 0, 0)
     "areas": [{"properties": {…}, "polygons": [[[arc, ~arc, …] ring, …] polygon, …]}, …]}

A ring is its arcs end to end; `~i` (that is `-i - 1`) is arc `i` walked backwards; each arc
after the first of a ring starts at the point where the previous one ended.
"""

from __future__ import annotations

import json
from collections import defaultdict

import geopandas as gpd
import numpy as np
import shapely

SCALE = 1e-5


def encode(areas: gpd.GeoDataFrame, properties: list[dict]) -> str:
    """The areas (WGS84 polygons) with one dict of (already escaped) `properties` each."""
    rings, shapes = _rings(areas.geometry)
    owners = _segment_owners(rings)
    arcs: list[list[tuple[int, int]]] = []
    known: dict[tuple, int] = {}  # an arc's first segment (as walked when created) → its index
    refs = [_ring_arcs(index, ring, owners, arcs, known) for index, ring in enumerate(rings)]
    areas_out = []
    for props, polygons in zip(properties, shapes, strict=True):
        areas_out.append({"properties": props, "polygons": [[refs[ring] for ring in polygon] for polygon in polygons]})
    return json.dumps(
        {"type": "PsqTopology", "scale": SCALE, "arcs": _deltas(arcs), "areas": areas_out},
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _rings(geometries) -> tuple[list[list[tuple[int, int]]], list[list[list[int]]]]:
    """Every ring as integer points (closed, no repeated point), and per area its polygons as
    lists of ring indices (exterior first)."""
    rings: list[list[tuple[int, int]]] = []
    shapes = []
    for geometry in geometries:
        polygons = []
        for polygon in shapely.get_parts(geometry) if geometry is not None else []:
            if polygon.is_empty:
                continue
            indices = []
            for ring in [polygon.exterior, *polygon.interiors]:
                points = np.rint(np.asarray(ring.coords)[:, :2] / SCALE).astype(np.int64)
                kept = [tuple(int(v) for v in points[0])]
                for point in points[1:]:
                    if tuple(point) != kept[-1]:
                        kept.append((int(point[0]), int(point[1])))
                if len(kept) >= 4:
                    indices.append(len(rings))
                    rings.append(kept)
            if indices:
                polygons.append(indices)
        shapes.append(polygons)
    return rings, shapes


def _segment_owners(rings) -> dict[frozenset, frozenset]:
    owners = defaultdict(set)
    for index, ring in enumerate(rings):
        for a, b in zip(ring, ring[1:], strict=False):
            owners[frozenset((a, b))].add(index)
    return {segment: frozenset(rings) for segment, rings in owners.items()}


def _ring_arcs(index, ring, owners, arcs, known) -> list[int]:
    """The ring cut where the set of rings sharing its border changes; each piece is an arc
    already made by a neighbour (walked either way) or a new one."""
    segments = list(zip(ring, ring[1:], strict=False))
    who = [owners[frozenset(segment)] for segment in segments]
    start = next((i for i in range(len(who)) if who[i] != who[i - 1]), None)  # begin at a change
    if start is None:  # one piece all round (an island, an enclave): from its smallest point, as its neighbour
        start = ring.index(min(ring[:-1]))
    segments, who = segments[start:] + segments[:start], who[start:] + who[:start]
    pieces: list[list[tuple[int, int]]] = []
    for i, segment in enumerate(segments):
        if i and who[i] == who[i - 1]:
            pieces[-1].append(segment[1])
        else:
            pieces.append(list(segment))
    return [_arc_of(piece, arcs, known) for piece in pieces]


def _arc_of(piece, arcs, known) -> int:
    for key in ((piece[0], piece[1]), (piece[-1], piece[-2])):
        if key in known:
            arc = arcs[known[key]]
            if arc == piece:
                return known[key]
            if arc == piece[::-1]:
                return ~known[key]
    forward = (piece[0], piece[1])
    arcs.append(piece)
    known[forward] = len(arcs) - 1
    return len(arcs) - 1


def _deltas(arcs: list[list[tuple[int, int]]]) -> list[list[int]]:
    """Each point as its difference from the point before it, across arcs (an arc starts near
    where the one before it ended: its first point is small numbers too)."""
    if not arcs:
        return []
    points = np.asarray([point for arc in arcs for point in arc], dtype=np.int64)
    steps = np.vstack([points[:1], np.diff(points, axis=0)]).ravel().tolist()
    ends = np.cumsum([2 * len(arc) for arc in arcs]).tolist()
    return [steps[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
