"""Forms that keep what the person typed when they are refused, and survive a double click.

A form's key (and its widgets' keys) carry a counter bumped only on success: a refused form keeps
its values (never `clear_on_submit`, which empties the form before the service has said yes), a
saved one is replaced by a fresh, empty one. The confirmation is kept in session_state and shown
right under the button until the form is sent again. A second click of a double click that lands
on the fresh form, still untouched, a moment after the success is ignored: the confirmation
stays, no false « Donnez un intitulé… » error. An identical re-submission of the old form is
deduplicated by the services."""

from __future__ import annotations

import time

import streamlit as st

STRAY_SECONDS = 3.0  # a click on an untouched fresh form this soon after a success is a double click


def key(base: str) -> str:
    """The current form's key; its widgets' keys are built on it (`f"{key}_title"`)."""
    return f"{base}_{st.session_state.setdefault(f'{base}__n', 0)}"


def succeeded(base: str, message: str) -> None:
    """The form was saved: the next run shows a fresh form and `message` under its button."""
    st.session_state[f"{base}__n"] = st.session_state.get(f"{base}__n", 0) + 1
    st.session_state[f"{base}__flash"] = (message, time.monotonic())


def show_confirmation(base: str, placeholder) -> None:
    """The last success of this form, in `placeholder` (an st.empty() right under the button)."""
    flash = st.session_state.get(f"{base}__flash")
    if flash:
        placeholder.success(flash[0])


def stray(base: str, untouched: bool) -> bool:
    """True for a submission of the fresh form, untouched, right after a success (a double click):
    the caller does nothing, the confirmation stays."""
    flash = st.session_state.get(f"{base}__flash")
    return untouched and flash is not None and time.monotonic() - flash[1] < STRAY_SECONDS


def refused(base: str) -> None:
    """The form was refused: the old confirmation gives way to the error."""
    st.session_state.pop(f"{base}__flash", None)
