"""Hostile files: GDAL never chooses its driver from the content, never reads another file or
the network, and a parser that crashes, eats memory or hangs costs its child process only."""

from __future__ import annotations

import http.server
import json
import threading
import zipfile
import zlib
from pathlib import Path

import pytest

from diagnostics.errors import DiagnosticsError
from diagnostics.io import files, isolation
from tests.upload_probe import read_in_fresh_process

SECRET = "SECRET-LINE-1"


@pytest.fixture
def secret(tmp_path) -> Path:
    """A file the server can read and no upload may reveal."""
    path = tmp_path / "secret.csv"
    path.write_text(f"name,WKT\n{SECRET},POINT(5.59 47.44)\n", encoding="utf-8")
    return path


def vrt(source: str, extra: str = "") -> str:
    return (
        "<!-- <kml> -->\n<OGRVRTDataSource><OGRVRTLayer name='secret'>"
        f"<SrcDataSource>{source}</SrcDataSource>{extra}<GeometryType>wkbPoint</GeometryType>"
        "<GeometryField encoding='WKT' field='WKT'/></OGRVRTLayer></OGRVRTDataSource>\n"
    )


def upload(path: Path, name: str | None = None):
    """What the importer does with a file someone sent: check it, then parse it in a child."""
    fmt = files.check_file(path, max_bytes=50_000_000, name=name)
    return files.read_upload(path, fmt)


def refused(path: Path, match: str, name: str | None = None) -> str:
    with pytest.raises(DiagnosticsError, match=match) as error:
        upload(path, name)
    assert SECRET not in str(error.value)
    return str(error.value)


def test_a_vrt_named_kml_is_refused_and_never_opened_by_gdal(tmp_path, secret):
    path = tmp_path / "points.kml"
    path.write_text(vrt(str(secret)), encoding="utf-8")
    refused(path, "renvoie vers d'autres sources .*OGR VRT")
    # Past the sniffer too: the child has no VRT driver, so the secret is never read.
    with pytest.raises(DiagnosticsError, match="pas pu être lu comme un fichier KML"):
        isolation.read_isolated(path, "kml", {})


def test_a_gdalg_pipeline_named_geojson_is_refused(tmp_path, secret):
    path = tmp_path / "zones.geojson"
    command = f"gdal vector pipeline ! read {secret} ! write -f stream streamed_dataset"
    pipeline = {"type": "gdal_streamed_alg", "command_line": command, "relative_paths_relative_to_this_file": False}
    path.write_text(json.dumps(pipeline), encoding="utf-8")
    refused(path, "traitement GDALG")
    with pytest.raises(DiagnosticsError, match="pas pu être lu comme un fichier GeoJSON"):
        isolation.read_isolated(path, "geojson", {})


def test_a_vrt_as_the_shp_member_of_a_zip_is_refused(tmp_path, secret):
    path = tmp_path / "zones.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("zones.shp", vrt(str(secret)))
        archive.writestr("zones.dbf", b"\x03" + b"\x00" * 40)
    refused(path, "renvoie vers d'autres sources")


class _Counter(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        body = f"name,WKT\n{SECRET},POINT(5.59 47.44)\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def test_a_vrt_pointing_at_vsicurl_sends_no_request(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"/vsicurl/http://127.0.0.1:{server.server_address[1]}/secret.csv"
        path = tmp_path / "points.kml"
        path.write_text(vrt(url), encoding="utf-8")
        refused(path, "renvoie vers d'autres sources")
        with pytest.raises(DiagnosticsError):
            isolation.read_isolated(path, "kml", {})  # past the sniffer: still no request
    finally:
        server.shutdown()
    assert _Counter.requests == []


def test_a_vrt_with_the_sqlite_dialect_leaves_this_process_alive(tmp_path, secret):
    path = tmp_path / "points.kml"
    path.write_text(vrt(str(secret), "<SrcSQL dialect='SQLite'>SELECT * FROM secret</SrcSQL>"), encoding="utf-8")
    refused(path, "renvoie vers d'autres sources")
    with pytest.raises(DiagnosticsError):
        isolation.read_isolated(path, "kml", {})


POINT = {"type": "Point", "coordinates": [5.59, 47.44]}
GEOJSON = json.dumps(
    {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"nom": "A"}, "geometry": POINT}]}
)


