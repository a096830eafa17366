"""Tile sources (PSQ_TILES), the PMTiles and MBTiles readers, coverage and the offline budget."""

from __future__ import annotations

import pytest

from diagnostics import config
from diagnostics.tiles import coverage, offline
from diagnostics.tiles.mbtiles import MBTilesArchive
from diagnostics.tiles.pmtiles import PMTilesArchive, zxy_to_tile_id
from diagnostics.tiles.sources import parse_tiles
from tests.tilefiles import ATTRIBUTION, GRAY, VESOUL, sample_tiles, write_mbtiles, write_pmtiles


@pytest.fixture(scope="module")
def tiles():
    return sample_tiles()


@pytest.fixture(scope="module")
def tile_files(tmp_path_factory, tiles):
    folder = tmp_path_factory.mktemp("tiles")
    return {
        "pmtiles": write_pmtiles(folder / "root.pmtiles", tiles),
        "leaves": write_pmtiles(folder / "leaves.pmtiles", tiles, leaf_size=7),
        "mbtiles": write_mbtiles(folder / "territoire.mbtiles", tiles),
    }


def test_default_is_no_tiles(monkeypatch):
    monkeypatch.delenv("PSQ_TILES", raising=False)
    assert config.tile_sources() == ()
    assert parse_tiles("none") == parse_tiles("") == ()


def test_internet_sources_as_before():
    sources = parse_tiles("osm, ign, osm")
    assert [s.key for s in sources] == ["osm", "ign"]
    assert all(s.online and not s.local for s in sources)


def test_unknown_source_is_refused_in_french():
    with pytest.raises(ValueError, match="« google » inconnu"):
        parse_tiles("osm,google")


def test_intranet_xyz_needs_its_placeholders_and_attribution():
    source = parse_tiles("xyz:https://tuiles.intranet/plan/{z}/{x}/{y}.png", "© IGN")[0]
    assert (source.key, source.url, source.attribution) == (
        "intranet",
        "https://tuiles.intranet/plan/{z}/{x}/{y}.png",
        "© IGN",
    )
    assert not source.online and not source.local
    with pytest.raises(ValueError, match="PSQ_TILES_ATTRIBUTION est obligatoire"):
        parse_tiles("xyz:https://tuiles.intranet/{z}/{x}/{y}.png")
    with pytest.raises(ValueError, match=r"il manque \{y\}"):
        parse_tiles("xyz:https://tuiles.intranet/{z}/{x}.png", "© IGN")
    with pytest.raises(ValueError, match=r"\{s\} n'est pas pris en charge"):
        parse_tiles("xyz:https://{s}.tuiles.intranet/{z}/{x}/{y}.png", "© IGN")
    with pytest.raises(ValueError, match="http:// ou https://"):
        parse_tiles("xyz:ftp://tuiles/{z}/{x}/{y}.png", "© IGN")


def test_wmts_placeholders_become_leaflet_ones():
    url = "wmts:https://wmts.intranet/wmts?REQUEST=GetTile&TILEMATRIX={TileMatrix}&TILEROW={TileRow}&TILECOL={TileCol}"
    source = parse_tiles(url, "© IGN")[0]
    assert source.url.endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}")


def test_tile_file_from_the_environment(monkeypatch, tile_files):
    monkeypatch.setenv("PSQ_TILES", str(tile_files["pmtiles"]))
    monkeypatch.delenv("PSQ_TILES_ATTRIBUTION", raising=False)
    (source,) = config.tile_sources()
    assert source.local and source.archive == tile_files["pmtiles"]
    assert source.url == "/tiles/{z}/{x}/{y}.png"
    assert (source.min_zoom, source.max_native_zoom, source.attribution) == (10, 14, ATTRIBUTION)
    monkeypatch.setenv("PSQ_TILES_ATTRIBUTION", "© IGN — Plan IGN v2")
    assert config.tile_sources()[0].attribution == "© IGN — Plan IGN v2"
    monkeypatch.setenv("PSQ_TILES", f"file:{tile_files['mbtiles']}")
    assert config.tile_sources()[0].archive == tile_files["mbtiles"]


def test_tile_file_errors(tmp_path, tiles):
    with pytest.raises(ValueError, match="fichier de tuiles introuvable"):
        parse_tiles(str(tmp_path / "absent.pmtiles"))
    (tmp_path / "faux.pmtiles").write_bytes(b"not a tile archive at all" * 10)
    with pytest.raises(ValueError, match="n'est pas une archive PMTiles"):
        parse_tiles(str(tmp_path / "faux.pmtiles"))
    anonymous = write_pmtiles(tmp_path / "anonyme.pmtiles", tiles, attribution="")
    with pytest.raises(ValueError, match="PSQ_TILES_ATTRIBUTION est obligatoire"):
        parse_tiles(str(anonymous))
    assert parse_tiles(str(anonymous), "© IGN")[0].attribution == "© IGN"
    unindexed = write_mbtiles(tmp_path / "sans-index.mbtiles", tiles, index=False)
    with pytest.raises(ValueError, match="n'a pas d'index sur ses tuiles"):
        parse_tiles(str(unindexed))


def test_hilbert_tile_ids_follow_the_specification():
    # spec/v3/spec.md: z0 is 0; z1 goes (0,0), (0,1), (1,1), (1,0); z2 starts at 5
    assert [zxy_to_tile_id(0, 0, 0)] == [0]
    assert [zxy_to_tile_id(1, x, y) for x, y in ((0, 0), (0, 1), (1, 1), (1, 0))] == [1, 2, 3, 4]
    assert zxy_to_tile_id(2, 0, 0) == 5
    # values published with the reference implementations (up to zoom 26)
    assert zxy_to_tile_id(12, 3423, 1763) == 19078479
    assert zxy_to_tile_id(20, 1234, 5678) == 366563052717
    assert zxy_to_tile_id(26, 67108863, 0) == 6004799503160660
    ids = {zxy_to_tile_id(3, x, y) for x in range(8) for y in range(8)}
    assert ids == set(range(21, 85))


