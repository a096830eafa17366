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
from diagnostics.errors import DiagnosticsError


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except DiagnosticsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a setting with a wrong value
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m diagnostics",
        description="PSQ diagnostics: diagnostics de sûreté for Haute-Saône and Jura. "
        f"The database is DATABASE_URL (default: {config.get('DATABASE_URL')}).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser(
        "init",
        help="create or upgrade the schema and load the reference layers",
        description="Create or upgrade the database schema, load the reference layers from "
        "the geodata folder and, with --demo, add the demo diagnostics. Safe to run again: "
        "what is already there is kept.",
    )
    init.add_argument("--demo", action="store_true", help="also add the demo diagnostics")
    init.add_argument(
        "--observations",
        type=int,
        default=0,
        metavar="N",
        help="with --demo, also add N synthetic observations (deterministic; for load tests)",
    )
    init.set_defaults(handler=_init)

    export = commands.add_parser(
        "export",
        help="export a layer to a file",
        description="Write a layer (reference or observations) to a file in WGS84.",
    )
    export.add_argument("layer", choices=_layer_names(), help="the layer to export")
    export.add_argument(
        "--format",
        default="geojson",
        choices=["geojson", "gpkg", "csv", "kml", "shp"],
        help="file format (default: geojson); shp writes a zip",
    )
    export.add_argument("--out", required=True, type=Path, help="the file to write")
    _add_observation_filters(export)
    export.set_defaults(handler=_export, parser=export)

    _add_import_command(commands)

    _add_snapshot_command(commands)
    _add_user_commands(commands)
    _add_purge_command(commands)
    _add_backup_command(commands)
    return parser


def _add_backup_command(commands) -> None:
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


def _backup(args: argparse.Namespace) -> int:
    from diagnostics.backup import backup_database

    with _database() as db:
        size = backup_database(db, args.file)
    print(f"sauvegarde écrite : {args.file} ({_kib(size)} Kio)")
    print(f"les photos ({config.photo_dir()}) ne sont pas dans la base : sauvegardez ce dossier aussi")
    return 0


def _kib(size: int) -> str:
    return f"{max(1, size // 1024):,}".replace(",", "\u202f")


def _add_user_commands(commands) -> None:
    users = commands.add_parser("users", help="manage accounts", description="Create, list and disable accounts.")
    actions = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="create an account",
        description="Create an account. The password is asked on the terminal, or read from the first line "
        "of standard input when it is not a terminal. With --sso, no password: the user signs in through "
        "OpenID Connect with this login as e-mail address.",
    )
    add.add_argument("login", help="the login (for single sign-on: the e-mail address)")
    add.add_argument("--role", required=True, choices=["agent", "commandant", "maire", "admin"])
    add.add_argument("--commune", metavar="INSEE", help="a maire's commune")
    add.add_argument("--team", metavar="NAME", help="an agent's team (as listed in the app)")
    add.add_argument(
        "--department",
        action="append",
        default=[],
        metavar="CODE",
        help="a commandant's département (repeat for several; default: the team's, else all)",
    )
    add.add_argument("--name", default="", help="the name shown in the app")
    add.add_argument("--sso", action="store_true", help="single sign-on only, no password")
    add.set_defaults(handler=_users_add)
    listing = actions.add_parser("list", help="list accounts", description="List every account.")
    listing.set_defaults(handler=_users_list)
    disable = actions.add_parser("disable", help="disable an account", description="Disable an account.")
    disable.add_argument("login")
    disable.set_defaults(handler=_users_disable)


def _add_purge_command(commands) -> None:
    purge = commands.add_parser(
        "purge",
        help="anonymise data older than the retention period",
        description="Blank participant names and free text of diagnostics and observations older than "
        "PSQ_RETENTION_DAYS (default 1095 days). Dates, places, catégories and préconisations stay.",
    )
    purge.add_argument("--dry-run", action="store_true", help="only say what would be anonymised")
    purge.set_defaults(handler=_purge)


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
            print(f"demo: {load_demo(db)} diagnostics added")
            print(f"demo: {load_demo_accounts(db)} accounts added")
        if args.observations > 0:
            from diagnostics.synthetic import load_synthetic

            if not args.demo:
                raise DiagnosticsError("--observations needs --demo (synthetic data is demo data).")
            print(f"demo: {load_synthetic(db, system_actor(), args.observations)} synthetic observations added")
    finally:
        db.dispose()
    print("database ready")
    return 0


