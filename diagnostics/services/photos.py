"""Photos of diagnostics and observations: files in PSQ_PHOTO_DIR, their names in the database.

The client's file name is never used: each stored file gets a random name. The stored JPEG has
been re-encoded by `diagnostics.io.photos.prepare_photo`, so it carries no metadata.
Photos are confidential unless marked shareable; partners only ever see shareable ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from diagnostics import config
from diagnostics.auth import Actor, require_diagnostic_access
from diagnostics.db import Database
from diagnostics.errors import NotFound, ValidationError
from diagnostics.io.photos import PreparedPhoto
from diagnostics.models import Diagnostic, Observation, Photo
from diagnostics.services import audit
from diagnostics.services.fieldwork import require_open
from diagnostics.texts import t

CAPTION_LIMIT = 200


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
    folder = folder or config.photo_dir()
    if len(caption or "") > CAPTION_LIMIT:
        raise ValidationError({"caption": t("text_too_long", length=len(caption), limit=CAPTION_LIMIT)})
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        if diagnostic is None:
            raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
        require_diagnostic_access(actor, diagnostic)
        require_open(session, actor, diagnostic_id)
        if observation_id is not None:
            observation = session.get(Observation, observation_id)
            if observation is None or observation.diagnostic_id != diagnostic_id:
                raise NotFound(t("observation_unknown", id=observation_id))
        folder.mkdir(parents=True, exist_ok=True)
        file_name = f"{secrets.token_hex(16)}.jpg"
        path = folder / file_name
        path.write_bytes(photo.jpeg)
        try:
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
            audit.record(
                session,
                actor,
                "create",
                entity="photo",
                entity_id=record.id,
                after={"diagnostic_id": diagnostic_id, "observation_id": observation_id, "shareable": shareable},
            )
            return record.id
        except Exception:
            path.unlink(missing_ok=True)  # no orphan file when the row is not written
            raise


def list_photos(db: Database, actor: Actor, diagnostic_id: int, *, shareable_only: bool = False) -> list[PhotoInfo]:
    """The photos of a diagnostic, oldest first; only shareable ones when asked (partners' exports)."""
    with db.session() as session:
        diagnostic = session.get(Diagnostic, diagnostic_id)
        if diagnostic is None:
            raise NotFound(t("diagnostic_unknown", id=diagnostic_id))
        require_diagnostic_access(actor, diagnostic)
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
