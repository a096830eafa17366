"""Saisie terrain: the diagnostic's observations, with their photos, corrected or deleted in place.

Every change goes through `services.corrections` (permissions, checks of recording, version,
audit). A refused save keeps what was typed: after a conflict, the stored version is shown
beside it and the agent chooses to resend over it.
"""

from __future__ import annotations

import re

import streamlit as st
from shapely.geometry import Point

from diagnostics import taxonomy
from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.errors import Conflict, NotFound, PermissionDenied
from diagnostics.io import photos as photo_io
from diagnostics.redaction import SHAREABLE_FIELDS, shared_fields
from diagnostics.services import corrections, gallery
from diagnostics.services.fieldwork import ObservationDraft
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import french, photo_gallery, refusals, sharing

HEADING = "Observations de ce diagnostic ({count})"
NONE_YET = "Aucune observation pour l'instant."
FLASH_KEY = "oe_flash"
FIELDS = ("category", "severity", "description", "recommendation", "partner", "lat", "lon")


def observation_list(db: Database, actor: Actor, diagnostic_id: int, *, editable: bool) -> None:
    """Each observation as a card: what was recorded, its photos, and (while open) Modifier / Supprimer."""
    frame = observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic_id))
    st.subheader(HEADING.format(count=len(frame)))
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message)
    if frame.empty:
        st.caption(NONE_YET)
        return
    shown = gallery.observation_photos(db, actor, frame["id"].tolist())
    for row in frame.itertuples():
        with st.expander(_title(row), key=f"oe_{row.id}_card"):
            if editable and st.session_state.get(_key(row.id, "editing")):
                _edit_form(db, actor, row, shown.get(row.id, []))
                continue
            _card(row)
            photo_gallery.show_photo_list(db, actor, shown.get(row.id, []), key=f"oe_{row.id}_photos")
            if editable:
                _actions(db, actor, row)


def _title(row) -> str:
    return (
        f"N° {row.id} — {taxonomy.category_label(row.category)} — "
        f"gravité {row.severity} ({taxonomy.severity_label(row.severity)})"
    )


def _card(row) -> None:
    st.markdown(f"**Description** : {plain(row.description)}")
    if row.recommendation:
        st.markdown(f"**Préconisation** : {plain(row.recommendation)}")
    if row.partner:
        st.markdown(f"**Partenaire concerné** : {plain(row.partner)}")
    shared = [SHAREABLE_FIELDS[code].lower() for code in shared_fields(row.shared_fields)]
    st.caption("Transmis aux partenaires : " + (", ".join(shared) if shared else "aucun texte"))


def _actions(db: Database, actor: Actor, row) -> None:
    confirm = _key(row.id, "confirm_delete")
    columns = st.columns(2)
    columns[0].button("Modifier", key=_key(row.id, "edit"), on_click=_start_editing, args=(row,), width="stretch")
    columns[1].button(
        "Supprimer",
        key=_key(row.id, "delete"),
        on_click=st.session_state.__setitem__,
        args=(confirm, True),
        width="stretch",
    )
    if st.session_state.get(confirm):
        st.warning(f"Supprimer l'observation n° {row.id} et ses photos ? Cette suppression est définitive.")
        columns = st.columns(2)
        columns[0].button(
            "Oui, supprimer",
            key=_key(row.id, "delete_yes"),
            type="primary",
            on_click=_delete,
            args=(db, actor, row.id, row.version),
            width="stretch",
        )
        columns[1].button(
            "Annuler",
            key=_key(row.id, "delete_no"),
            on_click=st.session_state.__setitem__,
            args=(confirm, False),
            width="stretch",
        )
    if error := st.session_state.get(_key(row.id, "delete_error")):
        st.error(error)


def _start_editing(row) -> None:
    """Fill the form from the stored observation (the version it was read at goes with it)."""
    state = st.session_state
    point = row.geometry if isinstance(row.geometry, Point) else None
    values = {
        "category": row.category,
        "severity": int(row.severity),
        "description": row.description,
        "recommendation": row.recommendation,
        "partner": row.partner,
        "lat": point.y if point else None,
        "lon": point.x if point else None,
    }
    for name, value in values.items():
        state[_key(row.id, name)] = value
    state.update(sharing.ticked_from(row.shared_fields, _key(row.id, "share_")))
    state[_key(row.id, "version")] = int(row.version)
    state[_key(row.id, "errors")] = {}
    state[_key(row.id, "conflict")] = ""
    state[_key(row.id, "editing")] = True


def _edit_form(db: Database, actor: Actor, row, shown: list) -> None:
    key = _key_for(row.id)
    categories = {c.code: c.label for c in taxonomy.CATEGORIES}
    st.selectbox("Catégorie", list(categories), key=key("category"), format_func=categories.get)
    st.radio(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key=key("severity"),
        horizontal=True,
        format_func=lambda level: f"{level} — {taxonomy.severity_label(level)}",
    )
    st.text_area("Description", key=key("description"))
    st.text_area("Préconisation", key=key("recommendation"))
    st.text_input("Partenaire concerné", key=key("partner"))
    if isinstance(row.geometry, Point):
        columns = st.columns(2)
        columns[0].number_input("Latitude (degrés décimaux)", key=key("lat"), format="%.6f", step=0.0001)
        columns[1].number_input("Longitude (degrés décimaux)", key=key("lon"), format="%.6f", step=0.0001)
    else:
        st.caption("Forme dessinée : elle est conservée telle quelle.")
    sharing.sharing_inputs(key("share_"))
    _photo_changes_inputs(db, actor, row.id, shown)
    refusals.show_refusal(key(""), _take_current_version, (db, actor, row))
    columns = st.columns(2)
    columns[0].button(
        "Enregistrer les corrections",
        key=key("save"),
        type="primary",
        on_click=_save,
        args=(db, actor, row),
        width="stretch",
    )
    columns[1].button("Annuler", key=key("cancel"), on_click=_stop_editing, args=(row.id,), width="stretch")


