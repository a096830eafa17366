"""The map of the territory in a cellule's meeting pack (issue 17): the pack with its map against
the same pack without it (the baseline, same run).

    .venv/bin/python benchmarks/meeting_pack_map.py                       # SpatiaLite and PostGIS
    .venv/bin/python benchmarks/meeting_pack_map.py --backend spatialite --dole 500

On a fresh database (as benchmarks/camera_coverage.py fills it: reference layers, the demo
cellules and Dole's twelve cameras, `--count` synthetic observations, `--dole` new observations
in Dole's centre since the previous meeting), the time of `meeting_packs.build_pack` for the
forces' pack and for the pack of Grand Dole Habitat (a partner), with the map and without it
(`meeting_pack_map.map_layers` returning None), and their ratio. Best of `--repeat` runs each.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from camera_coverage import _best, arguments, run_on_backends  # noqa: E402
from sqlalchemy import select  # noqa: E402

from diagnostics.auth import system_actor  # noqa: E402
from diagnostics.partner_models import Partner  # noqa: E402
from diagnostics.services import cellules, meeting_pack_map, meeting_packs  # noqa: E402

MEETING = dt.date(2026, 12, 3)


def main() -> int:
    args = arguments(__doc__, count=5_000, dole_help="new observations in Dole's centre")
    return run_on_backends(args, _measure)


def _measure(db, backend: str, repeat: int) -> None:
    actor = system_actor()
    with db.session() as session:
        ids = {name: id_ for name, id_ in session.execute(select(Partner.name, Partner.id))}
    partner = ids["Grand Dole Habitat"]
    meeting = cellules.record_meeting(db, actor, "Cellule de veille de Dole", MEETING, (ids["Mairie de Dole"], partner))
    real = meeting_pack_map.map_layers
    for who, partner_id in (("forces", None), ("Grand Dole Habitat", partner)):

        def build(partner_id=partner_id):
            return meeting_packs.build_pack(db, actor, meeting, partner_id, issued_on=MEETING)[1]

        with_map, pdf = _best(repeat, build)
        meeting_pack_map.map_layers = lambda *a, **k: None
        try:
            without, plain = _best(repeat, build)
        finally:
            meeting_pack_map.map_layers = real
        print(
            f"{backend}, {who}: with the map {with_map:.2f} s ({len(pdf) // 1024} KiB), without {without:.2f} s "
            f"({len(plain) // 1024} KiB), ratio {with_map / without:.2f} (load average {os.getloadavg()[0]:.1f})"
        )


if __name__ == "__main__":
    raise SystemExit(main())
