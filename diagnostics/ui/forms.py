"""Forms that keep what the person typed when they are refused, and survive a double click.

A form's key (and its widgets' keys) carry a counter bumped only on success: a refused form keeps
its values (never `clear_on_submit`, which empties the form before the service has said yes), a
saved one is replaced by a fresh, empty one. The confirmation is kept in session_state and shown
right under the button until the form is sent again. A second click of a double click that lands
on the fresh form, still untouched, a moment after the success is ignored: the confirmation
stays, no false « Donnez un intitulé… » error. An identical re-submission of the old form is
deduplicated by the services.

Buttons that act at once (move a point up, mark a decision done) have no form to compare: the
second click of a double click lands on whatever the first click put under the pointer (the
point moved down into its place, the « Rouvrir » that replaced « Marquer comme faite »). Their
keys carry the state they act on, so a click on the page as it was is dropped, and `pressed`
ignores a click of the same group this soon after the one that acted."""

from __future__ import annotations

import time

import streamlit as st

STRAY_SECONDS = 3.0  # a click on an untouched fresh form this soon after a success is a double click
BUTTON_STRAY_SECONDS = 1.5  # a second press of a group's buttons this soon after one that acted


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


def pressed(group: str) -> bool:
    """A button of `group` was clicked: True to act on it; False for the second click of a double
    click (a press of the group within BUTTON_STRAY_SECONDS of the one that acted)."""
    last = st.session_state.get(f"{group}__pressed")
    now = time.monotonic()
    if last is not None and now - last < BUTTON_STRAY_SECONDS:
        return False
    st.session_state[f"{group}__pressed"] = now
    return True


def acted(group: str) -> None:
    """The press of `group` finished acting: its window starts again now (a slow save under load
    must not eat the time the second click of a double click takes to arrive)."""
    st.session_state[f"{group}__pressed"] = time.monotonic()
