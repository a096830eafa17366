"""Saisie terrain: correcting a diagnostic's place, date and participants while it is open, and
reopening a closed one (commandants of its département, with a reason)."""

from __future__ import annotations

import streamlit as st

from diagnostics import localtime
from diagnostics.auth import Actor, can
from diagnostics.db import Database
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.services import corrections
from diagnostics.ui import refusals

FIELDS = ("place", "visited_on", "participants", "context")
FLASH_KEY = "de_flash"
# The Saisie page's diagnostic picker. Its options are labelled with the place and « clôturé »: a
# correction or a reopening changes the label, which makes Streamlit build a new widget that
# would fall back to « Nouveau diagnostic »; setting the key in the callback keeps the choice.
PICKER_KEY = "diagnostic_id"


def diagnostic_corrections(db: Database, actor: Actor, diagnostic_id: int) -> None:
    """A form filled from the stored diagnostic; a refused save keeps what was typed."""
    key = _key_for(diagnostic_id)
    state = st.session_state
    if message := state.pop(FLASH_KEY, None):
        st.success(message)
    if key("version") not in state:
        _fill(db, actor, diagnostic_id)
    st.text_input("Lieu visité", key=key("place"))
    st.date_input("Date", key=key("visited_on"), format=localtime.WIDGET_DATE_FORMAT)
    st.text_area("Participants", key=key("participants"))
    st.text_area("Contexte", key=key("context"))
    refusals.show_refusal(key(""), _resend, (db, actor, diagnostic_id))
    st.button(
        "Enregistrer les corrections du diagnostic",
        key=key("save"),
        on_click=_save,
        args=(db, actor, diagnostic_id),
        width="stretch",
    )


def reopen_section(db: Database, actor: Actor, diagnostic_id: int) -> None:
    """For a closed diagnostic: commandants (and administrators) may reopen it, saying why."""
    if not can(actor, "reopen_diagnostic"):
        st.caption("Seul un commandant peut rouvrir un diagnostic clôturé.")
        return
    key = _key_for(diagnostic_id)
    with st.expander("Rouvrir le diagnostic", key=key("reopen_card")):
        st.text_area("Motif de la réouverture", key=key("reason"), placeholder="ex. adresse erronée signalée")
        st.button(
            "Rouvrir le diagnostic",
            key=key("reopen"),
            on_click=_reopen,
            args=(db, actor, diagnostic_id),
            width="stretch",
        )
        if error := st.session_state.get(key("reopen_error")):
            st.error(error)


def _fill(db: Database, actor: Actor, diagnostic_id: int) -> None:
    editable = corrections.diagnostic_for_edit(db, actor, diagnostic_id)
    key = _key_for(diagnostic_id)
    for name in FIELDS:
        st.session_state[key(name)] = getattr(editable.values, name)
    st.session_state[key("version")] = editable.version
    st.session_state[key("errors")], st.session_state[key("conflict")] = {}, ""


def _save(db: Database, actor: Actor, diagnostic_id: int) -> None:
    state, key = st.session_state, _key_for(diagnostic_id)
    edit = corrections.DiagnosticEdit(
        place=state.get(key("place")) or "",
        visited_on=state.get(key("visited_on")),
        participants=state.get(key("participants")) or "",
        context=state.get(key("context")) or "",
    )

    def save() -> None:
        state[key("version")] = corrections.edit_diagnostic(db, actor, diagnostic_id, state[key("version")], edit)

    if not refusals.attempt(key(""), save):
        return
    state[PICKER_KEY] = diagnostic_id
    state[FLASH_KEY] = "Diagnostic corrigé."


def _resend(db: Database, actor: Actor, diagnostic_id: int) -> None:
    key = _key_for(diagnostic_id)
    st.session_state[key("version")] = corrections.diagnostic_for_edit(db, actor, diagnostic_id).version
    st.session_state[key("conflict")] = ""
    _save(db, actor, diagnostic_id)


def _reopen(db: Database, actor: Actor, diagnostic_id: int) -> None:
    state, key = st.session_state, _key_for(diagnostic_id)
    try:
        corrections.reopen_diagnostic(db, actor, diagnostic_id, state.get(key("reason")) or "")
    except (ValidationError, NotFound, PermissionDenied) as exc:
        state[key("reopen_error")] = str(exc)
        return
    state[key("reopen_error")], state[key("reason")] = "", ""
    state.pop(key("version"), None)  # the form is filled again from what is stored
    state[PICKER_KEY] = diagnostic_id
    state[FLASH_KEY] = "Diagnostic rouvert : il peut de nouveau être corrigé."


def _key_for(diagnostic_id: int):
    return lambda name: f"de_{diagnostic_id}_{name}"
