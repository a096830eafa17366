"""`users add | list | disable | enable`: accounts from the command line, in French."""

from __future__ import annotations

import argparse
import getpass
import sys

from diagnostics import auth
from diagnostics.auth import system_actor
from diagnostics.cli.base import migrated_database
from diagnostics.errors import DiagnosticsError


def add_commands(commands) -> None:
    users = commands.add_parser(
        "users",
        help="gérer les comptes",
        description="Créer, lister, désactiver et réactiver les comptes.",
    )
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION", title="actions")
    add = actions.add_parser(
        "add",
        help="créer un compte",
        description="Créer un compte. Le mot de passe est demandé au terminal, ou lu sur la première ligne "
        "de l'entrée standard quand ce n'est pas un terminal. Avec --sso, pas de mot de passe : la personne "
        "se connecte par l'annuaire (OpenID Connect), cet identifiant étant son adresse électronique. "
        "Les identifiants ne distinguent pas les majuscules.",
    )
    add.add_argument("login", metavar="IDENTIFIANT", help="l'identifiant (annuaire : l'adresse électronique)")
    add.add_argument("--role", required=True, choices=list(auth.ROLES), help="le rôle du compte")
    add.add_argument("--commune", metavar="INSEE", help="la commune d'un maire")
    add.add_argument("--team", metavar="NOM", help="l'équipe d'un agent (telle qu'elle est nommée dans l'application)")
    add.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="CODE",
        help="un département d'un commandant (à répéter ; par défaut : celui de son équipe, sinon tous)",
    )
    add.add_argument(
        "--partner",
        metavar="NOM",
        help="le partenaire d'un compte partenaire (un maire : par défaut, celui de sa commune)",
    )
    add.add_argument("--name", default="", metavar="NOM", help="le nom affiché dans l'application")
    add.add_argument("--sso", action="store_true", help="connexion par l'annuaire seulement, sans mot de passe")
    add.set_defaults(handler=_add)
    listing = actions.add_parser("list", help="lister les comptes", description="Lister tous les comptes.")
    listing.set_defaults(handler=_list)
    for name, verb, active in (("disable", "désactiver", False), ("enable", "réactiver", True)):
        command = actions.add_parser(name, help=f"{verb} un compte", description=f"{verb.capitalize()} un compte.")
        command.add_argument("login", metavar="IDENTIFIANT")
        command.set_defaults(handler=_set_active, active=active)


def _add(args: argparse.Namespace) -> int:
    from diagnostics.services.accounts import NewAccount, add_user

    password = None if args.sso else _read_password()
    account = NewAccount(
        login=args.login,
        role=args.role,
        password=password,
        display_name=args.name,
        commune_insee=args.commune,
        team_name=args.team,
        departments=tuple(args.department),
        partner_name=args.partner,
    )
    with migrated_database() as db:
        actor = add_user(db, system_actor(), account)
    print(f"compte {actor.login} créé ({auth.ROLES[actor.role]})")
    return 0


def _read_password() -> str:
    if sys.stdin.isatty():
        password = getpass.getpass("Mot de passe : ")
        if getpass.getpass("Mot de passe (encore) : ") != password:
            raise DiagnosticsError("les deux mots de passe diffèrent")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _list(args: argparse.Namespace) -> int:
    from diagnostics.services.accounts import list_users
    from diagnostics.services.reference import list_communes, list_teams

    with migrated_database() as db:
        teams = {team.id: team.name for team in list_teams(db)}
        communes = {commune.insee: commune.label for commune in list_communes(db)}
        for user in list_users(db, system_actor()):
            print(
                "\t".join(
                    (
                        user["login"],
                        auth.ROLES.get(user["role"], user["role"]),
                        _scope(user, teams, communes),
                        "actif" if user["active"] else "désactivé",
                    )
                )
            )
    return 0


def _scope(user: dict, teams: dict[int, str], communes: dict[str, str]) -> str:
    """What the account is attached to: its commune, its team (by name), its départements."""
    parts = []
    if user["commune"]:
        parts.append(communes.get(user["commune"], user["commune"]))
    if user["team_id"] is not None:
        parts.append(teams.get(user["team_id"], f"équipe n° {user['team_id']}"))
    if user["departments"]:
        parts.append("départements " + user["departments"].replace(",", ", "))
    return " ; ".join(parts) or "—"


def _set_active(args: argparse.Namespace) -> int:
    from diagnostics.services.accounts import set_active

    with migrated_database() as db:
        set_active(db, system_actor(), args.login, args.active)
    print(f"compte {args.login.lower()} {'réactivé' if args.active else 'désactivé'}")
    return 0