@pytest.mark.parametrize("name", ["pmtiles", "leaves", "mbtiles"])
def test_reader_round_trip(tile_files, tiles, name):
    path = tile_files[name]
    archive = PMTilesArchive(path) if path.suffix == ".pmtiles" else MBTilesArchive(path)
    assert (archive.tile_type, archive.min_zoom, archive.max_zoom, archive.attribution) == ("png", 10, 14, ATTRIBUTION)
    assert archive.bounds == pytest.approx((5.55, 47.42, 6.20, 47.65))
    for (z, x, y), data in tiles.items():
        assert archive.tile(z, x, y) == data
        assert archive.tile_length(z, x, y) == len(data)
    z, x, y = next(iter(tiles))
    assert archive.tile(z, x + 40, y) is None and archive.tile_length(z, x + 40, y) is None
    assert archive.tile(3, 4, 2) is None  # below the archive's zoom levels
    archive.close()


def test_tiles_covering_gray():
    tiles = coverage.tiles_in(GRAY, 14)
    assert len(tiles) == len(set(tiles)) == 4 * 5  # 0.09° x 0.05° at zoom 14
    west, south, east, north = coverage.tile_bounds(*tiles[0])
    assert west <= GRAY[0] < east and south < GRAY[3] <= north


def test_budget_drops_the_highest_zoom_first():
    def size_of(z, x, y):
        return 1000

    everything = coverage.select_tiles([GRAY], range(10, 15), size_of, 10**9)
    assert everything.zooms == (10, 11, 12, 13, 14) and everything.dropped == ()
    per_zoom = {z: len(coverage.tiles_in(GRAY, z)) * 1000 for z in range(10, 15)}
    budget = sum(per_zoom[z] for z in range(10, 14)) + per_zoom[14] - 1
    kept = coverage.select_tiles([GRAY], range(10, 15), size_of, budget)
    assert kept.zooms == (10, 11, 12, 13) and kept.dropped == (14,)
    assert kept.size == sum(per_zoom[z] for z in range(10, 14)) <= budget
    assert coverage.select_tiles([GRAY], range(10, 15), size_of, 10).tiles == ()


def test_offline_listing_of_a_tile_file(tile_files, tiles):
    sources = parse_tiles(str(tile_files["pmtiles"]))
    listing = offline.offline_listing(sources, [GRAY, VESOUL], max_zoom=17, budget=30 * 1024 * 1024)
    assert set(listing["urls"]) == {f"/tiles/{z}/{x}/{y}.png" for z, x, y in tiles}
    assert listing["octets"] == sum(len(d) for d in tiles.values())
    assert listing["zooms"] == [10, 11, 12, 13, 14] and listing["zooms_ecartes"] == []
    assert (listing["attribution"], listing["modele"], listing["estimation"]) == (
        ATTRIBUTION,
        "/tiles/{z}/{x}/{y}.png",
        False,
    )
    gray_only = offline.offline_listing(sources, [GRAY], max_zoom=12, budget=30 * 1024 * 1024)
    assert gray_only["zooms"] == [10, 11, 12] and all("/13/" not in u for u in gray_only["urls"])
    small = offline.offline_listing(sources, [GRAY, VESOUL], max_zoom=17, budget=listing["octets"] - 1)
    assert small["zooms_ecartes"] == [14] and small["octets"] <= small["limite"]


def test_offline_listing_without_a_cacheable_source():
    nothing = offline.offline_listing((), [GRAY], max_zoom=17, budget=10**6)
    assert nothing["urls"] == [] and "PSQ_TILES=none" in nothing["motif"]
    online = offline.offline_listing(parse_tiles("osm"), [GRAY], max_zoom=17, budget=10**6)
    assert online["urls"] == [] and "conditions d'utilisation" in online["motif"]
    intranet = parse_tiles("xyz:https://tuiles.intranet/{z}/{x}/{-y}.png", "© IGN")
    listing = offline.offline_listing(intranet, [GRAY], max_zoom=12, budget=10**7)
    assert listing["estimation"] and listing["urls"][0].startswith("https://tuiles.intranet/8/")
    assert listing["octets"] == len(listing["urls"]) * offline.ESTIMATED_TILE_BYTES


def test_offline_settings(monkeypatch):
    assert config.offline_tiles_bytes() == 30 * 1024 * 1024
    assert config.offline_max_zoom() == 17
    monkeypatch.setenv("PSQ_OFFLINE_TILES_MB", "beaucoup")
    with pytest.raises(ValueError, match="PSQ_OFFLINE_TILES_MB doit être un nombre entier"):
        config.offline_tiles_bytes()
    monkeypatch.setenv("PSQ_SNAPSHOT_TILES_MB", "1.5")
    assert config.snapshot_tiles_bytes() == int(1.5 * 1024 * 1024)


def test_damaged_or_unsupported_pmtiles_are_refused_in_french(tmp_path, tile_files):
    good = tile_files["pmtiles"].read_bytes()
    cases = {
        "v2.pmtiles": (good[:7] + bytes([2]) + good[8:], "seule la version 3"),
        "vecteur.pmtiles": (good[:99] + bytes([1]) + good[100:], "tuiles images"),  # mvt
        "tronque.pmtiles": (good[:140], "tronqu"),
        "abime.pmtiles": (good[:127] + b"\0\0" + good[129:], "abîmée"),  # the root directory's gzip
    }
    for name, (data, words) in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ValueError, match=words):
            parse_tiles(str(tmp_path / name))
