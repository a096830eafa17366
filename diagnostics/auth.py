"""Roles, the acting user and what each role may do.

Services call `require` and `observation_scope` themselves: hiding a page is a convenience, the
check that counts is in the service.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from diagnostics.errors import PermissionDenied

AGENT, COMMANDANT, MAIRE, PARTENAIRE, ADMIN = "agent", "commandant", "maire", "partenaire", "admin"
ROLES: dict[str, str] = {
    AGENT: "Agent de terrain",
    COMMANDANT: "Commandant",
    MAIRE: "Maire",
    PARTENAIRE: "Partenaire",
    ADMIN: "Administrateur",
}

# permission → roles that hold it
PERMISSIONS: dict[str, frozenset[str]] = {
    "record_diagnostic": frozenset({AGENT, COMMANDANT, ADMIN}),
    "review_observations": frozenset({AGENT, COMMANDANT, MAIRE, ADMIN}),
    # The commanders' map names teams and units: the forces' own screen, not the partners'.
    "command_map": frozenset({AGENT, COMMANDANT, ADMIN}),
    "mayor_page": frozenset({MAIRE}),
    "follow_up": frozenset({COMMANDANT, ADMIN}),
    # A partner account reads only what is assigned to its partner (services.partner_answers),
    # through no other service: it holds no other permission.
    "partner_answers": frozenset({MAIRE, PARTENAIRE}),
    "manage_partners": frozenset({ADMIN}),
    # A contre-visite is the forces' own check on the ground (issue 15).
    "record_visit": frozenset({AGENT, COMMANDANT, ADMIN}),
    "reopen_diagnostic": frozenset({COMMANDANT, ADMIN}),
    "export_snapshot": frozenset({COMMANDANT, MAIRE, ADMIN}),
    "export_layers": frozenset({COMMANDANT, ADMIN}),
    "manage_accounts": frozenset({ADMIN}),
    "manage_reference": frozenset({ADMIN}),
    "read_audit": frozenset({ADMIN}),
    "purge": frozenset({ADMIN}),
    "alerts": frozenset({COMMANDANT, ADMIN}),
    # Cellules de veille: prepare, hold and follow their meetings (services check the territory).
    "cellules": frozenset({COMMANDANT, ADMIN}),
    "manage_subscribers": frozenset({ADMIN}),
    # Every account: its own e-mail address and how often it hears from the app (« Mon compte »).
    "own_account": frozenset(ROLES),
}

DENIED = {
    "record_diagnostic": "Votre rôle ne permet pas d'enregistrer des diagnostics.",
    "review_observations": "Votre rôle ne permet pas de consulter les observations.",
    "command_map": "La carte de commandement est réservée aux forces de sécurité.",
    "mayor_page": "Cette page est celle des maires et partenaires.",
    "follow_up": "Seuls les commandants peuvent changer le statut ou l'attribution d'une observation.",
    "partner_answers": "Cette page est celle des partenaires à qui des préconisations sont attribuées.",
    "manage_partners": "Seuls les administrateurs gèrent les partenaires et les règles d'attribution.",
    "record_visit": "Seuls les agents et les commandants enregistrent une contre-visite.",
    "reopen_diagnostic": "Seul un commandant peut rouvrir un diagnostic clôturé.",
    "export_snapshot": "Votre rôle ne permet pas d'exporter les cartes.",
    "export_layers": "Votre rôle ne permet pas d'exporter les couches.",
    "manage_accounts": "Seuls les administrateurs gèrent les comptes.",
    "manage_reference": "Seuls les administrateurs gèrent les couches de référence.",
    "read_audit": "Seuls les administrateurs consultent le journal d'audit.",
    "purge": "Seuls les administrateurs peuvent purger les données.",
    "alerts": "Seuls les commandants et les administrateurs rédigent et valident les alertes.",
    "manage_subscribers": "Seuls les administrateurs gèrent les abonnés aux alertes.",
    "cellules": "Seuls les commandants et les administrateurs préparent les cellules de veille.",
    "own_account": "Connectez-vous pour régler votre compte.",
}
OTHER_TEAM = "Ce diagnostic appartient à une autre équipe : vous ne pouvez pas le modifier."
OTHER_COMMUNE = "Vous n'avez accès qu'aux données de votre commune."
OTHER_DEPARTMENT = "Cette commune n'est pas dans votre périmètre."


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, or the command line acting as administrator."""

    login: str
    role: str
    team_id: int | None = None
    commune_insee: str | None = None
    departments: tuple[str, ...] = ()
    display_name: str = ""
    partner_id: int | None = None  # the partner a partenaire (or a maire) acts for

    @property
    def label(self) -> str:
        """« Mairie de Gray (Maire) »; the role once when the name already begins with it: « Commandant (39) »."""
        name, role = self.display_name or self.login, ROLES.get(self.role, self.role)
        return name if name.casefold().startswith(role.casefold()) else f"{name} ({role})"


def system_actor() -> Actor:
    """The command line: a person with shell access to the server, acting as administrator."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Actor(login=f"cli:{user}", role=ADMIN, display_name="Ligne de commande")


def can(actor: Actor, permission: str) -> bool:
    return actor.role in PERMISSIONS[permission]


def require(actor: Actor, permission: str) -> None:
    if not can(actor, permission):
        raise PermissionDenied(DENIED[permission])


def require_team(actor: Actor, team_id: int) -> None:
    """Agents only touch the diagnostics of their own team."""
    require(actor, "record_diagnostic")
    if actor.role == AGENT and actor.team_id != team_id:
        raise PermissionDenied(OTHER_TEAM)


def require_departments(actor: Actor, *departments: str) -> None:
    """Commandants write only in their départements (agents are held to their team, admins nowhere)."""
    require(actor, "record_diagnostic")
    if actor.role == COMMANDANT and any(department not in actor.departments for department in departments):
        raise PermissionDenied(OTHER_DEPARTMENT)


def require_diagnostic_access(actor: Actor, diagnostic) -> None:
    """Who may change (or read in the field) a diagnostic: its team's agents, the commandants of
    its commune's département, administrators. `diagnostic` is a `models.Diagnostic`."""
    require_team(actor, diagnostic.team_id)
    require_departments(actor, diagnostic.commune.department)


def writable_departments(actor: Actor) -> tuple[str, ...] | None:
    """The départements an actor may record in; None means every one (agents: their team decides)."""
    return actor.departments if actor.role == COMMANDANT else None


@dataclass(frozen=True)
class Scope:
    """The part of the observations an actor may read; empty tuples mean no restriction."""

    team_ids: tuple[int, ...] = ()
    communes: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    shareable_text_only: bool = False


def observation_scope(actor: Actor) -> Scope:
    require(actor, "review_observations")
    if actor.role == AGENT:
        return Scope(team_ids=(actor.team_id if actor.team_id is not None else -1,))
    if actor.role == MAIRE:
        return Scope(communes=(actor.commune_insee or "-",), shareable_text_only=True)
    if actor.role == COMMANDANT:
        return Scope(departments=actor.departments or ("-",))
    return Scope()


def require_commune(actor: Actor, insee: str, department: str) -> None:
    """For exports of one commune: a maire only theirs, a commandant only their départements."""
    if actor.role == MAIRE and actor.commune_insee != insee:
        raise PermissionDenied(OTHER_COMMUNE)
    if actor.role == COMMANDANT and department not in actor.departments:
        raise PermissionDenied(OTHER_DEPARTMENT)
