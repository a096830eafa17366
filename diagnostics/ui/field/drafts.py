"""Drafts of Saisie terrain: every field is saved on each change, per login and device, and a
draft left by a previous browser session is offered for resuming."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics.localtime import format_datetime
from diagnostics.services import drafts as draft_store
from diagnostics.ui import common
from diagnostics.ui.field import notices
from diagnostics.ui.field.device import device_id

PREFIXES = ("diag_", "obs_", "grid_")
EXTRA = ("diagnostic_id",)
NOT_DRAFTED = ("obs_photos_", "obs_errors")  # uploaded files (size) and messages are not kept
DECIDED = "draft_decided"


def autosave(actor) -> dict:
    """Widget options that save the draft whenever the widget changes."""
    return {"on_change": save_draft, "args": (actor,)}


def offer_draft(db, actor) -> None:
    """Once per browser session: a draft left by a previous one is offered for resuming."""
    state = st.session_state
    if state.get(DECIDED):
        return
    draft = draft_store.load_draft(db, actor, device=device_id())
    if draft is None or not _meaningful(draft.payload):
        state[DECIDED] = True
        return
    when = format_datetime(draft.updated_at)
    st.warning(f"Une saisie non terminée a été retrouvée sur cet appareil (dernière modification le {when}).")
    columns = st.columns(2)
    columns[0].button(
        "Reprendre la saisie", type="primary", on_click=_resume_draft, args=(draft.payload,), width="stretch"
    )
    columns[1].button("Ignorer", on_click=_ignore_draft, args=(actor,), width="stretch")


def save_draft(actor) -> None:
    """Widget callback: the whole form, as it is now, replaces the user's server-side draft."""
    state = st.session_state
    if not state.get(DECIDED):
        return  # do not overwrite a draft the user has not yet chosen to resume or ignore
    payload = {
        key: state[key]
        for key in list(state.keys())
        if (key.startswith(PREFIXES) or key in EXTRA) and not key.startswith(NOT_DRAFTED) and _is_plain(state[key])
    }
    draft_store.save_draft(common.database(), actor, payload, device=device_id())


def _meaningful(payload: dict) -> bool:
    return any(value not in (None, "", False, [], {}) for key, value in payload.items() if key != "diagnostic_id")


def _resume_draft(payload: dict) -> None:
    state = st.session_state
    for key, value in payload.items():
        if key == "diag_date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        state[key] = value
    if payload.get("diagnostic_id"):
        state["diagnostic_id"] = payload["diagnostic_id"]
    state[DECIDED] = True
    notices.notify("top", "Saisie reprise là où elle s'était arrêtée.")


def _ignore_draft(actor) -> None:
    draft_store.discard_draft(common.database(), actor, device=device_id())
    st.session_state[DECIDED] = True


def _is_plain(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dt.date | dict | list)
