"""The documents of OGC API – Features Part 1 (Core, GeoJSON), built from plain data: no database.

Links follow the standard: `self` on every document, `next` when a page is not the last, `prev`
after the first, `collection` from items back to their collection, `alternate` to the other
document of the same thing (the landing page's OpenAPI is not offered, hence no `service-desc`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import shapely.geometry

from diagnostics.services.feed import Collection

JSON = "application/json"
GEOJSON = "application/geo+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)
TITLE = "PSQ diagnostics — flux en lecture seule"
DESCRIPTION = (
    "Communes, secteurs, zones de patrouille, sites et observations des diagnostics de sûreté, "
    "selon les droits du compte (OGC API – Features)."
)


def link(href: str, rel: str, media_type: str = JSON, title: str = "") -> dict:
    found = {"href": href, "rel": rel, "type": media_type}
    if title:
        found["title"] = title
    return found


def landing(base: str) -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            link(base, "self", title="Cette page"),
            link(f"{base}/conformance", "conformance", title="Classes de conformité"),
            link(f"{base}/collections", "data", title="Collections"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection(base: str, found: Collection, extent: tuple[float, ...] | None = None) -> dict:
    here = f"{base}/collections/{found.id}"
    described: dict = {
        "id": found.id,
        "title": found.title,
        "description": found.description,
        "itemType": "feature",
        "crs": [CRS84],
        "links": [
            link(here, "self", title=found.title),
            link(f"{here}/items", "items", GEOJSON, title=f"{found.title} (GeoJSON)"),
        ],
    }
    if extent is not None:
        described["extent"] = {"spatial": {"bbox": [list(extent)], "crs": CRS84}}
    return described


def collections(base: str, found: Iterable[Collection], extent: tuple[float, ...] | None = None) -> dict:
    return {
        "links": [link(f"{base}/collections", "self", title="Collections")],
        "collections": [collection(base, c, extent) for c in found],
    }


def feature_collection(
    features: gpd.GeoDataFrame,
    id_column: str,
    *,
    matched: int,
    links: list[dict],
    stamp: dt.datetime,
) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [feature(row, id_column, features.geometry.name) for row in features.to_dict("records")],
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }


def feature(row: dict, id_column: str, geometry: str = "geometry", links: list[dict] | None = None) -> dict:
    shape = row.get(geometry)
    built = {
        "type": "Feature",
        "id": plain(row[id_column]),
        "geometry": shapely.geometry.mapping(shape) if shape is not None else None,
        "properties": {name: plain(value) for name, value in row.items() if name != geometry},
    }
    if links:
        built["links"] = links
    return built


def plain(value: object) -> object:
    """A value as JSON has it: numpy scalars unwrapped, NaN as null, dates in ISO 8601."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool)):
        try:
            if value != value:  # pandas' NaT and NA
                return None
        except (TypeError, ValueError):
            pass
        return str(value)
    return value
