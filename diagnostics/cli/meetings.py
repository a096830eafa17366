"""`meetings prepare`: the agenda of a cellule de veille's meeting, written as the forces' PDF."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from diagnostics.cli.base import migrated_database


def add_commands(commands) -> None:
    meetings = commands.add_parser(
        "meetings",
        help="préparer les réunions des cellules de veille",
        description="Les réunions des cellules de veille : l'ordre du jour est préparé à partir des données "
        "depuis la réunion précédente de la cellule.",
    )
    actions = meetings.add_subparsers(dest="meetings_command", required=True, metavar="ACTION", title="actions")
    prepare = actions.add_parser(
        "prepare",
        help="écrire l'ordre du jour d'une réunion (PDF des forces) dans un dossier",
        description="Écrire dans DOSSIER l'ordre du jour de la réunion de la cellule NOM à la date donnée, "
        "en PDF pour les forces (chaque page : destinataire, date, mention confidentielle).",
    )
    prepare.add_argument("--cellule", required=True, metavar="NOM", help="le nom de la cellule")
    prepare.add_argument("--date", required=True, type=_day, metavar="AAAA-MM-JJ", help="la date de la réunion")
    prepare.add_argument("--out", required=True, type=Path, metavar="DOSSIER", help="le dossier où écrire")
    prepare.set_defaults(handler=_prepare)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide : {text!r} (attendu AAAA-MM-JJ)") from None


def _prepare(args: argparse.Namespace) -> int:
    from diagnostics.auth import system_actor
    from diagnostics.localtime import now_paris
    from diagnostics.meeting_pdf import render_agenda_pdf
    from diagnostics.services.agenda import prepare_agenda

    with migrated_database() as db:
        agenda = prepare_agenda(db, system_actor(), args.cellule, args.date)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"ordre-du-jour-{args.date.isoformat()}-forces.pdf"
    path.write_bytes(render_agenda_pdf(agenda, issued_on=now_paris().date()))
    print(f"Ordre du jour de « {agenda.cellule} » du {args.date:%d/%m/%Y} écrit dans {path}")
    return 0
