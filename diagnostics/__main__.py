"""Command line: `python -m diagnostics COMMAND …` (see --help).

Expected failures (unknown commune, unreachable database, missing SpatiaLite) print one line on
stderr and exit with status 1; a wrong command line exits with status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diagnostics import config
from diagnostics.auth import system_actor
from diagnostics.cli import accounts as accounts_cli
from diagnostics.cli import alerts as alerts_cli
from diagnostics.cli import audit as audit_cli
from diagnostics.cli import maintenance as maintenance_cli
from diagnostics.cli import meetings as meetings_cli
from diagnostics.cli import notify as notify_cli
from diagnostics.cli import snapshot as snapshot_cli
from diagnostics.cli import tiles as tiles_cli
from diagnostics.cli.base import RECIPIENT_HELP, FrenchParser, iso_date, migrated_database, os_error_message
from diagnostics.errors import DiagnosticsError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except DiagnosticsError as exc:
        print(f"erreur : {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a setting with a wrong value
        print(f"erreur : {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"erreur : {os_error_message(exc)}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = FrenchParser(
        prog="python -m diagnostics",
        description="PSQ diagnostics : diagnostics de sûreté de la Haute-Saône et du Jura. "
        f"La base de données est DATABASE_URL (par défaut : {config.get('DATABASE_URL')}).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE", title="commandes")

    init = commands.add_parser(
        "init",
        help="créer ou mettre à jour le schéma et charger les couches de référence",
        description="Créer ou mettre à jour le schéma de la base, charger les couches de référence du "
        "dossier geodata et, avec --demo, ajouter les diagnostics de démonstration. Sans risque à relancer : "
        "ce qui est déjà là est gardé.",
    )
    init.add_argument("--demo", action="store_true", help="ajouter aussi les diagnostics de démonstration")
    init.add_argument(
        "--observations",
        type=int,
        default=0,
        metavar="N",
        help="avec --demo, ajouter aussi N observations synthétiques (déterministes ; pour les essais de charge)",
    )
    init.set_defaults(handler=_init)

    export = commands.add_parser(
        "export",
        help="exporter une couche dans un fichier",
        description="Écrire une couche (de référence ou les observations) dans un fichier, en WGS84.",
    )
    export.add_argument("layer", choices=_layer_names(), help="la couche à exporter")
    export.add_argument(
        "--format",
        default="geojson",
        choices=["geojson", "gpkg", "csv", "kml", "shp", "xlsx"],
        help="format du fichier (par défaut : geojson) ; shp écrit un zip, xlsx un classeur Excel",
    )
    export.add_argument("--out", required=True, type=Path, help="le fichier à écrire")
    export.add_argument("--recipient", default="", metavar="NOM", help=RECIPIENT_HELP)
    _add_observation_filters(export)
    export.set_defaults(handler=_export, parser=export)

    _add_import_command(commands)

    snapshot_cli.add_commands(commands)
    accounts_cli.add_commands(commands)
    maintenance_cli.add_commands(commands)
    audit_cli.add_commands(commands)
    tiles_cli.add_commands(commands)
    notify_cli.add_commands(commands)
    alerts_cli.add_commands(commands)
    alerts_cli.add_alert_commands(commands)
    meetings_cli.add_commands(commands)
    return parser


def _layer_names() -> list[str]:
    return ["communes", "sectors", "zones", "sites", "observations"]


def _init(args: argparse.Namespace) -> int:
    from diagnostics.db import open_database, upgrade_schema
    from diagnostics.demo import load_demo, load_demo_accounts
    from diagnostics.services.reference import load_reference_layers

    db = open_database()
    try:
        upgrade_schema(db)
        for report in load_reference_layers(db, config.geodata_dir()):
            print(report)
        if args.demo:
            print(f"démo : {load_demo(db)} diagnostic(s) ajouté(s)")
            print(f"démo : {load_demo_accounts(db)} compte(s) ajouté(s)")
        if args.observations > 0:
            from diagnostics.synthetic import load_synthetic

            if not args.demo:
                raise DiagnosticsError(
                    "--observations demande --demo (les données synthétiques sont de démonstration)."
                )
            added = load_synthetic(db, system_actor(), args.observations)
            print(f"démo : {added} observation(s) synthétique(s) ajoutée(s)")
    finally:
        db.dispose()
    print("base de données prête")
    return 0


def _export(args: argparse.Namespace) -> int:
    from diagnostics.services.exports import export_layer

    criteria = _observation_filter(args)
    if criteria is not None and args.layer != "observations":
        args.parser.error(
            "--from/--to/--category/--severity/--status/--commune/--team ne filtrent que les observations"
        )
    with migrated_database() as db:
        if args.team:
            criteria = _with_team_ids(db, criteria, args.team)
        count = export_layer(db, system_actor(), args.layer, args.out, args.format, criteria, args.recipient)
    print(f"{args.layer} : {count} objet(s) écrit(s) dans {args.out}")
    return 0


def _add_observation_filters(command) -> None:
    """The filters of the commanders' map, for observations."""
    command.add_argument("--from", dest="start", type=iso_date, metavar="DATE", help="premier jour, AAAA-MM-JJ")
    command.add_argument("--to", dest="end", type=iso_date, metavar="DATE", help="dernier jour, AAAA-MM-JJ")
    command.add_argument("--category", action="append", default=[], metavar="CODE", help="catégorie (répétable)")
    command.add_argument("--severity", action="append", default=[], type=int, choices=[1, 2, 3, 4], help="gravité")
    command.add_argument("--status", action="append", default=[], metavar="CODE", help="statut (répétable)")
    command.add_argument("--commune", action="append", default=[], metavar="INSEE", help="commune (répétable)")
    command.add_argument("--team", action="append", default=[], metavar="NOM", help="nom d'équipe (répétable)")


