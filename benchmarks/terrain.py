"""Benchmark: the offline field page — its bundle's size, and syncing 50 observations with photos.

    .venv/bin/python benchmarks/terrain.py [--observations 50]

Builds a throw-away SpatiaLite database (reference layers, demo diagnostics and accounts), then
measures in the same run:

- the offline bundle of agent.gray (one commune, Gray) as the page downloads it, raw and gzipped,
  and with the commune of the most detailed outline added; the page's shell (its own files and
  Leaflet + Leaflet.draw) apart. Goal: at most 2 MB for one commune, tiles excluded;
- syncing N observations, each with a 1600 px photo (what the page sends once it has resized it),
  through POST /api/terrain/sync (the app's routes, in process, batches as the page makes them);
- the baseline: the same N observations posted one by one through the Streamlit Saisie terrain page
  (AppTest runs the real page: a tap on the map, the fields, the photo uploaded, « Enregistrer »),
  with the same photo. The ratio is baseline time / sync time.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOAL_BYTES = 2_000_000
GRAY = ("70279", 47.4452, 5.5925)
SHELL_FILES = (
    "static/vendor/leaflet/dist/leaflet.js",
    "static/vendor/leaflet/dist/leaflet.css",
    "static/vendor/leaflet-draw/dist/leaflet.draw.js",
    "static/vendor/leaflet-draw/dist/leaflet.draw.css",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--observations", type=int, default=50)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="psq-bench-terrain-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite'}"
    os.environ["PSQ_PHOTO_DIR"] = str(workdir / "photos")
    try:
        db = _demo_database()
        _bundle_sizes(db)
        photo = _photo()
        print(f"photo: {len(photo) / 1024:.0f} KiB JPEG, 1600 × 1200 px")
        sync_s = _sync_seconds(_new_diagnostic(db, "Banc d'essai : synchronisation"), args.observations, photo)
        saisie_s = _saisie_seconds(db, _new_diagnostic(db, "Banc d'essai : Saisie terrain"), args.observations, photo)
        print()
        print(f"{'measure':<52} {'total s':>8} {'s/observation':>14}")
        print(f"{'-' * 52} {'-' * 8} {'-' * 14}")
        n = args.observations
        print(f"{'baseline: Saisie terrain page, one by one (AppTest)':<52} {saisie_s:>8.2f} {saisie_s / n:>14.3f}")
        print(f"{'field page sync: POST /api/terrain/sync':<52} {sync_s:>8.2f} {sync_s / n:>14.3f}")
        print(f"ratio: the sync takes 1/{saisie_s / sync_s:.1f} of the Saisie page's time for {n} observations")
        db.dispose()
        return 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _demo_database():
    from diagnostics import config
    from diagnostics.db import open_database, upgrade_schema
    from diagnostics.demo import load_demo, load_demo_accounts
    from diagnostics.services.reference import load_reference_layers

    started = time.perf_counter()
    db = open_database(os.environ["DATABASE_URL"])
    upgrade_schema(db)
    load_reference_layers(db, config.geodata_dir())
    load_demo(db)
    load_demo_accounts(db)
    print(f"set-up: demo database built in {time.perf_counter() - started:.1f} s")
    return db


def _agent(db):
    from diagnostics.services.accounts import current_account

    return current_account(db, "agent.gray")


def _bundle_sizes(db) -> None:
    import shapely
    from sqlalchemy import select

    from diagnostics.models import Commune
    from diagnostics.services.field_bundle import field_bundle

    agent = _agent(db)
    with db.session() as session:
        rows = session.execute(select(Commune.insee, Commune.name, Commune.geom.ST_AsBinary())).all()
    detailed = max(rows, key=lambda row: shapely.get_num_coordinates(shapely.from_wkb(bytes(row[2]))))
    for label, extra in (("Gray", ()), (f"Gray + {detailed[1]} (most detailed outline)", (detailed[0],))):
        body = json.dumps(field_bundle(db, agent, extra_communes=extra), ensure_ascii=False, separators=(",", ":"))
        raw = len(body.encode())
        zipped = len(gzip.compress(body.encode()))
        verdict = "met" if raw <= GOAL_BYTES else "NOT met"
        print(f"bundle, {label}: {raw / 1024:.0f} KiB ({zipped / 1024:.0f} KiB gzipped); goal 2 MB: {verdict}")
    assets = REPO / "diagnostics" / "web" / "terrain_assets"
    own = sum(path.stat().st_size for path in assets.iterdir())
    vendor = sum((REPO / name).stat().st_size for name in SHELL_FILES)
    print(f"shell kept by the service worker: page {own / 1024:.0f} KiB, Leaflet + Draw {vendor / 1024:.0f} KiB")


def _photo() -> bytes:
    from PIL import Image

    # Smooth noise: about the weight of a phone photo at 1600 px (a flat image would be far lighter).
    image = Image.effect_noise((400, 300), 60).convert("RGB").resize((1600, 1200), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return out.getvalue()


def _new_diagnostic(db, place: str) -> int:
    """An empty diagnostic of agent.gray's team in Gray for one measure (each starts from zero)."""
    import datetime as dt

    from diagnostics.services import fieldwork

    agent = _agent(db)
    draft = fieldwork.DiagnosticDraft(
        team_id=agent.team_id, commune_insee=GRAY[0], place=place, visited_on=dt.date.today()
    )
    return fieldwork.start_diagnostic(db, agent, draft)


