"""Hostile GPX, KML and KMZ: zip bombs, XML entities (XXE, billion laughs), a huge track. Each
is refused in French, the parser's child process pays for what the file does, nothing is written."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from diagnostics.errors import DiagnosticsError
from diagnostics.io import files, isolation
from diagnostics.services import imports
from tests.conftest import ADMIN_ACTOR

SECRET = "SECRET-LINE-1"
GPX_OPEN = '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
KML_OPEN = '<kml xmlns="http://www.opengis.net/kml/2.2"><Document>'


def laughs(root: str) -> str:
    """Ten levels of ten entities each: 10¹⁰ « a » from a few hundred bytes."""
    entities = '<!ENTITY a "aaaaaaaaaa">\n' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9)
    )
    return f'<?xml version="1.0"?>\n<!DOCTYPE {root} [\n{entities}]>\n'


def check_and_read(path: Path, name: str | None = None):
    fmt = files.check_file(path, max_bytes=50_000_000, name=name)
    return files.read_upload(path, fmt)


@pytest.fixture
def secret(tmp_path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_xxe_gpx_is_refused_and_gdal_never_reads_the_entity(tmp_path, secret):
    path = tmp_path / "trace.gpx"
    path.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file://{secret}">]>\n{GPX_OPEN}'
        '<wpt lat="47.4452" lon="5.5925"><name>&xxe;</name></wpt></gpx>\n',
        encoding="utf-8",
    )
    with pytest.raises(files.FileRefused, match="déclare une DTD ou des entités XML"):
        check_and_read(path)
    frame, _notes = isolation.read_isolated(path, "gpx", {})  # past the check: expat leaves it out
    assert SECRET not in frame.to_json()


@pytest.mark.parametrize(
    ("root", "body", "fmt"),
    [
        ("gpx", f'{GPX_OPEN}<wpt lat="47.4452" lon="5.5925"><name>&j;</name></wpt></gpx>', "gpx"),
        ("kml", f"{KML_OPEN}<Placemark><name>&j;</name><Point><coordinates>5.59,47.44</coordinates>"
         "</Point></Placemark></Document></kml>", "kml"),
    ],
)  # fmt: skip
def test_billion_laughs_refused_before_parsing_and_survived_after(tmp_path, root, body, fmt):
    path = tmp_path / f"rires.{fmt}"
    path.write_text(laughs(root) + body, encoding="utf-8")
    with pytest.raises(files.FileRefused, match="déclare une DTD"):
        check_and_read(path)
    with pytest.raises(DiagnosticsError, match=r"(?i)fichier|lecture"):  # the child refuses or is stopped
        isolation.read_isolated(path, fmt, {})


def understated_kmz(path: Path, inflated: int) -> None:
    """A KMZ whose doc.kml says it holds 1 KB but inflates to `inflated` bytes of spaces."""
    content = KML_OPEN.encode() + b" " * inflated + b"</Document></kml>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", content)
    data = bytearray(path.read_bytes())
    declared = (1024).to_bytes(4, "little")
    data[22:26] = declared  # local header: uncompressed size
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = declared
    path.write_bytes(bytes(data))


def test_kmz_bombs_are_stopped(db, tmp_path, monkeypatch):
    liar = tmp_path / "carte.kmz"
    understated_kmz(liar, 200 << 20)  # 200 MB of spaces in about 200 KB
    with pytest.raises(DiagnosticsError, match="plus gros que ce que l'archive annonce|abîmée"):
        check_and_read(liar)
    monkeypatch.setenv("PSQ_IMPORT_MAX_MB", "1")  # the archive may inflate to ten times that
    honest = tmp_path / "honnete.kmz"
    with zipfile.ZipFile(honest, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", KML_OPEN + " " * (20 << 20) + "</Document></kml>")
    with pytest.raises(DiagnosticsError, match="L'archive décompressée ferait 21 Mo"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", honest)


def test_kmz_whose_kml_declares_entities_is_refused(tmp_path, secret):
    path = tmp_path / "carte.kmz"
    kml = f'<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>\n{KML_OPEN}</Document></kml>'
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("doc.kml", kml)
    with pytest.raises(DiagnosticsError, match="déclare une DTD") as error:
        check_and_read(path)
    assert SECRET not in str(error.value)


def test_huge_gpx_track_is_rejected_by_its_vertices_and_by_its_size(db, tmp_path, monkeypatch):
    # More than a day of 1 Hz logging on one track: read within PSQ_IMPORT_MEMORY_MB (1500 MB),
    # then rejected as too detailed, in French, with or without its times; nothing is written.
    points = "\n".join(f'<trkpt lat="{47.44 + i * 1e-7:.7f}" lon="5.5922"/>' for i in range(120_000))
    path = tmp_path / "trace.gpx"
    path.write_text(f'<?xml version="1.0"?>\n{GPX_OPEN}<trk><name>Longue</name><trkseg>{points}</trkseg></trk></gpx>')
    for keep in (False, True):
        preview = imports.preview_import(db, ADMIN_ACTOR, "observations", path, keep_track_times=keep)
        assert preview.valid == 0 and "120 000 sommets" in preview.report(), preview.report()
    monkeypatch.setenv("PSQ_IMPORT_MAX_MB", "1")
    with pytest.raises(files.FileRefused, match="Fichier trop volumineux"):
        imports.preview_import(db, ADMIN_ACTOR, "observations", path)