def _photo_changes_inputs(db: Database, actor: Actor, observation_id: int, shown: list) -> None:
    key = _key_for(observation_id)
    if shown:
        st.markdown("**Photos**")
        photo_gallery.show_photo_list(db, actor, shown, key=key("photos"))
        for photo in shown:
            columns = st.columns(2)
            columns[0].checkbox(f"Retirer la photo n° {photo.id}", key=key(f"remove_{photo.id}"))
            share = key(f"pshare_{photo.id}")
            st.session_state.setdefault(share, photo.shareable)
            columns[1].checkbox(f"Photo n° {photo.id} transmise aux partenaires", key=share)
    nonce = st.session_state.setdefault(key("upload_nonce"), 0)
    st.file_uploader(
        "Ajouter des photos",
        type=photo_io.UPLOAD_EXTENSIONS,
        accept_multiple_files=True,
        key=key(f"upload_{nonce}"),
        max_upload_size=photo_io.MAX_UPLOAD_BYTES // 2**20,
    )
    st.caption(french.upload_hint(photo_io.MAX_UPLOAD_BYTES // 2**20, photo_io.UPLOAD_EXTENSIONS))
    st.checkbox("Photos ajoutées transmises aux partenaires", key=key("upload_shareable"))


def _save(db: Database, actor: Actor, row) -> None:
    """Button callback: the corrections in one use case; a refusal keeps the form as typed."""
    state, key = st.session_state, _key_for(row.id)
    errors: dict[str, str] = {}
    added = []
    for upload in state.get(key(f"upload_{state.get(key('upload_nonce'), 0)}")) or []:
        try:
            added.append(photo_io.prepare_photo(upload.getvalue()))
        except photo_io.PhotoError as exc:
            errors[f"photo_{upload.name}"] = f"{exc} ({upload.name})"
    if errors:
        state[key("errors")] = errors
        return
    photo_ids = [int(name.rsplit("_", 1)[1]) for name in state if name.startswith(key("pshare_"))]
    changes = corrections.PhotoChanges(
        add=added,
        add_shareable=bool(state.get(key("upload_shareable"))),
        remove=[photo_id for photo_id in photo_ids if state.get(key(f"remove_{photo_id}"))],
        shareable={photo_id: bool(state.get(key(f"pshare_{photo_id}"))) for photo_id in photo_ids},
    )
    version, draft = state[key("version")], _draft(row, state)
    if not refusals.attempt(key(""), lambda: corrections.edit_observation(db, actor, row.id, version, draft, changes)):
        return
    _stop_editing(row.id)
    state[FLASH_KEY] = f"Observation n° {row.id} corrigée."


def _draft(row, state) -> ObservationDraft:
    key = _key_for(row.id)
    point = isinstance(row.geometry, Point)
    return ObservationDraft(
        category=state.get(key("category")),
        severity=state.get(key("severity")),
        description=state.get(key("description")) or "",
        recommendation=state.get(key("recommendation")) or "",
        partner=state.get(key("partner")) or "",
        latitude=state.get(key("lat")) if point else None,
        longitude=state.get(key("lon")) if point else None,
        geometry=None if point else row.geometry,
        shared_fields=sharing.chosen(state, key("share_")),
    )


def _take_current_version(db: Database, actor: Actor, row) -> None:
    """After a conflict: keep every typed value, and resend over the version stored now."""
    frame = observations_frame(db, actor, ObservationFilter(diagnostic_id=row.diagnostic_id)).set_index("id")
    if row.id not in frame.index:
        st.session_state[_key(row.id, "errors")] = {"form": f"L'observation n° {row.id} a été supprimée entre-temps."}
        return
    st.session_state[_key(row.id, "version")] = int(frame.loc[row.id, "version"])
    st.session_state[_key(row.id, "conflict")] = ""
    _save(db, actor, row)


def _delete(db: Database, actor: Actor, observation_id: int, version: int) -> None:
    try:
        corrections.delete_observation(db, actor, observation_id, version)
    except (Conflict, NotFound, PermissionDenied) as exc:
        st.session_state[_key(observation_id, "delete_error")] = str(exc)
        return
    st.session_state[_key(observation_id, "confirm_delete")] = False
    st.session_state[FLASH_KEY] = f"Observation n° {observation_id} supprimée."


def _stop_editing(observation_id: int) -> None:
    state = st.session_state
    state[_key(observation_id, "editing")] = False
    state[_key(observation_id, "upload_nonce")] = state.get(_key(observation_id, "upload_nonce"), 0) + 1
    for name in [name for name in state if name.startswith(_key(observation_id, "pshare_"))]:
        del state[name]


def _key(observation_id: int, name: str) -> str:
    return f"oe_{observation_id}_{name}"


def _key_for(observation_id: int):
    return lambda name: _key(observation_id, name)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def plain(text: str) -> str:
    """User text shown through st.markdown as typed: every Markdown character escaped."""
    return _MARKDOWN.sub(r"\\\1", str(text or "")).replace("\n", "  \n")