def _observation_filter(args: argparse.Namespace):
    from diagnostics import taxonomy
    from diagnostics.services.observations import ObservationFilter

    if not (args.start or args.end or args.category or args.severity or args.status or args.commune or args.team):
        return None
    for code in args.category:
        if not taxonomy.is_category(code):
            codes = ", ".join(c.code for c in taxonomy.CATEGORIES)
            args.parser.error(f"unknown category {code!r}; choose among: {codes}")
    for code in args.status:
        if code not in taxonomy.STATUSES:
            args.parser.error(f"unknown status {code!r}; choose among: {', '.join(taxonomy.STATUSES)}")
    return ObservationFilter(
        start=args.start,
        end=args.end,
        categories=tuple(args.category),
        severities=tuple(args.severity),
        statuses=tuple(args.status),
        communes=tuple(args.commune),
    )


def _with_team_ids(db, criteria, names: list[str]):
    import dataclasses

    from diagnostics.services.reference import list_teams

    teams = {team.name: team.id for team in list_teams(db)}
    unknown = [name for name in names if name not in teams]
    if unknown:
        raise DiagnosticsError(f"unknown team {unknown[0]!r}; teams: {', '.join(sorted(teams))}")
    return dataclasses.replace(criteria, team_ids=tuple(teams[name] for name in names))


def _add_import_command(commands) -> None:
    command = commands.add_parser(
        "import",
        help="importer une couche depuis un fichier (GeoJSON, GeoPackage, shapefile zippé, KML, KMZ, GPX, CSV, "
        ".xlsx, .ods, exports KoboToolbox et ODK)",
        description="Lire un fichier, le reprojeter en WGS84 et vérifier chaque ligne ; afficher le rapport. "
        "Si une ligne est rejetée, rien n'est écrit, sauf avec --keep-valid. --dry-run vérifie seulement. Les "
        "observations sont rattachées à un diagnostic « import » par commune, pour l'équipe donnée par --team.",
    )
    command.add_argument("layer", choices=["observations", "zones", "sectors", "sites", "communes", "dispositifs"])
    command.add_argument("file", type=Path, help="le fichier à lire")
    command.add_argument(
        "--crs", help="système de coordonnées quand le fichier n'en a pas ou un faux, par exemple EPSG:2154"
    )
    command.add_argument("--team", metavar="NOM", help="observations : l'équipe des diagnostics importés")
    command.add_argument(
        "--keep-valid", action="store_true", help="importer les lignes valides même si d'autres sont rejetées"
    )
    command.add_argument("--dry-run", action="store_true", help="vérifier et rendre compte, sans rien écrire")
    command.add_argument(
        "--sheet", metavar="NOM", help="classeur (.xlsx, .ods) : la feuille à lire (par défaut : la première)"
    )
    command.add_argument(
        "--keep-track-times",
        action="store_true",
        help="GPX : garder le début et la fin de chaque trace (heure de Paris) ; sans cette option les heures "
        "des traces ne sont pas lues (pas de suivi des personnes sans décision de l'équipe)",
    )
    command.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="CHAMP=COLONNE",
        help="la colonne qui contient un champ (répétable), par exemple --column category=Thème ; pour les "
        "positions d'un CSV aussi x=…, y=… ou wkt=…",
    )
    command.set_defaults(handler=_import, parser=command)


def _import(args: argparse.Namespace) -> int:
    from diagnostics.services.imports import commit_import, preview_import

    columns, position = {}, {}
    for item in args.column:
        field, _, column = item.partition("=")
        if not column:
            args.parser.error(f"--column expects FIELD=COLUMN, not {item!r}")
        (position if field in ("x", "y", "wkt") else columns)[field.strip()] = column.strip()
    if not args.file.is_file():
        raise DiagnosticsError(f"file not found: {args.file}")
    actor = system_actor()
    with migrated_database() as db:
        preview = preview_import(
            db,
            actor,
            args.layer,
            args.file,
            crs=args.crs,
            columns=columns,
            position=position or None,
            keep_track_times=args.keep_track_times,
            sheet=args.sheet,
        )
        print(preview.report())
        if args.dry_run:
            return 1 if preview.rejected else 0
        team_id = _team_id(db, args.team) if args.layer == "observations" else None
        result = commit_import(db, actor, preview, keep_valid=args.keep_valid, team_id=team_id)
    print(result)
    return 0


def _team_id(db, name: str | None) -> int:
    from diagnostics.services.reference import list_teams

    teams = {team.name: team.id for team in list_teams(db)}
    if not name or name not in teams:
        raise DiagnosticsError(f"observations need --team NAME, one of: {', '.join(sorted(teams))}")
    return teams[name]


if __name__ == "__main__":
    sys.exit(main())
