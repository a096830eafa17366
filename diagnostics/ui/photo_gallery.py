"""Photos of an observation on a page: thumbnails, the full photo on demand.

Used by Saisie terrain (the team's list of observations) and by the commanders' follow-up panel;
what each actor may see is decided by `services.gallery` (partners: shareable photos only).
"""

from __future__ import annotations

import streamlit as st

from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.io.photos import thumbnail
from diagnostics.services import gallery
from diagnostics.services.gallery import ShownPhoto

THUMB_WIDTH = 110
NO_PHOTO = "Aucune photo."
MISSING_FILE = "Photo n° {id} : le fichier n'est plus sur le serveur."


def show_photos(db: Database, actor: Actor, observation_id: int, *, key: str = "") -> None:
    """The observation's photos the actor may see, as thumbnails, with a switch to see them in full."""
    shown = gallery.observation_photos(db, actor, [observation_id]).get(observation_id, [])
    show_photo_list(db, actor, shown, key=key or f"photos_{observation_id}")


def show_photo_list(db: Database, actor: Actor, shown: list[ShownPhoto], *, key: str) -> None:
    if not shown:
        st.caption(NO_PHOTO)
        return
    thumbs, captions = [], []
    for photo in shown:
        try:
            thumbs.append(_thumbnail(db, actor, photo.id, photo.file_name))
        except NotFound:
            st.caption(MISSING_FILE.format(id=photo.id))
            continue
        captions.append(_caption(photo))
    if thumbs:
        st.image(thumbs, width=THUMB_WIDTH, caption=captions, alt=captions)
    if st.toggle(f"Voir les photos en grand ({len(shown)})", key=f"{key}_full"):
        for photo in shown:
            try:
                picture, caption = gallery.photo_jpeg(db, actor, photo.id), _caption(photo)
                st.image(picture, caption=caption, width="stretch", alt=caption)
            except NotFound as exc:
                st.caption(str(exc))


def _caption(photo: ShownPhoto) -> str:
    shared = "transmise aux partenaires" if photo.shareable else "interne"
    return f"Photo n° {photo.id} — {shared}"


@st.cache_data(show_spinner=False, max_entries=512)
def _thumbnail(_db: Database, _actor: Actor, photo_id: int, file_name: str) -> bytes:
    """Keyed by the photo's random file name: a stored file never changes. Only called for photos
    `gallery.observation_photos` listed for this actor, so the cache reveals nothing new.
    A missing file raises `NotFound`, which is not cached (the file may come back)."""
    return thumbnail(gallery.photo_jpeg(_db, _actor, photo_id))
