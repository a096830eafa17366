"""The feed as QGIS opens it: GDAL's OAPIF driver (through pyogrio) against the real ASGI server
(uvicorn server:app) on loopback, with HTTP Basic credentials in GDAL_HTTP_USERPWD.

The mayor of Gray never receives a confidential field (the text of an observation that was not
shared, a team's or a unit's name); the commandant does. Pages are followed and the bbox is sent
to the server (both seen in its access log)."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pyogrio
import pytest

from tests.conftest import GRAY
from tests.feed_data import GRAY_TEAM, PASSWORD, SECRET, SECRET_ADVICE, SHARED, make_feed_data
from tests.servers import free_port, wait_healthy

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def feed_server(db, db_url, tmp_path):
    """(base URL of the feed, path of the server's log) for the test's database."""
    port, log = free_port(), tmp_path / "uvicorn.log"
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        data = make_feed_data(db)  # while the server starts: it opens the database at its first request
        wait_healthy(f"http://127.0.0.1:{port}/api/health", server, log)
        yield f"http://127.0.0.1:{port}/ogc", log, data
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def gdal_as(login: str):
    """GDAL's HTTP settings as QGIS's basic authentication sets them."""
    options = {"GDAL_HTTP_USERPWD": f"{login}:{PASSWORD}", "GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_PROXY": None}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(dict.fromkeys(options))


def read(base: str, layer: str, **options):
    return pyogrio.read_dataframe(f"OAPIF:{base}", layer=layer, **options)


def _text_of(frame) -> str:
    return frame.drop(columns=frame.geometry.name).astype(str).to_csv()


def test_qgis_gives_the_mayor_no_confidential_field_and_the_commandant_the_forces_view(feed_server):
    """One server per backend for both accounts: starting it is most of this test's time."""
    base, log, data = feed_server
    with gdal_as("maire.gray"):
        layers = {name for name, _ in pyogrio.list_layers(f"OAPIF:{base}")}
        assert layers == {"communes", "sectors", "zones", "sites", "observations"}
        observations = read(base, "observations", PAGE_SIZE=2)
        zones = read(base, "zones")
        communes = read(base, "communes")
    assert sorted(observations["id"]) == sorted(data.gray_ids)  # 5 observations, pages of 2
    text = _text_of(observations) + _text_of(zones)
    for confidential in (SECRET, SECRET_ADVICE, GRAY_TEAM, "Communauté de brigades", "BTA et PSIG"):
        assert confidential not in text, confidential
    assert SHARED in set(observations["description"])
    assert "team_name" not in observations.columns and "author" not in observations.columns
    assert list(communes["insee"]) == [GRAY[0]]
    requests = [line for line in log.read_text().splitlines() if "/collections/observations/items" in line]
    assert any("offset=2" in line for line in requests) and any("offset=4" in line for line in requests)

    lat, lon = GRAY[1], GRAY[2]
    with gdal_as("cdt.70"):
        observations = read(base, "observations")
        in_box = read(base, "observations", bbox=(lon - 0.01, lat - 0.01, lon + 0.01, lat + 0.01))
        zones = read(base, "zones")
    assert sorted(observations["id"]) == sorted([*data.gray_ids, data.vesoul_id])
    assert SECRET in set(observations["description"]) and GRAY_TEAM in set(observations["team_name"])
    assert "Communauté de brigades de Gray — BTA et PSIG" in set(zones["unit"])
    assert sorted(in_box["id"]) == sorted(data.gray_ids)
    assert any("bbox=" in line for line in log.read_text().splitlines())  # filtered by the server
