"""Showing the photos of observations: to their team and the commandants of the département in
full, to partners only the photos marked shareable (each photo has its own flag).

The JPEGs were stripped of their metadata when stored (`io.photos.prepare_photo`); what is
read back here is what was stored.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from diagnostics import config
from diagnostics.auth import Actor, observation_scope
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.field_models import Photo
from diagnostics.models import Commune, Diagnostic, Observation
from diagnostics.services.observations import scope_conditions
from diagnostics.texts import t


@dataclass(frozen=True)
class ShownPhoto:
    id: int
    observation_id: int
    width: int
    height: int
    caption: str
    shareable: bool
    file_name: str  # random, never the client's: also a good cache key (a stored file never changes)


def observation_photos(db: Database, actor: Actor, observation_ids: Iterable[int]) -> dict[int, list[ShownPhoto]]:
    """Observation id → its photos the actor may see, oldest first (observations without: absent)."""
    ids = sorted(set(observation_ids))
    if not ids:
        return {}
    statement = _visible(actor).where(Photo.observation_id.in_(ids)).order_by(Photo.observation_id, Photo.id)
    found: dict[int, list[ShownPhoto]] = defaultdict(list)
    with db.session() as session:
        for row in session.execute(statement):
            found[row.observation_id].append(ShownPhoto(*row))
    return dict(found)


def photo_jpeg(db: Database, actor: Actor, photo_id: int, folder: Path | None = None) -> bytes:
    """The stored JPEG of a photo the actor may see; `NotFound` otherwise or when its file is missing."""
    with db.session() as session:
        row = session.execute(_visible(actor).where(Photo.id == photo_id)).first()
    path = (folder or config.photo_dir()) / row.file_name if row is not None else None
    if path is None or not path.is_file():
        raise NotFound(t("photo_unknown", id=photo_id))
    return path.read_bytes()


def _visible(actor: Actor):
    scope = observation_scope(actor)
    statement = (
        select(
            Photo.id,
            Photo.observation_id,
            Photo.width,
            Photo.height,
            Photo.caption,
            Photo.shareable,
            Photo.file_name,
        )
        .join(Observation, Observation.id == Photo.observation_id)
        .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
        .join(Commune, Commune.insee == Observation.commune_insee)
        .where(*scope_conditions(scope))
    )
    if scope.shareable_text_only:  # partners: only what someone chose to send them
        statement = statement.where(Photo.shareable.is_(True))
    return statement
