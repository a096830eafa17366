"""`notify run` (the outbox worker), `notify address` (an account's e-mail) and `deliver` (the mayors' maps)."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from diagnostics import config
from diagnostics.auth import system_actor
from diagnostics.cli.base import migrated_database
from diagnostics.errors import DiagnosticsError


def add_commands(commands) -> None:
    notify = commands.add_parser(
        "notify",
        help="envoyer les courriels en attente (file d'envoi)",
        description="La file d'envoi des courriels : `run` les envoie par PSQ_SMTP_URL, `address` règle "
        "l'adresse et la fréquence d'un compte.",
    )
    actions = notify.add_subparsers(dest="notify_command", required=True, metavar="ACTION", title="actions")
    run = actions.add_parser(
        "run",
        help="envoyer les messages dus, puis attendre les suivants",
        description="Réclamer les messages dus, les envoyer, marquer chacun envoyé ; réessayer avec un délai "
        "croissant ; échec définitif après PSQ_OUTBOX_MAX_ATTEMPTS tentatives. Prépare aussi les résumés "
        "quotidiens et les rappels d'échéance. Plusieurs processus peuvent tourner à la fois.",
    )
    run.add_argument("--once", action="store_true", help="une seule passe puis quitter (pour cron ou un timer)")
    run.add_argument("--interval", type=float, default=30.0, metavar="S", help="secondes entre deux passes (30)")
    run.add_argument("--batch", type=int, default=50, metavar="N", help="messages réclamés à la fois (50)")
    run.set_defaults(handler=_run)

    address = actions.add_parser(
        "address",
        help="régler l'adresse de courriel et la fréquence d'un compte",
        description="L'adresse où un compte reçoit ses messages et leur fréquence (ce que chacun règle aussi "
        "sur la page « Mon compte »).",
    )
    address.add_argument("login", help="l'identifiant du compte")
    address.add_argument("email", help="l'adresse de courriel (vide : aucune)")
    address.add_argument(
        "--frequency", choices=["immediate", "digest", "none"], default="immediate", help="par défaut : immediate"
    )
    address.set_defaults(handler=_address)

    deliver = commands.add_parser(
        "deliver",
        help="envoyer à chaque maire la carte PDF de sa commune pour une période",
        description="Mettre dans la file d'envoi, pour chaque commune du département, la carte PDF de la période "
        "(même contenu que l'export maire) adressée aux comptes maire de la commune. Relancer pour la même "
        "période n'envoie rien deux fois. `notify run` les envoie.",
    )
    deliver.add_argument("--department", required=True, metavar="CODE", help="par exemple 70")
    deliver.add_argument(
        "--period",
        default="last-month",
        metavar="PÉRIODE",
        help="last-month (par défaut) ou AAAA-MM, par exemple 2026-11",
    )
    deliver.add_argument("--skip-empty", action="store_true", help="rien pour les communes sans observation")
    deliver.add_argument("--dry-run", action="store_true", help="dire seulement ce qui serait envoyé")
    deliver.set_defaults(handler=_deliver, parser=deliver)


def _transport():
    from diagnostics.io.mail import SmtpTransport, parse_smtp_url

    settings = parse_smtp_url(config.get("PSQ_SMTP_URL"), config.get("PSQ_SMTP_CA_FILE"))
    if settings is None:
        raise DiagnosticsError("PSQ_SMTP_URL vaut none : aucun serveur de courriel, les messages restent en attente.")
    return SmtpTransport(settings)


def _run(args: argparse.Namespace) -> int:
    from diagnostics.notify.worker import run_once
    from diagnostics.services import schedules  # noqa: F401  (registers the scans)

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    transport = _transport()
    with migrated_database() as db:
        while True:
            report = run_once(db, transport, batch=max(1, args.batch))
            for error in report.errors:
                print(f"erreur : {error}", file=sys.stderr)
            if args.once or report.sent or report.failed or report.retried:
                print(report.summary(), flush=True)
            if args.once:
                return 0
            deadline = time.monotonic() + max(0.5, args.interval)
            while time.monotonic() < deadline and not stopping:
                time.sleep(0.2)
            if stopping:
                return 0


def _address(args: argparse.Namespace) -> int:
    from diagnostics.services.outbox import set_preference_for

    with migrated_database() as db:
        preference = set_preference_for(db, system_actor(), args.login, args.email, args.frequency)
    print(f"{args.login} : {preference.email or '(aucune adresse)'} ({preference.frequency})")
    return 0


def _deliver(args: argparse.Namespace) -> int:
    from diagnostics.services.deliveries import deliver_department, parse_period

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        args.parser.error(str(exc))
    with migrated_database() as db:
        report = deliver_department(
            db, system_actor(), args.department, period, skip_empty=args.skip_empty, dry_run=args.dry_run
        )
    for line in report.lines():
        print(line)
    return 1 if report.failed else 0
