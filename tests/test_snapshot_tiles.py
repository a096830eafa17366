"""The mayor's one-file HTML map carries the tiles of its commune (PSQ_TILES file) within
PSQ_SNAPSHOT_TILES_MB, so it shows streets when opened offline from an e-mail."""

from __future__ import annotations

import re

import pytest

from diagnostics.assets import assets_installed
from diagnostics.services.exports import commune_snapshot
from diagnostics.snapshots.standalone import external_references
from tests.conftest import GRAY
from tests.tilefiles import sample_tiles, write_pmtiles

pytestmark = pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")
EMBEDDED = re.compile(r'"(\d+)/(\d+)/(\d+)":"data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def tile_file(tmp_path_factory):
    return write_pmtiles(tmp_path_factory.mktemp("snapshot") / "territoire.pmtiles", sample_tiles())


def embedded(page: str) -> dict[tuple[int, int, int], int]:
    return {(int(z), int(x), int(y)): len(data) for z, x, y, data in EMBEDDED.findall(page)}


def test_the_html_snapshot_embeds_its_communes_tiles_within_the_budget(db, admin, tile_file, monkeypatch):
    monkeypatch.setenv("PSQ_TILES", str(tile_file))
    page = commune_snapshot(db, admin, GRAY[0], "html").decode("utf-8")
    tiles = embedded(page)
    assert {z for z, _, _ in tiles} == {10, 11, 12, 13, 14}
    assert sum(tiles.values()) <= 3 * 1024 * 1024
    assert external_references(page) == [] and '"/tiles/' not in page
    assert "© Tuiles de test PSQ" in page
    monkeypatch.setenv("PSQ_SNAPSHOT_TILES_MB", str(sum(tiles.values()) / 1024 / 1024 * 0.6))
    smaller = embedded(commune_snapshot(db, admin, GRAY[0], "html").decode("utf-8"))
    assert max(z for z, _, _ in smaller) < 14 and sum(smaller.values()) <= 0.6 * sum(tiles.values())
    assert set(smaller) < set(tiles)  # the same tiles, the highest zoom level dropped
    monkeypatch.setenv("PSQ_SNAPSHOT_TILES_MB", "0")
    assert embedded(commune_snapshot(db, admin, GRAY[0], "html").decode("utf-8")) == {}
