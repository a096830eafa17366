"""Communes' dispositifs (participation citoyenne, voisins solidaires): the map layer and the
count against the target. Loading them is an import (`import dispositifs FILE`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
from sqlalchemy import func, select

from diagnostics import taxonomy
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.models import Commune, CommuneDispositif
from diagnostics.services._frames import geometry_as_wkb, read_frame

KINDS = taxonomy.DISPOSITIF_KINDS
# (kind, département) → (communes at the reference date, that date, communes targeted)
# Haute-Saône: 31 communes in participation citoyenne in 2018, about 50 targeted early 2019.
TARGETS: dict[tuple[str, str], tuple[int, dt.date, int]] = {
    ("participation_citoyenne", "70"): (31, dt.date(2018, 12, 31), 50),
}


@dataclass(frozen=True)
class DispositifCount:
    kind: str
    department: str
    communes: int
    baseline: int | None
    baseline_on: dt.date | None
    target: int | None

    @property
    def label(self) -> str:
        text = f"{KINDS[self.kind]} ({self.department}) : {self.communes} commune(s)"
        if self.target:
            text += f" pour un objectif d'environ {self.target}"
        if self.baseline is not None:
            text += f" ({self.baseline} fin {self.baseline_on:%Y})"
        return text


def dispositifs_frame(db: Database, actor: Actor) -> gpd.GeoDataFrame:
    """Each commune's dispositifs with their date and the commune's boundary (for maps)."""
    require(actor, "review_observations")
    statement = (
        select(
            CommuneDispositif.commune_insee,
            Commune.name.label("commune_name"),
            Commune.department,
            CommuneDispositif.kind,
            CommuneDispositif.since,
            geometry_as_wkb(Commune.geom),
        )
        .join(Commune, Commune.insee == CommuneDispositif.commune_insee)
        .order_by(Commune.name, CommuneDispositif.kind)
    )
    with db.session() as session:
        return read_frame(session, statement)


def counts(db: Database, actor: Actor, departments: tuple[str, ...]) -> list[DispositifCount]:
    """Communes per dispositif and département, against the targets where there is one."""
    require(actor, "review_observations")
    statement = (
        select(Commune.department, CommuneDispositif.kind, func.count())
        .join(Commune, Commune.insee == CommuneDispositif.commune_insee)
        .group_by(Commune.department, CommuneDispositif.kind)
    )
    with db.session() as session:
        found = {(kind, dep): n for dep, kind, n in session.execute(statement)}
    result = []
    for department in departments:
        for kind in KINDS:
            baseline, on, target = TARGETS.get((kind, department), (None, None, None))
            result.append(DispositifCount(kind, department, found.get((kind, department), 0), baseline, on, target))
    return result
