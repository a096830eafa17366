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
    export.add_argument("--format", default="geojson", choices=["geojson"], help="file format (default: geojson)")
    export.add_argument("--out", required=True, type=Path, help="the file to write")
    export.set_defaults(handler=_export)

    snapshot = commands.add_parser(
        "snapshot",
        help="draw a commune's map for its mayor",
        description="Render the map of one commune (boundary, observations, zones, sectors, sites, "
        "legend, scale, credits) as an image.",
    )
    snapshot.add_argument("--commune", required=True, metavar="INSEE", help="INSEE code of the commune, e.g. 70279")
    snapshot.add_argument("--format", default="png", choices=["png"], help="image format (default: png)")
    snapshot.add_argument("--out", required=True, type=Path, help="the file to write")
    snapshot.set_defaults(handler=_snapshot)
    return parser


def _layer_names() -> list[str]:
    return ["communes", "sectors", "zones", "sites", "observations"]


def _init(args: argparse.Namespace) -> int:
    from diagnostics.db import open_database, upgrade_schema
    from diagnostics.demo import load_demo
    from diagnostics.services.reference import load_reference_layers

    db = open_database()
    try:
        upgrade_schema(db)
        for report in load_reference_layers(db, config.geodata_dir()):
            print(report)
        if args.demo:
            print(f"demo: {load_demo(db)} diagnostics added")
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

    with _database() as db:
        count = export_layer(db, system_actor(), args.layer, args.out, args.format)
    print(f"{args.layer}: {count} features written to {args.out}")
    return 0


def _snapshot(args: argparse.Namespace) -> int:
    from diagnostics.services.exports import commune_snapshot_png

    with _database() as db:
        image = commune_snapshot_png(db, system_actor(), args.commune)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(image)
    print(f"snapshot of {args.commune} written to {args.out} ({len(image) // 1024} KiB)")
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
