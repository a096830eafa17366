"""`purge` and `backup`: keeping the data for as long as it should be, and no longer."""

from __future__ import annotations

import argparse
from pathlib import Path

from diagnostics import config
from diagnostics.auth import system_actor
from diagnostics.cli.base import migrated_database


def add_commands(commands) -> None:
    purge = commands.add_parser(
        "purge",
        help="anonymiser les données plus anciennes que la durée de conservation",
        description="Effacer les noms des participants et les textes libres des diagnostics et observations "
        "plus anciens que PSQ_RETENTION_DAYS (1095 jours par défaut), partout où ils sont copiés (commentaires "
        "de suivi, grilles, brouillons, photos, journal d'audit), puis supprimer les lignes du journal d'audit "
        "plus anciennes que PSQ_AUDIT_RETENTION_DAYS (365 jours par défaut) derrière un point de contrôle "
        "signé avec PSQ_AUDIT_KEY. Dates, lieux, catégories et préconisations restent.",
    )
    purge.add_argument("--dry-run", action="store_true", help="dire seulement ce qui serait anonymisé")
    purge.set_defaults(handler=_purge)

    backup = commands.add_parser(
        "backup",
        help="sauvegarder la base pendant que l'application tourne",
        description="Écrire une copie cohérente de la base dans FICHIER, application en marche : API de "
        "sauvegarde en ligne de SQLite pour un fichier SpatiaLite (un seul fichier, journal WAL compris), "
        "pg_dump au format custom pour PostGIS (à restaurer avec pg_restore). Les photos (PSQ_PHOTO_DIR) "
        "se sauvegardent à part.",
    )
    backup.add_argument("file", type=Path, metavar="FICHIER", help="le fichier à écrire (il ne doit pas exister)")
    backup.set_defaults(handler=_backup)


def _purge(args: argparse.Namespace) -> int:
    from diagnostics.services.retention import purge

    with migrated_database() as db:
        report = purge(db, system_actor(), retention_days=config.retention_days(), dry_run=args.dry_run)
    print(report)
    return 0


def _backup(args: argparse.Namespace) -> int:
    from diagnostics.backup import backup_database

    with migrated_database() as db:
        size = backup_database(db, args.file)
    print(f"sauvegarde écrite : {args.file} ({max(1, size // 1024)} Kio)")
    print(f"les photos ({config.photo_dir()}) ne sont pas dans la base : sauvegardez aussi ce dossier")
    return 0
