"""What a commune snapshot draws (`SnapshotLayers`), and the same layers in Lambert-93."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas

from diagnostics.crs import to_lambert93
from diagnostics.snapshots.text import plain


@dataclass(frozen=True)
class SnapshotLayers:
    """Everything drawn on a commune snapshot. Geometries in WGS84 (or any CRS that is set).

    Built by `diagnostics.services.exports.snapshot_layers`, already redacted for partners.
    """

    commune: geopandas.GeoDataFrame  # one row: insee, name, department, population, geometry
    neighbours: geopandas.GeoDataFrame  # same columns; may be empty
    observations: geopandas.GeoDataFrame  # id, category, severity (1..4), status, geometry
    sectors: geopandas.GeoDataFrame  # name, kind, geometry
    patrol_zones: geopandas.GeoDataFrame  # name, unit, schedule, geometry (blank when not shareable)
    sites: geopandas.GeoDataFrame  # name, kind ("kiosque" | "brigade" | "commissariat"), Points
    recipient: str = ""  # to whom the file is given: printed in the PNG/PDF footer with the date
    # A territory of several communes (a cellule de veille's): `commune` holds one row per commune,
    # each outlined and named, and `title` heads the page instead of the commune's name.
    title: str = ""
    camera_views: geopandas.GeoDataFrame | None = None  # name, geometry: fields of view (forces only)

    def check(self) -> None:
        """Raise ValueError unless the layers hold exactly one commune (at least one with a title)."""
        if len(self.commune) != 1 and not (self.title and len(self.commune)):
            raise ValueError(f"a snapshot shows exactly one commune, got {len(self.commune)} rows")

    @property
    def territory(self) -> bool:
        return len(self.commune) > 1

    @property
    def insee(self) -> str:
        return plain(self.commune.iloc[0].get("insee"))

    @property
    def name(self) -> str:
        return plain(self.commune.iloc[0].get("name"))

    def other_neighbours(self) -> geopandas.GeoDataFrame:
        """The neighbours without the commune itself, should a caller have left it in."""
        neighbours = self.neighbours
        if len(neighbours) and "insee" in neighbours and self.insee:
            neighbours = neighbours[neighbours["insee"].map(plain) != self.insee]
        return neighbours

    def projected(self) -> SnapshotLayers:
        """The layers in Lambert-93, empty geometries dropped."""
        commune = to_lambert93(self.commune)
        if len(commune) == 0:
            raise ValueError("the commune has no geometry")
        return SnapshotLayers(
            commune=commune,
            neighbours=to_lambert93(self.other_neighbours()),
            observations=to_lambert93(self.observations),
            sectors=to_lambert93(self.sectors),
            patrol_zones=to_lambert93(self.patrol_zones),
            sites=to_lambert93(self.sites),
            title=self.title,
            camera_views=to_lambert93(self.camera_views),
        )
