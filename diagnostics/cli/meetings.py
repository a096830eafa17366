"""`meetings prepare`: the packs of a cellule de veille's meeting, the forces' and one per partner present."""

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
        help="écrire les dossiers d'une réunion (forces et partenaires présents) dans un dossier",
        description="Écrire dans DOSSIER les dossiers de la réunion de la cellule NOM à la date donnée, en PDF : "
        "celui des forces (complet) et un par partenaire présent, limité à ce que ce partenaire peut lire "
        "(chaque page : destinataire, date, mention confidentielle). Sans réunion enregistrée ce jour-là, "
        "seul le dossier des forces est écrit.",
    )
    _meeting_arguments(prepare)
    prepare.add_argument("--out", required=True, type=Path, metavar="DOSSIER", help="le dossier où écrire")
    prepare.set_defaults(handler=_prepare)
    send = actions.add_parser(
        "send",
        help="envoyer par courriel les dossiers d'une réunion enregistrée",
        description="Mettre en file d'envoi les dossiers de la réunion de la cellule NOM à la date donnée, PDF joint : "
        "celui de chaque partenaire présent à ses adresses de contact, celui des forces aux comptes membres de la "
        "cellule. Un dossier déjà envoyé à une adresse ne l'est pas une seconde fois. "
        "`python -m diagnostics notify run` les envoie.",
    )
    _meeting_arguments(send)
    send.set_defaults(handler=_send)


def _meeting_arguments(parser) -> None:
    """The meeting an action is about: its cellule and its date."""
    parser.add_argument("--cellule", required=True, metavar="NOM", help="le nom de la cellule")
    parser.add_argument("--date", required=True, type=_day, metavar="AAAA-MM-JJ", help="la date de la réunion")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date invalide : {text!r} (attendu AAAA-MM-JJ)") from None


def _prepare(args: argparse.Namespace) -> int:
    """Each pack is written, then audited as handed out by the person at the shell."""
    from diagnostics.auth import system_actor
    from diagnostics.services import meeting_packs

    actor = system_actor()
    count = 0
    with migrated_database() as db:
        meeting_id = meeting_packs.meeting_id_of(db, args.cellule, args.date)
        args.out.mkdir(parents=True, exist_ok=True)
        if meeting_id is None:
            name, pdf = meeting_packs.build_day_pack(db, actor, args.cellule, args.date)
            count = _write(args.out / name, pdf, meeting_packs.FORCES, count)
            print(f"Aucune réunion de « {args.cellule} » enregistrée le {args.date:%d/%m/%Y} : "
                  "pas de dossier de partenaire.")  # fmt: skip
        else:
            for recipient in meeting_packs.pack_recipients(db, actor, meeting_id):
                name, pdf = meeting_packs.build_pack(db, actor, meeting_id, recipient.partner_id)
                count = _write(args.out / name, pdf, recipient.name, count)
                meeting_packs.record_pack_download(db, actor, meeting_id, recipient.partner_id)
    print(f"{count} dossier(s) de « {args.cellule} » pour la réunion du {args.date:%d/%m/%Y} écrit(s) dans {args.out}")
    return 0


def _write(path: Path, pdf: bytes, who: str, count: int) -> int:
    path.write_bytes(pdf)
    print(f"{who} : {path}")
    return count + 1


def _send(args: argparse.Namespace) -> int:
    from diagnostics.auth import system_actor
    from diagnostics.errors import NotFound
    from diagnostics.services import meeting_packs

    with migrated_database() as db:
        meeting_id = meeting_packs.meeting_id_of(db, args.cellule, args.date)
        if meeting_id is None:
            raise NotFound(f"Aucune réunion de « {args.cellule} » enregistrée le {args.date:%d/%m/%Y}.")
        sent = meeting_packs.send_packs(db, system_actor(), meeting_id)
    for item in sent:
        print(f"{item.recipient.name} : {item.summary}")
    print(f"{sum(len(item.queued_to) for item in sent)} courriel(s) mis en file d'envoi")
    return 0
