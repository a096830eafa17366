"""`snapshot`: a commune's map for its mayor (PNG, PDF, HTML, XLSX), or one per commune of a département."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from diagnostics.auth import system_actor
from diagnostics.cli.base import RECIPIENT_HELP, iso_date, migrated_database


def add_commands(commands) -> None:
    snapshot = commands.add_parser(
        "snapshot",
        help="dessiner la carte d'une commune pour son maire (PNG, PDF, HTML), ou de chaque commune d'un département",
        description="Dessiner la carte d'une commune (limites, voisines, observations, zones, secteurs, "
        "sites, légende, échelle, crédits) en PNG A4, en PDF A4 avec la liste des observations, ou en un "
        "fichier HTML qui s'ouvre hors ligne. Avec --department, un fichier par commune dans --out-dir. "
        "Descriptions et noms n'apparaissent que pour les observations marquées partageables.",
    )
    target = snapshot.add_mutually_exclusive_group(required=True)
    target.add_argument("--commune", metavar="INSEE", help="code INSEE de la commune, par exemple 70279")
    target.add_argument("--department", metavar="CODE", help="chaque commune de ce département, par exemple 70")
    snapshot.add_argument(
        "--format",
        default="png",
        choices=["png", "pdf", "html", "xlsx"],
        help="format du fichier (par défaut : png) ; xlsx : les observations en tableau",
    )
    snapshot.add_argument("--out", type=Path, metavar="FICHIER", help="le fichier à écrire (avec --commune)")
    snapshot.add_argument("--recipient", default="", metavar="NOM", help=RECIPIENT_HELP)
    snapshot.add_argument("--out-dir", type=Path, metavar="DOSSIER", help="le dossier où écrire (avec --department)")
    snapshot.add_argument("--from", dest="start", type=iso_date, metavar="DATE", help="premier jour, AAAA-MM-JJ")
    snapshot.add_argument("--to", dest="end", type=iso_date, metavar="DATE", help="dernier jour, AAAA-MM-JJ")
    snapshot.add_argument(
        "--skip-empty",
        action="store_true",
        help="avec --department : pas de fichier pour les communes sans observation",
    )
    snapshot.add_argument(
        "--jobs", type=int, metavar="N", help="avec --department : processus de rendu (par défaut : un par processeur)"
    )
    snapshot.set_defaults(handler=_snapshot, parser=snapshot)


def _snapshot(args: argparse.Namespace) -> int:
    if args.start and args.end and args.start > args.end:
        args.parser.error(f"--from {args.start} est après --to {args.end}")
    if args.commune is not None and args.out is None:
        args.parser.error("--commune demande --out FICHIER")
    if args.department is not None and args.out_dir is None:
        args.parser.error("--department demande --out-dir DOSSIER")
    if args.jobs is not None and args.jobs < 1:
        args.parser.error("--jobs doit valoir 1 ou plus")
    period = (args.start, args.end) if args.start or args.end else None
    if args.department is not None:
        return _snapshot_department(args, period)
    from diagnostics.services.exports import commune_snapshot

    with migrated_database() as db:
        content = commune_snapshot(
            db, system_actor(), args.commune, args.format, period=period, recipient=args.recipient
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"carte de {args.commune} écrite dans {args.out} ({max(1, len(content) // 1024)} Kio)")
    return 0


def _snapshot_department(args: argparse.Namespace, period) -> int:
    from diagnostics.services.snapshot_batch import FAILED, export_department

    progress = _Progress(sys.stderr)

    def on_result(result, done: int, total: int) -> None:
        if result.status == FAILED:
            progress.message(f"échec : {result.insee} {result.name} : {result.error}")
        progress.update(done, total, f"{result.insee} {result.name}")

    with migrated_database() as db:
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
