"""Import of a large CSV of observations (preview, then commit), beside `init --observations`'
bulk path on the same count, in the same run.

    .venv/bin/python benchmarks/import_large.py --count 100000                # SpatiaLite and PostGIS
    .venv/bin/python benchmarks/import_large.py --count 1000000 --backend postgis

The CSV is what a partner's spreadsheet gives: `;`-separated UTF-8, catégories and gravités
written as codes or labels, dates as JJ/MM/AAAA, a décimal comma in half the positions, one
submission id per row, points scattered around places inside the communes of Haute-Saône and
Jura (diagnostics.synthetic_points). For each backend, on fresh databases (migrated, reference
layers loaded; PostGIS on a throwaway cluster, tests/postgres_cluster.py), each phase runs in a
child process of its own so that its peak memory (ru_maxrss) is its own: the import (preview
then commit; the parse by the isolation child timed apart), then `load_synthetic` of the same
count. Each line gives the load average (1 minute) when it began; compare phases by their ratio,
not their seconds (a CI shares the two cores).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from bulk_load import _fresh_databases  # noqa: E402

CATEGORIES = ("eclairage", "Éclairage", "Tags", "dépôts sauvages", "Vidéoprotection", "autre", "stationnement")
SEVERITIES = ("1", "2", "3", "4", "Forte", "faible")
STATUSES = ("", "nouvelle", "Transmise", "en cours", "Traitée")
HEADER = ";".join(
    ("categorie", "gravite", "date", "latitude", "longitude", "constat", "preconisation", "partenaire", "statut")
    + ("partageable", "identifiant_de_soumission")
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="observations in the CSV")
    parser.add_argument("--backend", choices=["spatialite", "postgis", "both"], default="both")
    parser.add_argument("--no-bulk", action="store_true", help="skip the `init --observations` baseline")
    parser.add_argument("--child", nargs=3, metavar=("PHASE", "URL", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_run_child(*args.child)))
        return 0
    backends = ["spatialite", "postgis"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory(prefix="psq-import-large-") as directory:
        started = time.perf_counter()
        path = write_csv(Path(directory) / "constats.csv", args.count)
        size = path.stat().st_size / 1e6
        print(f"{args.count:,} rows, {size:.0f} MB CSV written in {time.perf_counter() - started:.1f} s")
        for backend in backends:
            with _fresh_databases(backend) as fresh:
                imported = _child("import", fresh(), path)
                line = (
                    f"{backend}: import {imported['total']:.1f} s = preview {imported['preview']:.1f} s "
                    f"(parse in the isolation child {imported['parse']:.1f} s, checks {imported['checks']:.1f} s) "
                    f"+ commit {imported['commit']:.1f} s; {imported['added']:,} added; peak RSS "
                    f"{imported['rss_mb']:.0f} MB (isolation child {imported['child_rss_mb']:.0f} MB) "
                    f"(load {imported['load']:.1f})"
                )
                print(line, flush=True)
                if not args.no_bulk:
                    loaded = _child("bulk", fresh(), path)
                    ratio = imported["total"] / loaded["total"]
                    print(
                        f"{backend}: init --observations {loaded['total']:.1f} s, peak RSS {loaded['rss_mb']:.0f} MB "
                        f"(load {loaded['load']:.1f}); import / bulk = {ratio:.2f}x",
                        flush=True,
                    )
    return 0


def write_csv(path: Path, count: int, seed: int = 20) -> Path:
    """`count` observations as a partner's spreadsheet exports them (see the module's docstring)."""
    import geopandas as gpd

    from diagnostics import config
    from diagnostics.synthetic_points import scattered_points

    communes = gpd.read_file(config.geodata_dir() / "communes.geojson")
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 40, size=count // 5 + 1)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), count) + 1]
    sizes[-1] -= sizes.sum() - count
    weights = np.maximum(communes["population"].to_numpy(dtype=float), 50.0)
    commune_index = rng.choice(len(communes), size=len(sizes), p=weights / weights.sum())
    lon, lat = scattered_points(rng, communes, commune_index, sizes)
    days = np.datetime64("2026-11-30") - rng.integers(0, 4 * 365, size=count).astype("timedelta64[D]")
    day_text = np.datetime_as_string(days)
    columns = {
        "category": np.array(CATEGORIES)[rng.integers(0, len(CATEGORIES), count)],
        "severity": np.array(SEVERITIES)[rng.integers(0, len(SEVERITIES), count)],
        "status": np.array(STATUSES)[rng.integers(0, len(STATUSES), count)],
    }
    comma = rng.random(count) < 0.5
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(HEADER + "\r\n")
        for i in range(count):
            y, m, d = day_text[i].split("-")
            position = f"{lat[i]:.6f};{lon[i]:.6f}"
            if comma[i]:
                position = position.replace(".", ",")
            handle.write(
                f"{columns['category'][i]};{columns['severity'][i]};{d}/{m}/{y};{position};"
                f'"Constat n° {i} : candélabre ""éteint"" rue {i % 97}";Réparer l\'éclairage;Mairie;'
                f"{columns['status'][i]};{'oui' if i % 3 else 'non'};sub-{seed}-{i}\r\n"
            )
    return path


def _child(phase: str, url: str, path: Path) -> dict:
    load = os.getloadavg()[0]
    environment = dict(os.environ)
    # A million rows make a file above the default limit (50 MB): the operator's setting.
    environment["PSQ_IMPORT_MAX_MB"] = str(max(50, int(path.stat().st_size / 1e6) + 1))
    done = subprocess.run(
        [sys.executable, __file__, "--child", phase, url, str(path)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{phase} failed on {url}")
    return json.loads(done.stdout.splitlines()[-1]) | {"load": load}


def _run_child(phase: str, url: str, csv: str) -> dict:
    from sqlalchemy import select

    from diagnostics.auth import system_actor
    from diagnostics.db import open_database
    from diagnostics.models import Team
    from diagnostics.synthetic import load_synthetic

    db = open_database(url)
    actor = system_actor()
    with open(csv, encoding="utf-8") as handle:
        count = sum(1 for _ in handle) - 1
    try:
        if phase == "bulk":
            started = time.perf_counter()
            load_synthetic(db, actor, count)
            return {"total": time.perf_counter() - started, **_peaks()}
        from diagnostics.io import files
        from diagnostics.services import imports

        parse = []
        read_upload = files.read_upload

        def timed_read(*arguments, **options):
            started = time.perf_counter()
            try:
                return read_upload(*arguments, **options)
            finally:
                parse.append(time.perf_counter() - started)

        files.read_upload = timed_read
        with db.session() as session:
            team_id = session.scalar(select(Team.id).order_by(Team.id).limit(1))
        started = time.perf_counter()
        preview = imports.preview_import(db, actor, "observations", Path(csv))
        previewed = time.perf_counter()
        if preview.rejected:
            raise SystemExit(preview.report()[:2000])
        result = imports.commit_import(db, actor, preview, team_id=team_id)
        done = time.perf_counter()
        return {
            "total": done - started,
            "preview": previewed - started,
            "parse": sum(parse),
            "checks": previewed - started - sum(parse),
            "commit": done - previewed,
            "added": result.added,
            **_peaks(),
        }
    finally:
        db.dispose()


def _peaks() -> dict:
    """Peak resident memory of this process and of its largest waited-for child, in MB (Linux: KiB)."""
    return {
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    sys.exit(main())
