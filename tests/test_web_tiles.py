"""The app's tile routes: XYZ tiles decoded from the PSQ_TILES file, the file itself with range
requests, and the offline listing of the field page."""

from __future__ import annotations

import json

import pytest
from starlette.applications import Starlette

from diagnostics.services.accounts import NewAccount, add_user
from diagnostics.web import deps
from diagnostics.web.routes import EXCEPTION_HANDLERS, ROUTES
from tests.asgi import request
from tests.conftest import ADMIN_ACTOR, GRAY, VESOUL
from tests.tilefiles import sample_tiles, write_mbtiles, write_pmtiles

APP = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
PASSWORD = "tuiles-de-test-2026"


@pytest.fixture(scope="module")
def tiles():
    return sample_tiles()


@pytest.fixture(scope="module", params=["pmtiles", "mbtiles"])
def tile_file(request, tmp_path_factory, tiles):
    folder = tmp_path_factory.mktemp("routes")
    writer = write_pmtiles if request.param == "pmtiles" else write_mbtiles
    return writer(folder / f"territoire.{request.param}", tiles)


@pytest.fixture
def served(monkeypatch, tile_file):
    monkeypatch.setenv("PSQ_TILES", str(tile_file))
    monkeypatch.delenv("PSQ_TILES_ATTRIBUTION", raising=False)
    return tile_file


def test_xyz_tile_route(served, tiles):
    (z, x, y), data = next(iter(tiles.items()))
    reply = request(APP, f"/tiles/{z}/{x}/{y}.png")
    assert (reply.status, reply.headers["content-type"], reply.body) == (200, "image/png", data)
    assert reply.headers["cache-control"] == "public, max-age=86400"
    again = request(APP, f"/tiles/{z}/{x}/{y}.png", headers={"If-None-Match": reply.headers["etag"]})
    assert (again.status, again.body) == (304, b"")
    assert request(APP, f"/tiles/{z}/{x + 50}/{y}.png").status == 204  # in the zooms, no tile there
    for missing in (f"/tiles/{z}/{x}/{y}.webp", "/tiles/3/1/1.png", f"/tiles/{z}/{1 << z}/{y}.png"):
        reply = request(APP, missing)
        assert reply.status == 404 and "erreur" in json.loads(reply.body)


def test_no_tile_file_configured(monkeypatch):
    monkeypatch.setenv("PSQ_TILES", "none")
    reply = request(APP, "/tiles/12/2118/1434.png")
    assert reply.status == 404 and "PSQ_TILES" in json.loads(reply.body)["erreur"]
    assert request(APP, "/tiles/territoire.pmtiles").status == 404


def test_raw_archive_with_range_requests(served):
    whole = served.read_bytes()
    kind = served.suffix[1:]
    full = request(APP, f"/tiles/territoire.{kind}")
    assert (full.status, full.body, full.headers["accept-ranges"]) == (200, whole, "bytes")
    cases = {
        "bytes=0-126": (0, 126),  # a PMTiles client reads the header first
        "bytes=1000-1999": (1000, 1999),
        f"bytes=-{500}": (len(whole) - 500, len(whole) - 1),
        f"bytes={len(whole) - 10}-": (len(whole) - 10, len(whole) - 1),
    }
    for header, (start, end) in cases.items():
        part = request(APP, f"/tiles/territoire.{kind}", headers={"Range": header})
        assert part.status == 206, header
        assert part.body == whole[start : end + 1]
        assert part.headers["content-range"] == f"bytes {start}-{end}/{len(whole)}"
        assert part.headers["content-length"] == str(end - start + 1)
    past = request(APP, f"/tiles/territoire.{kind}", headers={"Range": f"bytes={len(whole) + 5}-"})
    assert past.status == 416 and past.headers["content-range"] == f"bytes */{len(whole)}"
    head = request(APP, f"/tiles/territoire.{kind}", method="HEAD", headers={"Range": "bytes=0-9"})
    assert (head.status, head.body, head.headers["content-length"]) == (206, b"", "10")
    other = "mbtiles" if kind == "pmtiles" else "pmtiles"
    assert request(APP, f"/tiles/territoire.{other}").status == 404


@pytest.fixture
def signed_in(db):
    """The session cookie of a signed-in agent (logged in through /api/session)."""
    add_user(
        db,
        ADMIN_ACTOR,
        NewAccount(login="agent.tuiles", role="agent", password=PASSWORD, team_name="Groupe de contact de Gray"),
    )
    login = {"identifiant": "agent.tuiles", "mot_de_passe": PASSWORD}
    answer = request(
        APP,
        "/api/session",
        method="POST",
        headers={"content-type": "application/json", "host": "127.0.0.1:8501"},
        body=json.dumps(login).encode(),
    )
    assert answer.status == 200, answer.body
    yield {"cookie": answer.set_cookies()["psq_session"].split(";")[0]}
    deps.close_databases()


def test_offline_listing_needs_a_signed_in_user(served, signed_in):
    for headers in ({}, {"cookie": "psq_session=copied-or-made-up"}):
        reply = request(APP, f"/api/tiles/offline?communes={GRAY[0]}", headers=headers)
        assert reply.status == 401 and "erreur" in json.loads(reply.body)


def test_offline_listing_for_communes(served, signed_in, monkeypatch, tiles):
    reply = request(APP, f"/api/tiles/offline?communes={GRAY[0]},{VESOUL[0]}", headers=signed_in)
    assert reply.status == 200 and reply.headers["cache-control"] == "no-store"
    listing = json.loads(reply.body)
    assert listing["limite"] == 30 * 1024 * 1024 and listing["modele"] == "/tiles/{z}/{x}/{y}.png"
    assert listing["urls"] and set(listing["urls"]) <= {f"/tiles/{z}/{x}/{y}.png" for z, x, y in tiles}
    assert listing["octets"] == sum(len(tiles[tuple(map(int, u[7:-4].split("/")))]) for u in listing["urls"])
    monkeypatch.setenv("PSQ_OFFLINE_TILES_MB", "1")
    monkeypatch.setenv("PSQ_OFFLINE_MAX_ZOOM", "12")
    small = json.loads(request(APP, f"/api/tiles/offline?communes={GRAY[0]}", headers=signed_in).body)
    assert small["zooms"] == [10, 11, 12] and small["limite"] == 1024 * 1024


def test_offline_listing_refusals(served, signed_in):
    for query, status, words in (
        ("", 400, "au moins une commune"),
        ("communes=7027X", 400, "Code INSEE invalide"),
        ("communes=" + ",".join(f"{70000 + i}" for i in range(101)), 400, "Au plus 100"),
        ("communes=70999", 404, "Commune inconnue : 70999"),
    ):
        reply = request(APP, f"/api/tiles/offline?{query}", headers=signed_in)
        assert reply.status == status and words in json.loads(reply.body)["erreur"], query
