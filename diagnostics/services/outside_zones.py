"""Observations outside every patrol zone, for the commanders' map and the list under it.

The map draws them from its route (services.viewport with `outside_zones` in the filters); the
list under it is bounded: the `limit` most grave (then most recent) of them, with how many there
are, both through the same spatial test in SQL (services.observations.outside_zones_condition).
Before, every point of the selection was read and tested in Python (4.5 s at 1,000,000).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import func, select

from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.models import Commune, Observation
from diagnostics.services.observations import ObservationFilter, _filtered

LIST_COLUMNS = ("id", "observed_on", "commune_name", "category", "severity", "status")


@dataclass(frozen=True)
class Outside:
    total: int  # observations the filters keep
    outside: int  # of them, outside every patrol zone
    listed: pd.DataFrame  # at most `limit` of those, the most grave first (LIST_COLUMNS)


def outside_zones(db: Database, actor: Actor, criteria: ObservationFilter, *, limit: int) -> Outside:
    require(actor, "command_map")
    scope = observation_scope(actor)
    outside = dataclasses.replace(criteria, outside_zones=True)
    count = select(func.count(Observation.id)).select_from(Observation)
    rows = (
        select(
            Observation.id,
            Observation.observed_on,
            Commune.name.label("commune_name"),
            Observation.category,
            Observation.severity,
            Observation.status,
        )
        .join(Commune, Commune.insee == Observation.commune_insee)
        .order_by(Observation.severity.desc(), Observation.observed_on.desc(), Observation.id.desc())
        .limit(limit)
    )
    with db.session() as session:
        total = session.scalar(_filtered(db, count, criteria, scope)) or 0
        found = session.scalar(_filtered(db, count, outside, scope)) or 0
        result = session.execute(_filtered(db, rows, outside, scope))
        listed = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    listed["observed_on"] = pd.to_datetime(listed["observed_on"]).dt.date
    return Outside(total=int(total), outside=int(found), listed=listed[list(LIST_COLUMNS)])
