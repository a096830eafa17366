"""Checks of the reference layers under geodata/ (fast, no database)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
HAND_MADE = ("sectors.geojson", "patrol_zones.geojson", "sites.geojson")
LAMBERT_93 = 2154


def read_layer(name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(GEODATA / name)


@pytest.fixture(scope="module")
def communes() -> gpd.GeoDataFrame:
    return read_layer("communes.geojson")


@pytest.fixture(scope="module")
def communes_by_insee(communes) -> gpd.GeoDataFrame:
    return communes.set_index("insee")


def raw_features(name: str) -> list[dict]:
    """Features as plain JSON, so null and boolean properties are seen exactly as written."""
    return json.loads((GEODATA / name).read_text(encoding="utf-8"))["features"]


def test_communes_counts_per_department(communes):
    assert communes.crs.to_epsg() == 4326
    assert communes["department"].value_counts().to_dict() == {"70": 536, "39": 492}


def test_communes_properties_are_exactly_the_documented_ones():
    for feature in raw_features("communes.geojson"):
        properties = feature["properties"]
        assert set(properties) == {"insee", "name", "department", "population"}
        assert isinstance(properties["name"], str) and properties["name"]
        assert isinstance(properties["population"], int) and properties["population"] >= 0


def test_communes_geometries_are_valid_multipolygons(communes):
    assert (communes.geom_type == "MultiPolygon").all()
    assert communes.is_valid.all()
    assert not communes.geometry.is_empty.any()


def test_communes_insee_unique_and_five_characters(communes):
    assert communes["insee"].is_unique
    assert communes["insee"].str.len().eq(5).all()
    assert (communes["insee"].str[:2] == communes["department"]).all()


@pytest.mark.parametrize(
    ("insee", "name"),
    [
        ("70279", "Gray"),
        ("70550", "Vesoul"),
        ("70428", "Pusey"),
        ("39300", "Lons-le-Saunier"),
        ("39198", "Dole"),
    ],
)
def test_insee_codes_used_by_the_hand_made_layers(communes_by_insee, insee, name):
    assert communes_by_insee.loc[insee, "name"] == name


@pytest.mark.parametrize("layer", ["sectors.geojson", "sites.geojson"])
def test_features_lie_within_their_commune(communes_by_insee, layer):
    features = read_layer(layer)
    assert len(features) > 0
    for _, feature in features.iterrows():
        commune = communes_by_insee.loc[feature["commune_insee"], "geometry"]
        assert commune.contains(feature.geometry), feature["name"]


@pytest.mark.parametrize("layer", HAND_MADE)
def test_hand_made_features_say_they_are_approximate(layer):
    features = raw_features(layer)
    assert features
    for feature in features:
        properties = feature["properties"]
        assert isinstance(properties.get("source"), str) and properties["source"].strip()
        assert properties.get("approximate") is True


@pytest.mark.parametrize("layer", HAND_MADE)
def test_hand_made_geometries_are_valid(layer):
    features = read_layer(layer)
    assert features.crs.to_epsg() == 4326
    assert features.is_valid.all()
    expected = {"Point"} if layer == "sites.geojson" else {"Polygon", "MultiPolygon"}
    assert set(features.geom_type) <= expected


def test_sector_and_site_kinds():
    assert {f["properties"]["kind"] for f in raw_features("sectors.geojson")} <= {
        "quartier",
        "QPV",
    }
    assert {f["properties"]["kind"] for f in raw_features("sites.geojson")} <= {
        "kiosque",
        "brigade",
        "commissariat",
    }


def test_flame_zone_area_is_plausible():
    zones = read_layer("patrol_zones.geojson")
    flame = zones[zones["kind"] == "FLAME"]
    assert len(flame) == 1
    area_km2 = flame.to_crs(LAMBERT_93).area.iloc[0] / 1e6
    assert 150 <= area_km2 <= 300


def test_vtt_zone_covers_the_vesoul_qpv():
    zones = read_layer("patrol_zones.geojson")
    vtt = zones[zones["kind"] == "VTT"].geometry.iloc[0]
    sectors = read_layer("sectors.geojson")
    qpv = sectors[(sectors["commune_insee"] == "70550") & (sectors["kind"] == "QPV")]
    assert len(qpv) == 3
    assert qpv.geometry.within(vtt).all()


def test_kiosk_is_in_pusey(communes_by_insee):
    sites = read_layer("sites.geojson")
    kiosks = sites[sites["kind"] == "kiosque"]
    assert len(kiosks) == 1
    kiosk = kiosks.iloc[0]
    pusey = communes_by_insee[communes_by_insee["name"] == "Pusey"]
    assert len(pusey) == 1
    assert kiosk["commune_insee"] == pusey.index[0]
    assert pusey.geometry.iloc[0].contains(kiosk.geometry)
