"""The map of a cellule's territory in every meeting pack (issue 17): what it draws, read in the
pack's session. The page itself is the mayors' snapshot page (`diagnostics.snapshots`: Lambert-93,
legend, scale bar, north arrow, credits), given the communes of the territory, its sectors, the
period's new observations by gravité and the sites; the cameras' fields of view in the forces'
pack only.

A partner's map is drawn from the very frames the rest of its pack is printed from: the
observations it receives after `redaction.redact_for_partner`, the sectors and sites after
`redaction.redact_reference_for_partner` (a camera only for its owner; a site unnamed for the
partner is neither listed nor drawn).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics.camera_models import Camera
from diagnostics.models import Commune, Sector, Site
from diagnostics.redaction import redact_reference_for_partner
from diagnostics.services import cameras
from diagnostics.services._frames import WGS84, geometry_as_wkb, read_frame
from diagnostics.snapshots import SnapshotLayers

TITLE = "Carte du territoire — {cellule}"
SITE_COLUMNS = (Site.id, Site.kind, Site.name, Site.address, Site.source, Site.approximate, Site.shareable)


@dataclass(frozen=True)
class Territory:
    """The reference layers of a cellule's territory, WGS84, as one recipient may read them."""

    communes: gpd.GeoDataFrame  # insee, name, department, population
    sectors: gpd.GeoDataFrame  # id, name, kind, source, approximate
    sites: gpd.GeoDataFrame  # id, kind, name, address, source, approximate, shareable, owner_partner_id
    camera_views: gpd.GeoDataFrame  # name: the fields of view (empty for a partner)


def read_territory(session: Session, communes) -> Territory:
    """Everything of the territory, for the forces (four queries)."""
    communes = tuple(communes)
    commune_columns = (Commune.insee, Commune.name, Commune.department, Commune.population)
    owner = cameras.camera_owner_column()  # a camera leaves only for its owner (diagnostics.redaction)
    views = (
        select(Site.name, geometry_as_wkb(Camera.field_of_view))
        .join(Camera, Camera.site_id == Site.id)
        .where(Site.commune_insee.in_(communes), Camera.field_of_view.is_not(None))
    )
    return Territory(
        communes=read_frame(
            session, select(*commune_columns, geometry_as_wkb(Commune.geom)).where(Commune.insee.in_(communes))
        ),
        sectors=read_frame(
            session,
            select(Sector.id, Sector.name, Sector.kind, Sector.source, Sector.approximate, geometry_as_wkb(Sector.geom))
            .where(Sector.commune_insee.in_(communes))
            .order_by(Sector.name),
        ),
        sites=read_frame(
            session,
            select(*SITE_COLUMNS, owner, geometry_as_wkb(Site.geom))
            .where(Site.commune_insee.in_(communes))
            .order_by(Site.kind, Site.name),
        ),
        camera_views=read_frame(session, views.order_by(Site.name)),
    )


def for_partner(territory: Territory, partner_id: int, partner_communes=()) -> Territory:
    """The territory as one partner may read it: sectors and sites through the partners' rule, the
    sites it may name only (the pack lists no other), no field of view."""
    sites = redact_reference_for_partner(
        "sites", territory.sites, partner_id=partner_id, partner_communes=partner_communes
    )
    return Territory(
        communes=territory.communes,
        sectors=redact_reference_for_partner("sectors", territory.sectors, partner_id=partner_id),
        sites=sites[sites["name"].fillna("").astype(str).str.strip() != ""].reset_index(drop=True),
        camera_views=gpd.GeoDataFrame({"name": []}, geometry=[], crs=WGS84),
    )


def map_layers(territory: Territory, observations: pd.DataFrame, *, cellule: str) -> SnapshotLayers:
    """The snapshot layers of one recipient's map: `observations` are the rows its pack prints,
    with their geometry (already redacted for a partner). The recipient is printed by the pack's
    own footer (`meeting_pdf`), not again in the snapshot's."""
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=WGS84)
    return SnapshotLayers(
        commune=territory.communes,
        neighbours=empty,
        observations=gpd.GeoDataFrame(observations, geometry="geometry", crs=WGS84),
        sectors=territory.sectors,
        patrol_zones=empty,
        sites=territory.sites,
        title=TITLE.format(cellule=cellule),
        camera_views=territory.camera_views if len(territory.camera_views) else None,
    )
