"""Accounts and observations for the feed tests (routes and GDAL): a mayor of Gray, commandants of
70 and 39, an agent of Gray's contact group, and observations in Gray, Vesoul and Lons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from diagnostics.services.accounts import NewAccount, add_user
from diagnostics.services.reference import list_teams
from tests.conftest import ADMIN_ACTOR, GRAY, LONS, VESOUL, make_diagnostic, make_observation

PASSWORD = "flux-ogc-de-test-2026"
SECRET = "Passages de la patrouille entre 21 h et 23 h"  # never shared
SHARED = "Parking de la gare sans éclairage"  # shared with the mayor
SECRET_ADVICE = "Renforcer les passages du PSIG"
GRAY_TEAM = "Groupe de contact de Gray"
ACCOUNTS = (
    NewAccount(login="maire.gray", role="maire", password=PASSWORD, commune_insee=GRAY[0]),
    NewAccount(login="cdt.70", role="commandant", password=PASSWORD, departments=("70",)),
    NewAccount(login="cdt.39", role="commandant", password=PASSWORD, departments=("39",)),
    NewAccount(login="agent.gray", role="agent", password=PASSWORD, team_name=GRAY_TEAM),
    NewAccount(login="admin.flux", role="admin", password=PASSWORD),
)
GRAY_EXTRA = 3  # more observations in Gray, so that a small page size needs several pages


@dataclass(frozen=True)
class FeedData:
    secret_id: int
    shared_id: int
    gray_ids: tuple[int, ...]
    vesoul_id: int
    lons_id: int


def make_feed_data(db) -> FeedData:
    for account in ACCOUNTS:
        add_user(db, ADMIN_ACTOR, account)
    teams = {team.name: team.id for team in list_teams(db)}
    gray = make_diagnostic(db, teams[GRAY_TEAM], visited_on=dt.date(2026, 9, 15))
    later = make_diagnostic(db, teams[GRAY_TEAM], visited_on=dt.date(2026, 10, 2))
    secret = make_observation(db, gray, description=SECRET, recommendation=SECRET_ADVICE)
    shared = make_observation(
        db, gray, description=SHARED, recommendation=SECRET_ADVICE, shareable=True, shared_fields=("description",)
    )
    extra = [
        make_observation(db, later, lat=GRAY[1] + 0.001 * n, lon=GRAY[2], description=f"Tag n° {n}")
        for n in range(GRAY_EXTRA)
    ]
    vesoul_diagnostic = make_diagnostic(db, teams["Groupe VTT de Vesoul"], commune=VESOUL[0], place="Montmarin")
    vesoul = make_observation(db, vesoul_diagnostic, lat=VESOUL[1], lon=VESOUL[2], description="Rodéos")
    lons_diagnostic = make_diagnostic(
        db, teams["Commissariat de Lons-le-Saunier"], commune=LONS[0], place="La Marjorie"
    )
    lons = make_observation(db, lons_diagnostic, lat=LONS[1], lon=LONS[2], description="Dépôt sauvage")
    return FeedData(secret, shared, (secret, shared, *extra), vesoul, lons)
