"""`audit verify` and `audit export`: the audit log checked against its hash chain, and copied."""

from __future__ import annotations

import argparse
from pathlib import Path

from diagnostics.cli.base import migrated_database


def add_commands(commands) -> None:
    audit = commands.add_parser(
        "audit",
        help="vérifier le journal d'audit ou l'exporter",
        description="Le journal d'audit est une chaîne d'empreintes (SHA-256) : chaque ligne porte "
        "l'empreinte de la précédente et la sienne.",
    )
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION", title="actions")
    verify = actions.add_parser(
        "verify",
        help="vérifier la chaîne ; statut 1 à la première ligne modifiée, supprimée ou insérée hors ordre",
        description="Parcourir le journal dans l'ordre et signaler la première ligne modifiée, supprimée "
        "ou insérée hors de son ordre (statut de sortie 1). Après une purge, le début du journal est "
        "vérifié par le point de contrôle signé avec PSQ_AUDIT_KEY.",
    )
    verify.set_defaults(handler=_verify)
    export = actions.add_parser(
        "export",
        help="ajouter les lignes pas encore exportées à un dossier (une fois par jour, par cron)",
        description="Ajouter au dossier DOSSIER (fichiers audit-AAAA-MM-JJ.jsonl, jamais réécrits) les "
        "lignes du journal pas encore exportées, textes libres scellés.",
    )
    export.add_argument("--to", required=True, type=Path, metavar="DOSSIER", help="le dossier d'export")
    export.set_defaults(handler=_export)


def _verify(args: argparse.Namespace) -> int:
    from diagnostics.services.audit_log import verify

    with migrated_database() as db:
        result = verify(db)
    print(result)
    return 0 if result.ok else 1


def _export(args: argparse.Namespace) -> int:
    from diagnostics.services.audit_log import export

    with migrated_database() as db:
        count = export(db, args.to)
    print(f"{count} ligne(s) du journal d'audit ajoutée(s) à {args.to}")
    return 0
