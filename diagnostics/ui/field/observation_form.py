"""The observation's fields, its photos and « Enregistrer »: the confirmation and the errors
appear under the button, where the thumb is."""

from __future__ import annotations

import uuid

import streamlit as st

from diagnostics import taxonomy
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io import photos as photo_io
from diagnostics.services import fieldwork
from diagnostics.ui import common, french, sharing
from diagnostics.ui.field import notices
from diagnostics.ui.field.drafts import save_draft
from diagnostics.ui.field.position import pending_shape, set_point

SHARE_PREFIX = "obs_share_"
TOKEN = "obs_form_token"
# The empty value of each observation field. A saved form is reset by assigning these: removing
# the keys would leave the browser's widgets showing, and sending back, the previous values.
EMPTY_OBSERVATION = {
    "obs_category": None,
    "obs_severity": None,
    "obs_description": "",
    "obs_recommendation": "",
    "obs_partner": "",
    **sharing.empty(SHARE_PREFIX),
    "obs_lat": None,
    "obs_lon": None,
    "obs_coords": "",
    "obs_coords_error": "",
    "obs_coords_swapped": None,
    "obs_shape": None,
    "obs_photos_shareable": False,
}
# Error field → the label the agent sees.
LABELS = {
    "category": "Catégorie",
    "severity": "Gravité",
    "description": "Description",
    "recommendation": "Préconisation",
    "partner": "Partenaire concerné",
    "position": "Position",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "geometry": "Forme dessinée",
    "photos": "Photos",
}


def observation_form(actor, diagnostic_id: int) -> None:
    columns = st.columns(2)
    number = {"value": None, "format": "%.6f", "step": 0.0001}
    columns[0].number_input("Latitude (degrés décimaux)", key="obs_lat", **number, **_changes(actor, "latitude"))
    columns[1].number_input("Longitude (degrés décimaux)", key="obs_lon", **number, **_changes(actor, "longitude"))
    categories = {c.code: c.label for c in taxonomy.CATEGORIES}
    st.selectbox(
        "Catégorie",
        list(categories),
        key="obs_category",
        index=None,
        format_func=categories.get,
        placeholder="Choisissez une catégorie",
        **_changes(actor, "category"),
    )
    st.radio(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key="obs_severity",
        index=None,
        horizontal=True,
        format_func=lambda level: f"{level} — {taxonomy.severity_label(level)}",
        **_changes(actor, "severity"),
    )
    st.text_area(
        "Description", key="obs_description", placeholder="Ce qui a été observé", **_changes(actor, "description")
    )
    st.text_area(
        "Préconisation", key="obs_recommendation", placeholder="Ce qui est proposé", **_changes(actor, "recommendation")
    )
    st.text_input(
        "Partenaire concerné",
        key="obs_partner",
        placeholder="ex. Commune, bailleur, transporteur",
        **_changes(actor, "partner"),
    )
    sharing.sharing_inputs(SHARE_PREFIX, **_changes(actor))
    _photo_inputs(actor)
    st.button(
        "Enregistrer l'observation",
        type="primary",
        on_click=_save_observation,
        args=(actor, diagnostic_id),
        width="stretch",
    )
    notices.show("save")
    notices.show_errors(LABELS)


def _changes(actor, *fields: str) -> dict:
    """Widget options: a change saves the draft and clears the errors of `fields`."""
    return {"on_change": _changed, "args": (actor, fields)}


def _changed(actor, fields: tuple[str, ...]) -> None:
    if fields:
        notices.clear_errors(*fields, *(("position",) if {"latitude", "longitude"} & set(fields) else ()))
    save_draft(actor)


