"""What an actor may pick when starting a diagnostic: the teams and communes of their scope.

The services refuse a write outside it (`auth.require_departments`); offering only what would
be accepted spares a commandant the refusal.
"""

from __future__ import annotations

from sqlalchemy import select

from diagnostics import config
from diagnostics.auth import AGENT, Actor, require, writable_departments
from diagnostics.db import Database
from diagnostics.models import Commune, Team


def new_diagnostic_choices(db: Database, actor: Actor) -> tuple[dict[int, str], dict[str, str]]:
    """(team id → name, INSEE → « Name (INSEE) ») the actor may start a diagnostic with, by name."""
    require(actor, "record_diagnostic")
    departments = writable_departments(actor) or config.departments()
    teams = select(Team.id, Team.name).order_by(Team.name)
    if actor.role == AGENT:
        teams = teams.where(Team.id == actor.team_id)
    else:
        teams = teams.where(Team.department.in_(departments))
    communes = (
        select(Commune.insee, Commune.name)
        .where(Commune.department.in_(departments))
        .order_by(Commune.name, Commune.insee)
    )
    with db.session() as session:
        team_choices = {team_id: name for team_id, name in session.execute(teams)}
        commune_choices = {insee: f"{name} ({insee})" for insee, name in session.execute(communes)}
    return team_choices, commune_choices
