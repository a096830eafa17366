"""What the hierarchy asks of the partnership (issue 15), per partner and per commune: median days
from assignment to « pris en compte » and to the levée found by a contre-visite, the share levée
by the due date, open and overdue counts.

`assignment_rows` reads one row per assigned observation in the actor's scope; `measures` is a
pure computation over that frame (tested with hand-made frames); `measures_csv` is its download.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from diagnostics import taxonomy
from diagnostics.auth import Actor, observation_scope, require
from diagnostics.db import Database
from diagnostics.models import Commune, Diagnostic, Observation, ObservationEvent
from diagnostics.partner_models import Partner, PartnerCommune
from diagnostics.services.audit import audit_csv
from diagnostics.services.observations import scope_conditions
from diagnostics.visit_models import ObservationVisit

ROW_COLUMNS = ("id", "partner", "commune", "status", "assigned_at", "due_on", "taken_at", "levee_on")
GROUPS = {"partner": "Partenaire", "commune": "Commune"}
COLUMNS = {
    "observations": "Observations attribuées",
    "open": "Ouvertes",
    "overdue": "En retard",
    "days_to_taken": "Médiane jours → « pris en compte »",
    "days_to_levee": "Médiane jours → levée constatée",
    "on_time_share": "Part levée dans les délais (%)",
}


def assignment_rows(db: Database, actor: Actor) -> pd.DataFrame:
    """One row per observation assigned to a partner that the actor may read (`ROW_COLUMNS`)."""
    require(actor, "follow_up")
    taken = (
        select(ObservationEvent.observation_id, func.min(ObservationEvent.at).label("at"))
        .where(ObservationEvent.kind == "partner_answer", ObservationEvent.new_value == "pris_en_compte")
        .group_by(ObservationEvent.observation_id)
        .subquery()
    )
    levee = (
        select(ObservationVisit.observation_id, func.min(ObservationVisit.visited_on).label("on"))
        .where(ObservationVisit.finding == "levee")
        .group_by(ObservationVisit.observation_id)
        .subquery()
    )
    statement = (
        select(
            Observation.id,
            Partner.name,
            Commune.name,
            Observation.status,
            Observation.assigned_at,
            Observation.due_on,
            taken.c.at,
            levee.c.on,
        )
        .join(Partner, Partner.id == Observation.partner_id)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .outerjoin(taken, taken.c.observation_id == Observation.id)
        .outerjoin(levee, levee.c.observation_id == Observation.id)
        .where(*scope_conditions(observation_scope(actor)))
    )
    with db.session() as session:
        return pd.DataFrame(session.execute(statement).all(), columns=list(ROW_COLUMNS))


def partners_in_scope(db: Database, actor: Actor) -> tuple[str, ...]:
    """The partners listed even with nothing assigned: every partner for an administrator, those
    covering a commune of a commander's départements otherwise (not another territory's)."""
    require(actor, "follow_up")
    scope = observation_scope(actor)
    statement = select(Partner.name).distinct()
    if scope.departments or scope.communes:
        statement = statement.join(PartnerCommune, PartnerCommune.partner_id == Partner.id).join(
            Commune, Commune.insee == PartnerCommune.commune_insee
        )
        if scope.departments:
            statement = statement.where(Commune.department.in_(scope.departments))
        if scope.communes:
            statement = statement.where(Commune.insee.in_(scope.communes))
    with db.session() as session:
        return tuple(sorted(session.scalars(statement)))


def measures(rows: pd.DataFrame, by: str, today: dt.date, *, groups: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per `by` ("partner" or "commune"): the counts and medians of `COLUMNS`, French headers.

    `groups` adds rows for partners (or communes) with nothing assigned, with zeros and empty
    medians. Days are counted from the assignment; a median of an even count is the mean of the
    two middle values. The share on time is over the observations whose outcome is known: levée,
    or past their due date.
    """
    frame = _per_observation(rows, today)
    table = frame.groupby(by, sort=True).agg(
        observations=("id", "size"),
        open=("is_open", "sum"),
        overdue=("is_overdue", "sum"),
        days_to_taken=("days_to_taken", "median"),
        days_to_levee=("days_to_levee", "median"),
        known=("outcome_known", "sum"),
        on_time=("on_time", "sum"),
    )
    missing = [name for name in groups if name not in table.index]
    if missing:
        empty = pd.DataFrame(0, index=pd.Index(missing, name=by), columns=table.columns)
        empty[["days_to_taken", "days_to_levee"]] = float("nan")
        table = pd.concat([table, empty]).sort_index()
    table["on_time_share"] = (100 * table["on_time"] / table["known"].where(table["known"] > 0)).round(1)
    table[["days_to_taken", "days_to_levee"]] = table[["days_to_taken", "days_to_levee"]].round(1)
    table = table.drop(columns=["known", "on_time"]).astype({"observations": int, "open": int, "overdue": int})
    return table.reset_index().rename(columns={by: GROUPS[by], **COLUMNS})


def _per_observation(rows: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    frame = rows.copy()
    assigned = pd.to_datetime(frame["assigned_at"])
    due = pd.to_datetime(frame["due_on"])
    levee = pd.to_datetime(frame["levee_on"])
    frame["days_to_taken"] = (pd.to_datetime(frame["taken_at"]) - assigned).dt.total_seconds() / 86400
    frame["days_to_levee"] = (levee - assigned.dt.normalize()).dt.days
    frame["is_open"] = frame["status"].isin(taxonomy.OPEN_STATUSES)
    frame["is_overdue"] = frame["is_open"] & (due < pd.Timestamp(today))
    frame["outcome_known"] = levee.notna() | (due < pd.Timestamp(today))
    frame["on_time"] = levee.notna() & due.notna() & (levee <= due)
    return frame


def measures_csv(table: pd.DataFrame) -> bytes:
    """The table for spreadsheets: `;`, UTF-8 with BOM, decimal commas, as the app's other CSVs."""
    shown = table.astype(object).where(table.notna(), "")
    shown = shown.map(lambda v: str(v).replace(".", ",") if isinstance(v, float) else v)
    return audit_csv(shown)
