"""Hostile spreadsheets: a zip bomb in the workbook, huge shared strings, links to other
workbooks and web services, formulas, XML entities; none may hurt the server, read its files or
reach the network (the workbook is parsed in the import child, see `isolation`)."""

from __future__ import annotations

import http.server
import threading
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from tests.upload_probe import read_in_fresh_process

SECRET = "SECRET-LINE-1"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def plain_workbook(path: Path) -> Path:
    book = Workbook()
    book.active.title = "Relevés"
    book.active.append(["Nom", "Latitude", "Longitude"])
    book.active.append(["Kiosque", 47.44, 5.59])
    book.save(path)
    return path


def rewritten(source: Path, target: Path, replaced: dict[str, bytes], *, deflate=zipfile.ZIP_DEFLATED) -> Path:
    """A copy of the workbook `source` with some members replaced or added."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", deflate) as new:
        for member in old.infolist():
            if member.filename not in replaced:
                new.writestr(member.filename, old.read(member.filename))
        for name, content in replaced.items():
            new.writestr(name, content)
    return target


def sheet_xml(rows: str, prolog: str = "") -> bytes:
    return f'<?xml version="1.0"?>{prolog}<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()


def upload(path: Path, **options):
    return files.read_upload(path, files.check_file(path, max_bytes=50_000_000), **options)


def refused(path: Path, match: str, **options) -> str:
    with pytest.raises(DiagnosticsError, match=match) as error:
        upload(path, **options)
    assert SECRET not in str(error.value)
    return str(error.value)


def test_huge_shared_strings_are_refused_before_parsing(tmp_path):
    strings = b"<sst xmlns='" + MAIN.encode() + b"'>" + b"<si><t>x</t></si>" * 6_000_000 + b"</sst>"  # 100 MB
    path = rewritten(plain_workbook(tmp_path / "a.xlsx"), tmp_path / "chaines.xlsx", {"xl/sharedStrings.xml": strings})
    assert path.stat().st_size < 1_000_000
    refused(path, "(?i)archive", max_uncompressed=50_000_000)


def _bomb(size: int) -> bytes:
    """A sheet of `size` bytes of spaces inside its XML, deflated to about a thousandth of it."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunks = [packer.compress(f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())]
    block = b" " * (1 << 20)
    chunks += [packer.compress(block) for _ in range(size >> 20)]
    return b"".join(chunks) + packer.flush()


def test_a_zip_bomb_sheet_whose_headers_understate_its_size_is_stopped_early(tmp_path):
    source = plain_workbook(tmp_path / "a.xlsx")
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(tmp_path / "b.xlsx", "w") as out:
        for member in archive.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                out.writestr(member, archive.read(member.filename))
        out.writestr(zipfile.ZipInfo("xl/worksheets/sheet1.xml"), b"")  # stored, empty: replaced below
    path = tmp_path / "bombe.xlsx"
    bomb = _bomb(1 << 30)  # 1 GiB of spaces in about 1 MB
    path.write_bytes(_with_deflated_member(tmp_path / "b.xlsx", "xl/worksheets/sheet1.xml", bomb, declared=4096))
    assert path.stat().st_size < 3_000_000
    refusal, message, peak = read_in_fresh_process(path)
    assert refusal == "DiagnosticsError", message
    assert "Excel" in message
    assert int(peak) < 900, f"the child peaked at {peak} MB"


def _with_deflated_member(path: Path, name: str, deflated: bytes, *, declared: int) -> bytes:
    """The zip at `path`, whose empty stored member `name` is replaced by `deflated` bytes that
    its headers call deflate data of `declared` bytes (CRC of nothing)."""
    content = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
    target = next(i for i in infos if i.filename == name)
    start = target.header_offset
    header_end = start + 30 + len(name.encode()) + len(target.extra)
    local = bytearray(content[start:header_end])
    local[8:10] = (8).to_bytes(2, "little")  # deflate
    local[18:22] = len(deflated).to_bytes(4, "little")
    local[22:26] = declared.to_bytes(4, "little")
    body = content[:start] + bytes(local) + deflated
    shift = len(deflated)
    central_at = content.find(b"PK\x01\x02")
    tail = bytearray(content[central_at:])
    at = 0
    while True:
        at = tail.find(b"PK\x01\x02", at)
        if at == -1:
            break
        name_length = int.from_bytes(tail[at + 28 : at + 30], "little")
        offset = int.from_bytes(tail[at + 42 : at + 46], "little")
        if tail[at + 46 : at + 46 + name_length] == name.encode():
            tail[at + 10 : at + 12] = (8).to_bytes(2, "little")
            tail[at + 20 : at + 24] = len(deflated).to_bytes(4, "little")
            tail[at + 24 : at + 28] = declared.to_bytes(4, "little")
        elif offset > start:
            tail[at + 42 : at + 46] = (offset + shift).to_bytes(4, "little")
        at += 4
    end = tail.rfind(b"PK\x05\x06")
    tail[end + 16 : end + 20] = (central_at + shift).to_bytes(4, "little")
    return body + content[header_end:central_at] + bytes(tail)


class _Counter(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.requests.append(self.path)
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_formulas_and_links_to_other_workbooks_are_never_followed(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c><c r="B1" t="inlineStr"><is><t>Latitude</t>'
        '</is></c><c r="C1" t="inlineStr"><is><t>Longitude</t></is></c><c r="D1" t="inlineStr"><is><t>Lien</t>'
        '</is></c><c r="E1" t="inlineStr"><is><t>Calcul</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Kiosque</t></is></c><c r="B2"><f>[1]Feuil1!A1</f><v>47.44</v>'
        f'</c><c r="C2"><v>5.59</v></c><c r="D2" t="str"><f>WEBSERVICE("{url}/web")</f><v>en cache</v></c>'
        '<c r="E2"><f>1+1</f></c></row>'
    )
    link = f'<externalLink xmlns="{MAIN}"><externalBook r:id="rId1" xmlns:r="x"/></externalLink>'
    link_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'externalLinkPath" Target="{url}/classeur.xlsx" TargetMode="External"/></Relationships>'
    )
    members = {
        "xl/worksheets/sheet1.xml": sheet_xml(rows),
        "xl/externalLinks/externalLink1.xml": link.encode(),
        "xl/externalLinks/_rels/externalLink1.xml.rels": link_rels.encode(),
    }
    path = rewritten(plain_workbook(tmp_path / "a.xlsx"), tmp_path / "liens.xlsx", members)
    try:
        frame, _ = upload(path)
    finally:
        server.shutdown()
    assert _Counter.requests == []
    row = frame.iloc[0]
    assert (row["Lien"], row["Calcul"]) == ("en cache", "")  # the saved value; never computed here
    assert (round(row.geometry.y, 2), round(row.geometry.x, 2)) == (47.44, 5.59)


def test_xml_entities_read_no_file_and_do_not_explode(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    external = f'<!DOCTYPE w [<!ENTITY s SYSTEM "file://{secret}">]>'
    laughs = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    laughs += "]>"
    row = '<row r="1"><c r="A1" t="inlineStr"><is><t>{}</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>'
    for prolog, entity in ((external, "&s;"), (laughs, "&j;")):
        members = {"xl/worksheets/sheet1.xml": sheet_xml(row.format(entity), prolog)}
        path = rewritten(plain_workbook(tmp_path / "a.xlsx"), tmp_path / "entites.xlsx", members)
        refused(path, "Excel")