def _sync_seconds(diagnostic_id: int, count: int, photo: bytes) -> float:
    """N observations through POST /api/terrain/sync of a real server (`streamlit run server.py`)."""
    from diagnostics.demo import DEMO_PASSWORD

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(REPO / ".venv/bin/streamlit"), "run", "server.py", "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/api/health")
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        _post(opener, f"{base}/api/session", {"identifiant": "agent.gray", "mot_de_passe": DEMO_PASSWORD})
        with opener.open(f"{base}/api/terrain/bundle") as answer:
            assert diagnostic_id in [d["id"] for d in json.load(answer)["diagnostics"]]
        encoded = base64.b64encode(photo).decode()
        items = [_item(diagnostic_id, n, encoded) for n in range(count)]
        started = time.perf_counter()
        for first in range(0, count, 10):  # the page's batches: 10 items or 6 MB
            results = _post(opener, f"{base}/api/terrain/sync", {"items": items[first : first + 10]})["resultats"]
            assert {result["statut"] for result in results} == {"acceptee"}, results
        return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=20)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server not up: {url}")


def _post(opener, url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with opener.open(request) as answer:
        return json.load(answer)


def _item(diagnostic_id: int, n: int, photo: str) -> dict:
    lat, lon = GRAY[1] + (n % 7) * 0.0002, GRAY[2] + (n % 5) * 0.0002
    return {
        "uuid": str(uuid.uuid4()),
        "diagnostic_id": diagnostic_id,
        "observation": {
            "category": "eclairage",
            "severity": 1 + n % 4,
            "description": f"Observation de banc d'essai n° {n}",
            "recommendation": "Remplacer la lampe",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        },
        "photos": [photo],
    }


def _saisie_seconds(db, diagnostic_id: int, count: int, photo: bytes) -> float:
    import streamlit as st
    from sqlalchemy import func, select
    from streamlit.testing.v1 import AppTest

    from diagnostics.field_models import Photo
    from diagnostics.services import fieldwork
    from tests.conftest import sign_in

    agent = _agent(db)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(REPO / "streamlit_app.py"), default_timeout=120)
    sign_in(at, agent)
    at.run()
    next(box for box in at.selectbox if box.label == "Diagnostic").set_value(diagnostic_id).run()
    started = time.perf_counter()
    for n in range(count):
        lat, lon = GRAY[1] + (n % 7) * 0.0002, GRAY[2] + (n % 5) * 0.0002
        at.session_state["field_map"] = {"last_clicked": {"lat": lat, "lng": lon}}
        at.run()
        at.selectbox(key="obs_category").set_value("eclairage")
        at.radio(key="obs_severity").set_value(1 + n % 4)
        at.text_area(key="obs_description").input(f"Observation de banc d'essai n° {n}")
        at.text_area(key="obs_recommendation").input("Remplacer la lampe")
        at.run()
        uploader = next(u for u in at.file_uploader if u.key and u.key.startswith("obs_photos_files_"))
        uploader.upload("photo.jpg", photo, "image/jpeg").run()
        next(b for b in at.button if b.label == "Enregistrer l'observation").click().run()
        assert not at.exception, at.exception
    elapsed = time.perf_counter() - started
    saved = fieldwork.get_diagnostic(db, agent, diagnostic_id).observation_count
    with db.session() as session:
        photos = session.scalar(select(func.count()).select_from(Photo))
    print(f"stored: {saved} observations through the Saisie page, {photos} photos in all")
    return elapsed


if __name__ == "__main__":
    sys.exit(main())