def _photo_inputs(actor) -> None:
    """Photos taken or chosen; checked and stripped at once, so their EXIF position can be offered."""
    state = st.session_state
    nonce = state.setdefault("obs_photos_nonce", 0)
    uploads = st.file_uploader(
        "Photos (appareil photo ou galerie)",
        type=photo_io.UPLOAD_EXTENSIONS,
        accept_multiple_files=True,
        key=f"obs_photos_files_{nonce}",
        help="JPEG, PNG ou HEIC. Les métadonnées (appareil, date, auteur) sont supprimées avant l'enregistrement.",
        max_upload_size=photo_io.MAX_UPLOAD_BYTES // 2**20,
    )
    st.caption(french.upload_hint(photo_io.MAX_UPLOAD_BYTES // 2**20, photo_io.UPLOAD_EXTENSIONS))
    if st.toggle("Prendre une photo ici", key=f"obs_photos_camera_on_{nonce}"):
        shot = st.camera_input("Photo", key=f"obs_photos_camera_{nonce}", label_visibility="collapsed")
        uploads = [*(uploads or []), *([shot] if shot else [])]
    prepared = []
    for upload in uploads or []:
        try:
            photo = prepared_photo(upload.getvalue())
        except photo_io.PhotoError as exc:
            st.error(f"{exc} (fichier écarté)")
            continue
        prepared.append(photo)
        st.image(photo.jpeg, width=160, alt="Photo choisie pour cette observation")
        if photo.gps and (state.get("obs_lat"), state.get("obs_lon")) != photo.gps:
            lat, lon = photo.gps
            st.button(
                f"Utiliser la position de la photo ({lat:.5f}, {lon:.5f})",
                key=f"photo_gps_{len(prepared)}_{nonce}",
                on_click=_use_photo_position,
                args=(actor, lat, lon),
                width="stretch",
            )
    state["obs_photos_prepared"] = prepared
    if prepared:
        st.checkbox("Photos partageables avec les partenaires", key="obs_photos_shareable")


@st.cache_data(show_spinner=False, max_entries=32)
def prepared_photo(data: bytes) -> photo_io.PreparedPhoto:
    """A photo checked and stripped once per upload (also the contre-visite form's, `field.revisit`)."""
    return photo_io.prepare_photo(data)


def _use_photo_position(actor, lat: float, lon: float) -> None:
    set_point(lat, lon)
    save_draft(actor)


def _save_observation(actor, diagnostic_id: int) -> None:
    """Button callback: runs before the page is redrawn, so the fields can be cleared on success."""
    state = st.session_state
    draft = fieldwork.ObservationDraft(
        category=state.get("obs_category"),
        severity=state.get("obs_severity"),
        description=state.get("obs_description") or "",
        latitude=state.get("obs_lat"),
        longitude=state.get("obs_lon"),
        geometry=pending_shape(),
        recommendation=state.get("obs_recommendation") or "",
        partner=state.get("obs_partner") or "",
        shared_fields=sharing.chosen(state, SHARE_PREFIX),
    )
    photos = state.get("obs_photos_prepared") or []
    try:
        observation_id = fieldwork.record_observation(
            common.database(),
            actor,
            diagnostic_id,
            draft,
            photos=photos,
            photos_shareable=bool(state.get("obs_photos_shareable")),
            form_token=_form_token(),
        )
    except ValidationError as exc:
        notices.set_errors(exc.errors)
        return
    except (NotFound, PermissionDenied) as exc:
        notices.set_errors({"diagnostic": str(exc)})
        return
    except OSError:
        notices.set_errors({"photos": "Les photos n'ont pas pu être enregistrées sur le serveur : réessayez."})
        return
    notices.clear_errors()
    saved = f" avec {len(photos)} photo(s)." if photos else "."
    notices.notify("save", f"Observation n° {observation_id} enregistrée{saved}")
    state.update(EMPTY_OBSERVATION)
    state["obs_photos_nonce"] = state.get("obs_photos_nonce", 0) + 1  # empties the uploader
    state["obs_photos_prepared"] = []
    state[TOKEN] = uuid.uuid4().hex  # the next observation is another form
    save_draft(actor)


def _form_token() -> str:
    """The filled form's identity: kept until it is stored, so a retry cannot store it twice."""
    return st.session_state.setdefault(TOKEN, uuid.uuid4().hex)
