"""Demo data: a handful of realistic diagnostics, always the same.

Each demo diagnostic has a fixed reference (DEMO-…), so loading twice adds nothing.
Coordinates are approximate places in the named communes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from diagnostics.auth import Actor, system_actor
from diagnostics.db import Database
from diagnostics.demo_cameras import load_demo_cameras
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.demo_partners import load_demo_assignments, load_demo_partners
from diagnostics.demo_recent import load_demo_recent
from diagnostics.models import Commune, Diagnostic, Team
from diagnostics.services.fieldwork import DiagnosticDraft, ObservationDraft, record_observation, start_diagnostic


@dataclass(frozen=True)
class _DemoObservation:
    lat: float
    lon: float
    category: str
    severity: int
    description: str
    recommendation: str
    partner: str = ""
    shareable: bool = False


@dataclass(frozen=True)
class _DemoDiagnostic:
    reference: str
    team: str
    commune_name: str
    department: str
    place: str
    visited_on: dt.date
    participants: str
    context: str
    observations: tuple[_DemoObservation, ...]


DEMO_DIAGNOSTICS: tuple[_DemoDiagnostic, ...] = (
    _DemoDiagnostic(
        "DEMO-GRAY-01",
        "Groupe de contact de Gray",
        "Gray",
        "70",
        "Quartier de l'île",
        dt.date(2026, 9, 15),
        "Adjudant-chef (BTA Gray), gardien d'immeuble Habitat 70",
        "Visite de nuit à la demande du bailleur après des signalements de regroupements.",
        (
            _DemoObservation(
                47.4466,
                5.5938,
                "eclairage",
                3,
                "Trois candélabres éteints le long du quai, cheminement très sombre.",
                "Remplacer les lampes et signaler au service voirie.",
                "Commune de Gray",
                True,
            ),
            _DemoObservation(
                47.4452,
                5.5925,
                "regroupements",
                3,
                "Regroupements récurrents dans le hall du bâtiment B en soirée.",
                "Passages de la patrouille entre 21 h et 23 h ; contrôle d'accès du hall.",
                "Habitat 70",
            ),
            _DemoObservation(
                47.4447,
                5.5941,
                "visibilite",
                2,
                "Haie haute masquant l'aire de jeux depuis la rue.",
                "Tailler la haie à 1 m pour dégager les vues.",
                "Commune de Gray",
                True,
            ),
        ),
    ),
    _DemoDiagnostic(
        "DEMO-VESOUL-01",
        "Groupe de cohésion police-population de Vesoul",
        "Vesoul",
        "70",
        "Quartier du Montmarin",
        dt.date(2026, 10, 2),
        "Brigadier-chef (GCPP), médiatrice de quartier",
        "Diagnostic de sûreté demandé par la cellule de veille.",
        (
            _DemoObservation(
                47.6346,
                6.1660,
                "degradations",
                2,
                "Tags sur le local commercial vacant et boîtes aux lettres forcées.",
                "Nettoyage rapide des tags ; remplacement des boîtes aux lettres.",
                "Bailleur",
                True,
            ),
            _DemoObservation(
                47.6339,
                6.1672,
                "stupefiants",
                4,
                "Point de vente suspecté au pied de l'immeuble, guetteurs observés.",
                "Transmettre au service d'investigation ; ne pas diffuser.",
                "",
            ),
            _DemoObservation(
                47.6352,
                6.1649,
                "depots",
                1,
                "Dépôts sauvages d'encombrants près des conteneurs.",
                "Enlèvement et affichage des jours de collecte.",
                "Communauté d'agglomération",
                True,
            ),
        ),
    ),
    _DemoDiagnostic(
        "DEMO-VESOUL-02",
        "Groupe VTT de Vesoul",
        "Vesoul",
        "70",
        "Les Rêpes",
        dt.date(2026, 10, 20),
        "Deux gardiens de la paix du groupe VTT",
        "Patrouille VTT de jour, lundi–samedi.",
        (
            _DemoObservation(
                47.6330,
                6.1404,
                "circulation",
                3,
                "Rodéos de deux-roues signalés sur le parking le week-end.",
                "Pose de ralentisseurs ; patrouilles le samedi après-midi.",
                "Commune de Vesoul",
                True,
            ),
            _DemoObservation(
                47.6325,
                6.1395,
                "acces",
                2,
                "Passage piéton étroit et sans visibilité entre deux bâtiments.",
                "Élargir le passage et installer un éclairage.",
                "Bailleur",
            ),
        ),
    ),
    _DemoDiagnostic(
        "DEMO-PUSEY-01",
        "Brigade de Pusey — kiosque Oasis III",
        "Pusey",
        "70",
        "Zone commerciale Oasis III",
        dt.date(2026, 8, 28),
        "Gendarme du kiosque, responsable sécurité de la galerie",
        "Diagnostic des commerces de la zone commerciale à l'approche des fêtes.",
        (
            _DemoObservation(
                47.6466,
                6.1296,
                "commerces",
                3,
                "Vitrines de la bijouterie sans film anti-effraction.",
                "Conseils de prévention remis au commerçant ; référent sûreté à solliciter.",
                "Commerçants",
                True,
            ),
            _DemoObservation(
                47.6458,
                6.1309,
                "videoprotection",
                2,
                "Angle mort de la vidéoprotection sur l'entrée de livraison arrière.",
                "Ajouter une caméra orientée vers le quai de livraison.",
                "Gestionnaire du centre",
            ),
        ),
    ),
    _DemoDiagnostic(
        "DEMO-LONS-01",
        "Commissariat de Lons-le-Saunier",
        "Lons-le-Saunier",
        "39",
        "La Marjorie",
        dt.date(2026, 7, 9),
        "Délégué cohésion police-population, agent de la police municipale",
        "Marche exploratoire avec les habitants.",
        (
            _DemoObservation(
                46.6742,
                5.5680,
                "nuisances",
                2,
                "Nuisances sonores nocturnes signalées par les habitants près des commerces.",
                "Rencontre avec les commerçants et rappel des horaires.",
                "Police municipale",
                True,
            ),
            _DemoObservation(
                46.6750,
                5.5695,
                "eclairage",
                2,
                "Passage souterrain mal éclairé vers l'arrêt de bus.",
                "Renforcer l'éclairage du passage.",
                "Commune de Lons-le-Saunier",
                True,
            ),
        ),
    ),
)


def load_demo(db: Database, actor: Actor | None = None) -> int:
    """Add the demo diagnostics that are not there yet; returns how many were added."""
    actor = actor or system_actor()
    added = 0
    for demo in DEMO_DIAGNOSTICS:
        if _already_loaded(db, demo.reference):
            continue
        diagnostic_id = start_diagnostic(db, actor, _diagnostic_draft(db, demo), today=demo.visited_on)
        for observation in demo.observations:
            record_observation(db, actor, diagnostic_id, _observation_draft(observation))
        added += 1
    load_demo_partners(db, actor)
    load_demo_assignments(db, actor)
    load_demo_cellules(db, actor)
    load_demo_cameras(db, actor)
    return added + load_demo_recent(db, actor)


def _already_loaded(db: Database, reference: str) -> bool:
    with db.session() as session:
        return session.scalar(select(Diagnostic.id).where(Diagnostic.reference == reference)) is not None


def _diagnostic_draft(db: Database, demo: _DemoDiagnostic) -> DiagnosticDraft:
    with db.session() as session:
        team_id = session.scalar(select(Team.id).where(Team.name == demo.team))
        insee = session.scalar(
            select(Commune.insee).where(Commune.name == demo.commune_name, Commune.department == demo.department)
        )
    return DiagnosticDraft(
        team_id=team_id,
        commune_insee=insee,
        place=demo.place,
        visited_on=demo.visited_on,
        participants=demo.participants,
        context=demo.context,
        author="démo",
        reference=demo.reference,
    )


def _observation_draft(demo: _DemoObservation) -> ObservationDraft:
    return ObservationDraft(
        category=demo.category,
        severity=demo.severity,
        description=demo.description,
        latitude=demo.lat,
        longitude=demo.lon,
        recommendation=demo.recommendation,
        partner=demo.partner,
        shareable=demo.shareable,
        author="démo",
    )


# Demo accounts, one per role. For the demo database only: `init` without --demo creates none.
DEMO_PASSWORD = "demo-psq-2026"
DEMO_ACCOUNTS: tuple[dict, ...] = (
    {
        "login": "agent.gray",
        "role": "agent",
        "team_name": "Groupe de contact de Gray",
        "display_name": "Agent du groupe de contact de Gray",
    },
    {
        "login": "agent.vesoul",
        "role": "agent",
        "team_name": "Groupe de cohésion police-population de Vesoul",
        "display_name": "Agent du GCPP de Vesoul",
    },
    {"login": "commandant.70", "role": "commandant", "departments": ("70",), "display_name": "Commandant (70)"},
    {"login": "commandant.39", "role": "commandant", "departments": ("39",), "display_name": "Commandant (39)"},
    {"login": "maire.gray", "role": "maire", "commune_insee": "70279", "display_name": "Mairie de Gray"},
    {"login": "admin.psq", "role": "admin", "display_name": "Référent PSQ"},
    {
        "login": "partenaire.habitat70",
        "role": "partenaire",
        "partner_name": "Habitat 70",
        "display_name": "Habitat 70 — agence de Gray",
    },
    {  # a member of the Lons-le-Saunier cellule de veille: its decisions are this account's work
        "login": "partenaire.lons",
        "role": "partenaire",
        "partner_name": "Mairie de Lons-le-Saunier",
        "display_name": "Police municipale de Lons-le-Saunier",
    },
)


def load_demo_accounts(db: Database, actor: Actor | None = None) -> int:
    """Add the demo accounts that are not there yet; returns how many were added."""
    from diagnostics.models import User
    from diagnostics.services.accounts import NewAccount, add_user

    actor = actor or system_actor()
    load_demo_partners(db, actor)  # the partner account and the mayor are bound to demo partners
    with db.session() as session:
        existing = set(session.scalars(select(User.login)))
    added = 0
    for account in DEMO_ACCOUNTS:
        if account["login"] not in existing:
            add_user(db, actor, NewAccount(password=DEMO_PASSWORD, **account))
            added += 1
    return added