@pytest.mark.parametrize(
    ("fault", "message"),
    [("segfault", "arrêté brutalement"), ("memory", "plus de 1500 Mo de mémoire"), ("sleep", "plus de 1 s")],
)
def test_a_child_that_crashes_runs_out_of_memory_or_hangs_gives_a_french_message(tmp_path, monkeypatch, fault, message):
    path = tmp_path / "a.geojson"
    path.write_text(GEOJSON, encoding="utf-8")
    monkeypatch.setenv("PSQ_TEST_IMPORT_FAULT", fault)
    if fault == "sleep":
        monkeypatch.setenv("PSQ_IMPORT_SECONDS", "1")
    with pytest.raises(DiagnosticsError, match=message):
        upload(path)
    monkeypatch.delenv("PSQ_TEST_IMPORT_FAULT")
    monkeypatch.delenv("PSQ_IMPORT_SECONDS", raising=False)
    frame, _notes = upload(path)  # the next file is read as usual
    assert list(frame["nom"]) == ["A"]


def _understated_zip(path: Path, inflated: int) -> None:
    """A zip whose headers say its member holds 1 KB while it inflates to `inflated` bytes."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\x00" * (1 << 20)
    data = b"".join(compressor.compress(chunk) for _ in range(inflated >> 20)) + compressor.flush()
    name = b"zones.shp"
    crc, declared = 0, 1024
    local = (
        b"PK\x03\x04"
        + (20).to_bytes(2, "little")
        + b"\x00\x00"
        + (8).to_bytes(2, "little")
        + b"\x00\x00\x00\x00"
        + crc.to_bytes(4, "little")
        + len(data).to_bytes(4, "little")
        + declared.to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + b"\x00\x00"
        + name
    )
    central = (
        b"PK\x01\x02"
        + (20).to_bytes(2, "little") * 2
        + b"\x00\x00"
        + (8).to_bytes(2, "little")
        + b"\x00\x00\x00\x00"
        + crc.to_bytes(4, "little")
        + len(data).to_bytes(4, "little")
        + declared.to_bytes(4, "little")
        + len(name).to_bytes(2, "little")
        + b"\x00" * 12
        + (0).to_bytes(4, "little")
        + name
    )
    end = b"PK\x05\x06" + b"\x00" * 4 + (1).to_bytes(2, "little") * 2
    end += len(central).to_bytes(4, "little") + (len(local) + len(data)).to_bytes(4, "little") + b"\x00\x00"
    path.write_bytes(local + data + central + end)


def test_a_zip_bomb_whose_headers_understate_the_size_is_stopped_early(tmp_path):
    path = tmp_path / "bomb.zip"
    _understated_zip(path, 1 << 30)  # 1 GiB of zeros in about 1 MB
    message = refused(path, "(?i)archive")
    assert "abîmée" in message or "plus gros que ce que l'archive annonce" in message
    refusal, _message, peak = read_in_fresh_process(path)
    assert refusal == "DiagnosticsError"
    assert int(peak) < 900, f"the child peaked at {peak} MB"


def test_utf8_dbf_without_cpg_is_read_as_utf8_and_said(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    folder = tmp_path / "shp"
    folder.mkdir()
    gpd.GeoDataFrame({"nom": ["Église Saint-Pierre"]}, geometry=[Point(5.59, 47.44)], crs=4326).to_file(
        folder / "sites.shp", encoding="UTF-8"
    )
    path = tmp_path / "sites.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for part in folder.iterdir():
            if part.suffix != ".cpg":
                archive.write(part, part.name)
    frame, notes = upload(path)
    assert list(frame["nom"]) == ["Église Saint-Pierre"]
    assert notes == [
        "Attributs du shapefile lus en UTF-8 (UTF-8 : le fichier .cpg manque, mais le texte est de l'UTF-8 valide)."
    ]


def test_nul_bytes_anywhere_in_a_csv_are_refused_in_french(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(
        b"categorie;gravite;date;latitude;longitude\n"
        + b"autre;1;2026-01-05;47.44;5.59\n" * 300
        + b"a\x00b;1;2026-01-05;47.44;5.59\n"
    )
    refused(path, "caractères nuls")
