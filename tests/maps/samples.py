"""Small reference layers and observations around Gray, for the map builders' tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from diagnostics import assets, maps

PAYLOAD = "<script>alert('x')</script> `${alert(document.cookie)}` \\u0060 </div>"


@dataclass(frozen=True)
class Layers:
    """What the commanders' map shows; every frame is in WGS84 and may be empty."""

    communes: gpd.GeoDataFrame
    sectors: gpd.GeoDataFrame
    patrol_zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    observations: gpd.GeoDataFrame


def frame(rows, geometries):
    return gpd.GeoDataFrame(rows, geometry=geometries, crs="EPSG:4326")


def sample_layers(description: str = "Candélabre éteint", name: str = "Gray") -> Layers:
    communes = frame(
        [{"insee": "70279", "name": name, "department": "70", "population": 5500}], [box(5.55, 47.42, 5.63, 47.47)]
    )
    sectors = frame(
        [{"name": "Quartier de l'île", "kind": "quartier", "source": "tracé", "approximate": True}],
        [box(5.590, 47.443, 5.595, 47.447)],
    )
    zones = frame(
        [{"name": "Groupe de contact de Gray", "unit": "BTA", "schedule": "Lundi–samedi", "source": "tracé"}],
        [box(5.58, 47.44, 5.60, 47.45)],
    )
    sites = frame(
        [
            {"name": "Brigade de Gray", "kind": "brigade", "address": None},
            {"name": "Kiosque Oasis III", "kind": "kiosque", "address": "Pusey"},
        ],
        [Point(5.59, 47.446), Point(5.595, 47.444)],
    )
    observations = frame(
        [
            {
                "id": 1,
                "category": "eclairage",
                "severity": 3,
                "status": "nouvelle",
                "observed_on": dt.date(2026, 9, 15),
                "description": description,
                "recommendation": description,
                "partner": description,
                "place": description,
                "commune_name": name,
                "team_name": description,
            }
        ],
        [Point(5.5925, 47.4452)],
    )
    return Layers(communes, sectors, zones, sites, observations)


def points_of(observations: gpd.GeoDataFrame) -> pd.DataFrame:
    """The canvas layer's input (what observation_points returns) for these observations (a line or
    polygon drawn at a point on it, as the `lon`/`lat` columns of the table hold)."""
    points = observations.geometry.representative_point()
    return pd.DataFrame(
        {
            "id": observations["id"],
            "lon": points.x,
            "lat": points.y,
            "severity": observations["severity"],
            "category": observations["category"],
            "status": observations["status"],
            "observed_on": observations["observed_on"],
        }
    )


def review_map_of(layers: Layers, *, tiles=()) -> folium.Map:
    """The commanders' map as the page builds it: canvas points, shapes with their popups."""
    base = maps.prepare_base(layers.communes, layers.sectors, layers.patrol_zones, layers.sites)
    payload = maps.points_payload(points_of(layers.observations))
    return maps.build_review_map(base, payload, shapes=layers.observations, tiles=tiles)


def rendered(m) -> str:
    return m.get_root().render()


def html_of(m) -> str:
    assets.localize(m, "/app/static/vendor")
    return m.get_root().render()
