"""The map of a cellule de veille's territory (issue 17): its communes outlined, their sectors and
the observations since the previous meeting. A pure builder: data in, folium out."""

from __future__ import annotations

from collections.abc import Iterable

import folium
import geopandas as gpd

from diagnostics.maps import layers, legend
from diagnostics.maps.base import base_map, fit_to
from diagnostics.tiles.sources import TileSource


def build_cellule_map(
    territory: gpd.GeoDataFrame,
    sectors: gpd.GeoDataFrame,
    observations: gpd.GeoDataFrame,
    *,
    tiles: Iterable[TileSource] = (),
) -> folium.Map:
    """The territory's communes (outlined), sectors and observations, framed on the territory."""
    m = base_map(tiles)
    layers.add_communes(m, territory, highlight=True)
    layers.add_sectors(m, sectors)
    layers.add_observations(m, observations)
    legend.add_observation_legend(m, zones=False, sectors=not sectors.empty, sites=False)
    folium.LayerControl(collapsed=True).add_to(m)
    fit_to(m, territory)
    return m
