"""Photos of diagnostics and observations: files in PSQ_PHOTO_DIR, their names in the database.

The client's file name is never used: each stored file gets a random name. The stored JPEG has
been re-encoded by `diagnostics.io.photos.prepare_photo`, so it carries no metadata.
Photos are confidential unless marked shareable; partners only ever see shareable ones.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from diagnostics import config, limits
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.field_models import Photo
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import Observation
from diagnostics.services import audit
from diagnostics.services.closures import team_diagnostic, writable_diagnostic
from diagnostics.texts import t


@dataclass(frozen=True)
class PhotoInfo:
    id: int
    diagnostic_id: int
    observation_id: int | None
    file_name: str
    width: int
    height: int
    caption: str
    shareable: bool

    def path(self, folder: Path | None = None) -> Path:
        return (folder or config.photo_dir()) / self.file_name


def store_photo(
    db: Database,
    actor: Actor,
    diagnostic_id: int,
    photo: PreparedPhoto,
    *,
    observation_id: int | None = None,
    shareable: bool = False,
    caption: str = "",
    folder: Path | None = None,
) -> int:
    """Write the prepared JPEG under a generated name and record it; return the photo's id."""
    errors = limits.too_long(Photo, {"caption": caption})
    if errors:
        raise ValidationError(errors)
    with files_removed_unless_committed() as written, db.session() as session:
        writable_diagnostic(session, actor, diagnostic_id)
        if observation_id is not None:
            observation = session.get(Observation, observation_id)
            if observation is None or observation.diagnostic_id != diagnostic_id:
                raise NotFound(t("observation_unknown", id=observation_id))
        [photo_id] = attach_photos(
            session,
            actor,
            diagnostic_id,
            observation_id,
            [photo],
            shareable=shareable,
            caption=caption,
            folder=folder,
            written=written,
        )
        return photo_id


@contextmanager
def files_removed_unless_committed() -> Iterator[list[Path]]:
    """A list to append the files written in a transaction to: they are deleted if it fails.

    Enter it before the session, so that a failure at commit (after the body) deletes them too.
    """
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)  # no orphan file when the rows are not written
        raise


def attach_photos(
    session: Session,
    actor: Actor,
    diagnostic_id: int,
    observation_id: int | None,
    photos: Sequence[PreparedPhoto],
    *,
    shareable: bool,
    written: list[Path],
    caption: str = "",
    folder: Path | None = None,
) -> list[int]:
    """Write each JPEG and add its row in the caller's transaction; return the photos' ids.

    Every file written is appended to `written` first, so the caller can delete them if the
    transaction fails (see `files_removed_unless_committed`).
    """
    folder = folder or config.photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    ids = []
    for photo in photos:
        file_name = f"{secrets.token_hex(16)}.jpg"
        path = folder / file_name
        written.append(path)
        path.write_bytes(photo.jpeg)
        record = Photo(
            diagnostic_id=diagnostic_id,
            observation_id=observation_id,
            file_name=file_name,
            width=photo.width,
            height=photo.height,
            size_bytes=len(photo.jpeg),
            caption=(caption or "").strip(),
            shareable=bool(shareable),
            author=actor.login,
        )
        session.add(record)
        session.flush()
        after = {"diagnostic_id": diagnostic_id, "observation_id": observation_id, "shareable": bool(shareable)}
        audit.record(session, actor, "create", entity="photo", entity_id=record.id, after=after)
        ids.append(record.id)
    return ids


def list_photos(db: Database, actor: Actor, diagnostic_id: int, *, shareable_only: bool = False) -> list[PhotoInfo]:
    """The photos of a diagnostic, oldest first; only shareable ones when asked (partners' exports)."""
    with db.session() as session:
        team_diagnostic(session, actor, diagnostic_id)
        statement = select(Photo).where(Photo.diagnostic_id == diagnostic_id).order_by(Photo.id)
        if shareable_only:
            statement = statement.where(Photo.shareable.is_(True))
        return [_info(photo) for photo in session.scalars(statement)]


def read_photo(info: PhotoInfo, folder: Path | None = None) -> bytes | None:
    """The JPEG's bytes, or None when the file is missing (a restored database without its folder)."""
    path = info.path(folder)
    return path.read_bytes() if path.is_file() else None


def _info(photo: Photo) -> PhotoInfo:
    return PhotoInfo(
        photo.id,
        photo.diagnostic_id,
        photo.observation_id,
        photo.file_name,
        photo.width,
        photo.height,
        photo.caption,
        photo.shareable,
    )
