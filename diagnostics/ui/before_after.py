"""An observation's photos before (its own) and after (its contre-visites'), side by side.

Side by side on a phone too: a horizontal container keeps the two halves in one row at 390 px,
where columns would be stacked. What each actor may see is decided by `services.gallery`.
"""

from __future__ import annotations

import streamlit as st

from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.services import revisit_views
from diagnostics.ui import photo_gallery


def show_before_after(db: Database, actor: Actor, observation_id: int, *, key: str) -> None:
    """Before / after when a visit brought photos; the observation's photos alone otherwise."""
    photos = revisit_views.before_after_photos(db, actor, observation_id)
    if not photos.after:
        photo_gallery.show_photo_list(db, actor, photos.before, key=key)
        return
    st.markdown("**Photos avant / après**")
    with st.container(horizontal=True, gap="small", key=f"{key}_pair"):
        with st.container(width="stretch", key=f"{key}_left"):
            st.caption("Avant : l'observation")
            photo_gallery.show_photo_list(db, actor, photos.before, key=f"{key}_before")
        with st.container(width="stretch", key=f"{key}_right"):
            last = max(photos.after_dates[photo.id] for photo in photos.after)
            st.caption(f"Après : {revisit_views.visit_caption(last).lower()}")
            photo_gallery.show_photo_list(db, actor, photos.after, key=f"{key}_after")
