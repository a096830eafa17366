"""The diagnostic picker and the new-diagnostic form."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st

from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.localtime import WIDGET_DATE_FORMAT
from diagnostics.services import fieldwork, scope
from diagnostics.ui import common
from diagnostics.ui.field import notices
from diagnostics.ui.field.drafts import autosave, save_draft

NEW = 0  # the « new diagnostic » choice in the picker
CURRENT = "diagnostic_id"  # the diagnostic being worked on (kept in drafts)
PENDING = "pending_diagnostic_id"
LABELS = {
    "team_id": "Équipe",
    "commune_insee": "Commune",
    "place": "Lieu visité",
    "visited_on": "Date",
    "participants": "Participants",
    "context": "Contexte",
}


def pick_diagnostic(db, actor) -> int:
    """The diagnostic being worked on (`CURRENT`), chosen in a list of the actor's diagnostics.

    The list's labels change when a diagnostic is closed or corrected; the browser's picker then
    resets itself to the first option at the next tap (a closed diagnostic jumped to « Nouveau
    diagnostic »). So the widget is keyed by its labels: new labels make a new picker, which
    starts on the diagnostic of `CURRENT`."""
    summaries = {d.id: d.label for d in fieldwork.list_diagnostics(db, actor)}
    options = [NEW, *summaries]
    state = st.session_state
    if state.get(CURRENT) not in options:
        state[CURRENT] = NEW
    labels = ["+ Nouveau diagnostic", *summaries.values()]
    key = "pick_diagnostic_" + hashlib.sha256("\n".join(labels).encode()).hexdigest()[:12]
    state[key] = state[CURRENT]  # also when a draft was resumed or a diagnostic created
    st.selectbox(
        "Diagnostic",
        options,
        key=key,
        format_func=dict(zip(options, labels, strict=True)).get,
        on_change=_picked,
        args=(actor, key),
    )
    return state[CURRENT]


def _picked(actor, key: str) -> None:
    st.session_state[CURRENT] = st.session_state[key]
    save_draft(actor)


def select_new_diagnostic() -> None:
    """After a diagnostic is created, select it (before the picker widget exists in this run)."""
    new_id = st.session_state.pop(PENDING, None)
    if new_id is not None:
        st.session_state[CURRENT] = new_id
        notices.notify("observation", "Diagnostic enregistré : placez maintenant ses observations.")


def new_diagnostic_form(db, actor) -> None:
    teams, communes = scope.new_diagnostic_choices(db, actor)  # only what the services accept
    saved = autosave(actor)
    st.subheader("Nouveau diagnostic de sûreté")
    notices.show("new")
    st.selectbox(
        "Équipe",
        list(teams),
        key="diag_team",
        index=None,
        format_func=teams.get,
        placeholder="Choisissez l'équipe",
        **saved,
    )
    st.selectbox(
        "Commune",
        list(communes),
        key="diag_commune",
        index=None,
        format_func=communes.get,
        placeholder="Tapez le nom de la commune",
        **saved,
    )
    st.text_input("Lieu visité", key="diag_place", placeholder="ex. Quartier de l'île, rue …", **saved)
    if "diag_date" not in st.session_state:
        st.session_state["diag_date"] = dt.date.today()
    st.date_input("Date", key="diag_date", format=WIDGET_DATE_FORMAT, **saved)
    st.text_area("Participants", key="diag_participants", **saved)
    st.text_area("Contexte", key="diag_context", **saved)
    if st.button("Commencer le diagnostic", type="primary", width="stretch"):
        _start_diagnostic(db, actor)


def _start_diagnostic(db, actor) -> None:
    state = st.session_state
    draft = fieldwork.DiagnosticDraft(
        team_id=state.get("diag_team"),
        commune_insee=state.get("diag_commune"),
        place=state.get("diag_place", ""),
        visited_on=state.get("diag_date"),
        participants=state.get("diag_participants", ""),
        context=state.get("diag_context", ""),
    )
    try:
        new_id = fieldwork.start_diagnostic(db, actor, draft)
    except (ValidationError, PermissionDenied) as exc:
        common.show_refusal(exc, LABELS)
        return
    state[PENDING] = new_id
    st.rerun()