def _export(args: argparse.Namespace) -> int:
    from diagnostics.services.exports import export_layer

    criteria = _observation_filter(args)
    if criteria is not None and args.layer != "observations":
        args.parser.error("--from/--to/--category/--severity/--status/--commune/--team filter observations only")
    with _database() as db:
        if args.team:
            criteria = _with_team_ids(db, criteria, args.team)
        count = export_layer(db, system_actor(), args.layer, args.out, args.format, criteria)
    print(f"{args.layer}: {count} features written to {args.out}")
    return 0


def _add_observation_filters(command) -> None:
    """The filters of the commanders' map, for observations."""
    command.add_argument("--from", dest="start", type=_iso_date, metavar="DATE", help="first day, YYYY-MM-DD")
    command.add_argument("--to", dest="end", type=_iso_date, metavar="DATE", help="last day, YYYY-MM-DD")
    command.add_argument("--category", action="append", default=[], metavar="CODE", help="catégorie (repeatable)")
    command.add_argument("--severity", action="append", default=[], type=int, choices=[1, 2, 3, 4], help="gravité")
    command.add_argument("--status", action="append", default=[], metavar="CODE", help="statut (repeatable)")
    command.add_argument("--commune", action="append", default=[], metavar="INSEE", help="commune (repeatable)")
    command.add_argument("--team", action="append", default=[], metavar="NAME", help="team name (repeatable)")


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
        help="import a layer from a file (GeoJSON, GeoPackage, zipped shapefile, KML, CSV)",
        description="Read a file, reproject it to WGS84 and check every row; print the report. With any "
        "rejected row nothing is written, unless --keep-valid. --dry-run only checks. Observations are "
        "attached to one « import » diagnostic per commune, for the team given by --team.",
    )
    command.add_argument("layer", choices=["observations", "zones", "sectors", "sites", "communes", "dispositifs"])
    command.add_argument("file", type=Path, help="the file to read")
    command.add_argument("--crs", help="coordinate system when the file has none or a wrong one, e.g. EPSG:2154")
    command.add_argument("--team", metavar="NAME", help="observations: the team the imported diagnostics belong to")
    command.add_argument("--keep-valid", action="store_true", help="import the valid rows even if others are rejected")
    command.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    command.add_argument(
        "--column",
        action="append",
        default=[],
        metavar="FIELD=COLUMN",
        help="which column holds a field (repeatable), e.g. --column category=Thème; for CSV positions "
        "also x=…, y=… or wkt=…",
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
    with _database() as db:
        preview = preview_import(
            db, actor, args.layer, args.file, crs=args.crs, columns=columns, position=position or None
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


def _add_snapshot_command(commands) -> None:
    snapshot = commands.add_parser(
        "snapshot",
        help="draw a commune's map for its mayor (PNG, PDF, HTML), or every commune of a département",
        description="Render the map of one commune (boundary, neighbours, observations, zones, sectors, "
        "sites, legend, scale, credits) as an A4 PNG, an A4 PDF with the list of observations, or one "
        "HTML file that works offline. With --department, one file per commune into --out-dir. "
        "Descriptions and names only appear for observations marked shareable.",
    )
    target = snapshot.add_mutually_exclusive_group(required=True)
    target.add_argument("--commune", metavar="INSEE", help="INSEE code of the commune, e.g. 70279")
    target.add_argument("--department", metavar="CODE", help="every commune of this département, e.g. 70")
    snapshot.add_argument("--format", default="png", choices=["png", "pdf", "html"], help="file format (default: png)")
    snapshot.add_argument("--out", type=Path, help="the file to write (with --commune)")
    snapshot.add_argument("--out-dir", type=Path, help="the folder to write into (with --department)")
    snapshot.add_argument("--from", dest="start", type=_iso_date, metavar="DATE", help="first day, YYYY-MM-DD")
    snapshot.add_argument("--to", dest="end", type=_iso_date, metavar="DATE", help="last day, YYYY-MM-DD")
    snapshot.add_argument(
        "--skip-empty", action="store_true", help="with --department: no file for communes without observations"
    )
    snapshot.add_argument(
        "--jobs", type=int, metavar="N", help="with --department: worker processes (default: one per CPU)"
    )
    snapshot.set_defaults(handler=_snapshot, parser=snapshot)


def _iso_date(text: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (expected YYYY-MM-DD, e.g. 2025-01-31)") from None


def _snapshot(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        args.parser.error(f"--from {args.start} is after --to {args.end}")
    if args.commune is not None and args.out is None:
        args.parser.error("--commune needs --out FILE")
    if args.department is not None and args.out_dir is None:
        args.parser.error("--department needs --out-dir DIR")
    if args.jobs is not None and args.jobs < 1:
        args.parser.error("--jobs must be 1 or more")
    period = (args.start, args.end) if args.start or args.end else None
    if args.department is not None:
        return _snapshot_department(args, period)
    from diagnostics.services.exports import commune_snapshot

    with _database() as db:
        content = commune_snapshot(db, system_actor(), args.commune, args.format, period=period)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"snapshot of {args.commune} written to {args.out} ({len(content) // 1024} KiB)")
    return 0


def _snapshot_department(args: argparse.Namespace, period) -> int:
    from diagnostics.services.snapshot_batch import FAILED, export_department

    progress = _Progress(sys.stderr)

    def on_result(result, done: int, total: int) -> None:
        if result.status == FAILED:
            progress.message(f"failed: {result.insee} {result.name}: {result.error}")
        progress.update(done, total, f"{result.insee} {result.name}")

    with _database() as db:
        report = export_department(
            db,
            system_actor(),
            args.department,
            args.format,
            args.out_dir,
            period=period,
            skip_empty=args.skip_empty,
            jobs=args.jobs,
            on_result=on_result,
        )
    progress.finish()
    print(report.summary())
    return 1 if report.failed else 0


class _Progress:
    """A progress bar on a terminal; on a pipe or a log file, one line every tenth of the way."""

    WIDTH = 30

    def __init__(self, stream) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.last_tenth = -1
        self.drawn = False

    def update(self, done: int, total: int, label: str) -> None:
        if self.tty:
            filled = self.WIDTH * done // max(total, 1)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {label[:30]:<30}")
            self.drawn = True
        else:
            tenth = 10 * done // max(total, 1)
            if tenth != self.last_tenth:
                self.last_tenth = tenth
                self.stream.write(f"{done}/{total} ({100 * done // max(total, 1)} %)\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        if self.drawn:
            self.stream.write("\r\x1b[K")
        self.stream.write(text + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _users_add(args: argparse.Namespace) -> int:
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
    )
    with _database() as db:
        actor = add_user(db, system_actor(), account)
    print(f"account {actor.login} created ({actor.role})")
    return 0


def _read_password() -> str:
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise DiagnosticsError("the two passwords differ")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def _users_list(args: argparse.Namespace) -> int:
    from diagnostics.services.accounts import list_users

    with _database() as db:
        for user in list_users(db, system_actor()):
            state = "active" if user["active"] else "disabled"
            scope = user["commune"] or user["departments"] or (f"team {user['team_id']}" if user["team_id"] else "")
            print(f"{user['login']}\t{user['role']}\t{scope}\t{state}")
    return 0


def _users_disable(args: argparse.Namespace) -> int:
    from diagnostics.services.accounts import set_active

    with _database() as db:
        set_active(db, system_actor(), args.login, False)
    print(f"account {args.login} disabled")
    return 0


def _purge(args: argparse.Namespace) -> int:
    from diagnostics.services.retention import purge

    with _database() as db:
        report = purge(db, system_actor(), retention_days=config.retention_days(), dry_run=args.dry_run)
    print(report)
    return 0


class _database:
    """An open, migrated database for the commands that read it."""

    def __enter__(self):
        from diagnostics.db import open_database, schema_revision

        self.db = open_database()
        if schema_revision(self.db) is None:
            self.db.dispose()
            raise DiagnosticsError("The database has no schema yet: run `python -m diagnostics init` first.")
        return self.db

    def __exit__(self, *exc_info):
        self.db.dispose()


if __name__ == "__main__":
    sys.exit(main())
