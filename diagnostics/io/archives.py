"""Zip archives someone sent (zipped shapefiles, KMZ): checked before anything is extracted
(member names, count, total size: no path traversal, no links, no zip bomb), then extracted in
bounded chunks that stop past each member's declared size."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from diagnostics.errors import DiagnosticsError
from diagnostics.io.files import indirection_in
from diagnostics.texts import imports_text as text

MAX_MEMBERS = 200
MAX_UNCOMPRESSED = 500_000_000
_CHUNK = 1 << 20


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DiagnosticsError(text("zip_broken", reason=exc)) from exc


def checked_members(archive: zipfile.ZipFile, max_uncompressed: int, endings: tuple[str, ...]) -> list[zipfile.ZipInfo]:
    """The members whose names end with `endings` (flat names, each once); raise on anything
    suspicious in any member, kept or not."""
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise DiagnosticsError(text("zip_too_many", count=len(infos), limit=MAX_MEMBERS))
    total = sum(info.file_size for info in infos)
    if total > max_uncompressed:
        raise DiagnosticsError(text("zip_too_large", size=f"{total / 1e6:.0f}", limit=f"{max_uncompressed / 1e6:.0f}"))
    members: list[zipfile.ZipInfo] = []
    names = set()
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
            raise DiagnosticsError(text("zip_dangerous", name=name))
        if info.is_dir() or parts[0] == "__MACOSX":
            continue
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise DiagnosticsError(text("zip_symlink", name=name))
        base = PurePosixPath(name).name
        if not base.lower().endswith(endings):
            continue
        if base in names:
            raise DiagnosticsError(text("zip_twice", name=base))
        names.add(base)
        members.append(info)
    return members


def extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, target: Path, budget: int) -> int:
    """Copy one member in bounded chunks; stop past its declared size or the budget (a zip whose
    headers under-state the size would otherwise inflate in memory before its CRC is checked)."""
    written, tail = 0, b""
    limit = min(member.file_size, budget)
    try:
        with archive.open(member) as source, target.open("wb") as out:
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit:
                    raise DiagnosticsError(text("zip_lies", name=member.filename))
                found = indirection_in([tail + chunk])
                if found:
                    raise DiagnosticsError(text("indirection", name=member.filename, what=found))
                tail = chunk[-32:]
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise DiagnosticsError(text("zip_broken", reason=exc)) from exc
    return written
