"""`subscribers import | stop` and `alerts list | send | poll`: the targeted alerts on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from diagnostics import localtime
from diagnostics.auth import system_actor
from diagnostics.cli.base import migrated_database


def add_commands(commands) -> None:
    subscribers = commands.add_parser(
        "subscribers",
        help="gérer les abonnés aux alertes SMS et courriel",
        description="Importer les listes d'abonnés des partenaires (CCI, CMA, Chambre d'agriculture…) et "
        "désinscrire un numéro (STOP).",
    )
    actions = subscribers.add_subparsers(dest="subscribers_command", required=True, metavar="ACTION", title="actions")
    load = actions.add_parser(
        "import",
        help="importer un fichier d'abonnés (CSV, .xlsx, .ods)",
        description="Importer des abonnés : colonnes nom (ou raison sociale), mobile, métier, communes (codes "
        "INSEE ou noms, séparés par des virgules) ou zone (WKT), courriel, convention, date de consentement. "
        "Tout ou rien : avec une ligne rejetée rien n'est écrit, sauf --keep-valid. Les lignes de même numéro "
        "sont fusionnées.",
    )
    load.add_argument("file", type=Path, metavar="FICHIER")
    load.add_argument("--dry-run", action="store_true", help="vérifier et dire ce qui serait fait, sans rien écrire")
    load.add_argument(
        "--keep-valid", action="store_true", help="écrire les lignes valides même si d'autres sont rejetées"
    )
    load.set_defaults(handler=_import)
    stop = actions.add_parser(
        "stop", help="désinscrire définitivement un numéro", description="Désinscrire un numéro, pour de bon (STOP)."
    )
    stop.add_argument("phone", metavar="NUMERO")
    stop.set_defaults(handler=_stop)


def add_alert_commands(commands) -> None:
    alerts = commands.add_parser(
        "alerts",
        help="lister et envoyer les alertes validées",
        description="Lister les alertes, envoyer une alerte validée par une deuxième personne, relever les "
        "accusés de réception et les STOP de la passerelle SMS (PSQ_SMS_URL).",
    )
    verbs = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION", title="actions")
    verbs.add_parser("list", help="lister les alertes", description="Lister les alertes.").set_defaults(handler=_list)
    send = verbs.add_parser(
        "send",
        help="envoyer une alerte validée",
        description="Envoyer une alerte : refusé tant qu'une deuxième personne ne l'a pas validée.",
    )
    send.add_argument("alert_id", type=int, metavar="ID")
    send.set_defaults(handler=_send)
    poll = verbs.add_parser(
        "poll",
        help="relever accusés de réception et STOP",
        description="Se connecter à la passerelle SMS et enregistrer les accusés de réception et les STOP reçus.",
    )
    poll.add_argument("--seconds", type=float, default=5.0, help="durée d'écoute (5 s par défaut)")
    poll.set_defaults(handler=_poll)


def _import(args: argparse.Namespace) -> int:
    from diagnostics.services.subscriber_import import import_subscribers

    with migrated_database() as db:
        report = import_subscribers(db, system_actor(), args.file, dry_run=args.dry_run, keep_valid=args.keep_valid)
    for row in report.rows:
        if row.status == "rejet" or args.dry_run:
            print(row)
    print(report.summary())
    return 1 if report.rejected and not report.written and not args.dry_run else 0


def _stop(args: argparse.Namespace) -> int:
    from diagnostics.services.subscribers import stop_by_admin

    with migrated_database() as db:
        stopped = stop_by_admin(db, system_actor(), args.phone)
    print(
        "abonnement arrêté définitivement" if stopped else "aucun abonnement actif : le numéro est bloqué pour l'avenir"
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from diagnostics.services.alerts import STATUS_LABELS, list_alerts

    with migrated_database() as db:
        alerts = list_alerts(db, system_actor())
    if not alerts:
        print("aucune alerte")
    for alert in alerts:
        when = localtime.format_datetime(alert.created_at)
        counts = " ".join(f"{label} {alert.counts.get(key, 0)}" for key, label in (
            ("sent", "envoyés"), ("delivered", "reçus"), ("failed", "échecs")))  # fmt: skip
        print(f"{alert.id}\t{STATUS_LABELS[alert.status]}\t{when}\t{alert.author}\t{counts}\t{alert.text[:60]}")
    return 0


def _send(args: argparse.Namespace) -> int:
    from diagnostics.services.alert_sending import run_outbox, send_alert

    with migrated_database() as db:
        queued = send_alert(db, system_actor(), args.alert_id)
        result = run_outbox(db)
    print(f"alerte {args.alert_id} : {queued} message(s) mis en file ; {result}")
    return 0


def _poll(args: argparse.Namespace) -> int:
    from diagnostics.services.alert_sending import poll_gateway

    with migrated_database() as db:
        result = poll_gateway(db, seconds=args.seconds)
    print(result)
    return 0
