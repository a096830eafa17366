"""Recent Jura demo observations, dated from the day `init --demo` runs: the Lons-le-Saunier and Dole
cellules' next agendas and packs have something in them (the fixed demo diagnostics are older than
the cellules' past meetings). One not shareable, one with an internal comment, one assigned to a
partner present at the Lons meeting and past its due date, one vidéoprotection outside Dole's cameras.
Safe to load twice: each diagnostic has a fixed reference.

Used by diagnostics.demo after the demo cellules and cameras (partners and cameras exist then).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from diagnostics import localtime
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.models import Diagnostic, Observation, Team
from diagnostics.partner_models import Partner
from diagnostics.services import assignments, follow_up
from diagnostics.services.fieldwork import DiagnosticDraft, ObservationDraft, record_observation, start_diagnostic

TEAM = "Commissariat de Lons-le-Saunier"  # the Jura police team the reference data knows
# reference, commune, place, days before the load, participants, context
RECENT = (
    (
        "DEMO-LONS-02",
        "39300",
        "La Marjorie",
        4,
        "Délégué cohésion police-population, gardien OPH du Jura",
        "Tour du quartier après des signalements des habitants au bureau de proximité.",
    ),
    (
        "DEMO-DOLE-01",
        "39198",
        "Les Mesnils-Pasteur",
        3,
        "Délégué cohésion police-population, agent de la police municipale de Dole",
        "Diagnostic demandé par la mairie avant la prochaine cellule de veille.",
    ),
)
# reference → observations (lat, lon, category, severity, description, recommendation, partner, shareable)
OBSERVATIONS = {
    "DEMO-LONS-02": (
        (
            46.6745,
            5.5688,
            "eclairage",
            3,
            "Éclairage du parking de la tour B en panne depuis deux semaines.",
            "Réparer l'éclairage du parking.",
            "OPH du Jura",
            True,
        ),
        (
            46.6738,
            5.5672,
            "nuisances",
            3,
            "Regroupements le soir dans le hall 12 ; un locataire (M. D.) dit avoir été menacé.",
            "Présence renforcée en soirée ; ne pas diffuser le témoignage.",
            "",
            False,
        ),
    ),
    "DEMO-DOLE-01": (
        (
            47.1010,
            5.4780,
            "videoprotection",
            2,
            "Rodéos de deux-roues sur l'avenue, hors du champ des caméras du CSU.",
            "Étudier une caméra orientée vers le rond-point.",
            "Mairie de Dole",
            True,
        ),
        (
            47.1003,
            5.4772,
            "degradations",
            2,
            "Abribus du rond-point vandalisé, vitre brisée.",
            "Remplacer la vitre de l'abribus.",
            "TGD — Transports du Grand Dole",
            True,
        ),
    ),
}
OVERDUE = ("DEMO-LONS-02", 0, "OPH du Jura")  # assigned at the visit, due two days ago
COMMENTED = ("DEMO-LONS-02", 1, "Témoin à recontacter par le DCPP ; ne pas citer son nom en cellule.")


def load_demo_recent(db: Database, actor: Actor, today: dt.date | None = None) -> int:
    """The recent Jura diagnostics not there yet; returns how many were added."""
    today = today or localtime.now_paris().date()
    added = 0
    for reference, insee, place, days, participants, context in RECENT:
        with db.session() as session:
            if session.scalar(select(Diagnostic.id).where(Diagnostic.reference == reference)) is not None:
                continue
            team_id = session.scalar(select(Team.id).where(Team.name == TEAM))
        visited = today - dt.timedelta(days=days)
        draft = DiagnosticDraft(
            team_id, insee, place, visited, participants, context, author="démo", reference=reference
        )
        diagnostic_id = start_diagnostic(db, actor, draft, today=visited)
        ids = [
            record_observation(
                db,
                actor,
                diagnostic_id,
                ObservationDraft(
                    cat, sev, text, lat, lon, recommendation=rec, partner=who, shareable=share, author="démo"
                ),
            )
            for lat, lon, cat, sev, text, rec, who, share in OBSERVATIONS[reference]
        ]
        if reference == OVERDUE[0]:
            _overdue(db, actor, ids[OVERDUE[1]], OVERDUE[2], visited, today)
        if reference == COMMENTED[0]:
            _comment(db, actor, ids[COMMENTED[1]], COMMENTED[2], visited)
        added += 1
    return added


def _overdue(db: Database, actor: Actor, observation_id: int, partner: str, visited: dt.date, today: dt.date) -> None:
    with db.session() as session:
        partner_id = session.scalar(select(Partner.id).where(Partner.name == partner))
    if partner_id is not None:
        due = max(visited, today - dt.timedelta(days=2))
        assignments.assign(db, actor, observation_id, int(partner_id), due, "Promis par le bailleur", today=visited)


def _comment(db: Database, actor: Actor, observation_id: int, text: str, visited: dt.date) -> None:
    with db.session() as session:
        observation = session.get(Observation, observation_id)
        status, version = observation.status, observation.version
    change = follow_up.FollowUp(status=status, comment=text, comment_date=visited)
    follow_up.save_follow_up(db, actor, observation_id, version, change, today=visited)
