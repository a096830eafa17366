"""The mayor's interactive map of one commune (the offline HTML snapshot's map)."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd

from diagnostics.maps import layers, legend
from diagnostics.maps.base import base_map, fit_to
from diagnostics.tiles.sources import TileSource


def build_commune_snapshot_map(
    commune: gpd.GeoDataFrame,
    neighbours: gpd.GeoDataFrame,
    observations: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    patrol_zones: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    tiles: Iterable[TileSource] = (),
) -> folium.Map:
    """A mayor's interactive map of one commune: neighbours greyed, the commune outlined, its
    zones, sectors, sites and (already redacted) observations, framed on the commune."""
    m = base_map(tiles)
    layers.add_communes(m, neighbours)
    layers.add_communes(m, commune, highlight=True)
    layers.add_patrol_zones(m, patrol_zones)
    layers.add_sectors(m, sectors)
    layers.add_sites(m, sites)
    layers.add_observations(m, observations)
    legend.add_observation_legend(m, zones=not patrol_zones.empty, sectors=not sectors.empty, sites=not sites.empty)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, commune)
    return m
