"""What a mayor reads about their commune: its observations (redacted as for every partner),
what is asked of the commune and where each request stands."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import select

from diagnostics import taxonomy
from diagnostics.auth import Actor, require, require_commune
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.models import Commune, Observation
from diagnostics.partner_models import Partner
from diagnostics.redaction import redact_for_partners
from diagnostics.services.observations import ObservationFilter, observations_frame

# Assignments that are the commune's to act on (its services, its police municipale).
COMMUNE_KINDS = ("commune", "police_municipale")


@dataclass(frozen=True)
class CommuneOverview:
    insee: str
    name: str
    department: str
    observations: gpd.GeoDataFrame  # redacted; plus partner_kind, partner_name, due_on
    requests: pd.DataFrame  # the observations assigned to the commune, worst first

    @property
    def open_count(self) -> int:
        return int(self.observations["status"].isin(taxonomy.OPEN_STATUSES).sum())

    def status_counts(self) -> dict[str, int]:
        """Observations per statut label, in the statut order, those present only."""
        counts = self.observations["status"].value_counts()
        return {label: int(counts[code]) for code, label in taxonomy.STATUSES.items() if code in counts}


def commune_overview(
    db: Database, actor: Actor, insee: str, *, start: dt.date | None = None, end: dt.date | None = None
) -> CommuneOverview:
    """The commune's page for its mayor (or a commandant, an administrator looking at it)."""
    require(actor, "review_observations")
    with db.session() as session:
        commune = session.execute(
            select(Commune.insee, Commune.name, Commune.department).where(Commune.insee == insee)
        ).first()
        if commune is None:
            raise NotFound(f"Commune inconnue : {insee}")
        require_commune(actor, insee, commune.department)
        assigned = session.execute(
            select(Observation.id, Partner.kind, Partner.name, Observation.due_on)
            .join(Partner, Partner.id == Observation.partner_id)
            .where(Observation.commune_insee == insee)
        ).all()
    frame = observations_frame(db, actor, ObservationFilter(start=start, end=end, communes=(insee,)))
    observations = redact_for_partners(frame)  # whoever reads this page: it is the partners' view
    partners = {row.id: (row.kind, row.name, row.due_on) for row in assigned}
    for index, column in enumerate(("partner_kind", "partner_name", "due_on")):
        observations[column] = [partners.get(i, (None, "", None))[index] for i in observations["id"]]
    requests = observations[observations["partner_kind"].isin(COMMUNE_KINDS)]
    requests = pd.DataFrame(requests.drop(columns=requests.geometry.name)).sort_values(
        ["severity", "observed_on"], ascending=[False, False], kind="stable"
    )
    return CommuneOverview(insee, commune.name, commune.department, observations, requests.reset_index(drop=True))
