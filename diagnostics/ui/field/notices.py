"""Messages shown where the action was taken: a confirmation once, on the run after it; a
refusal's errors, one per field, each gone as soon as its field is changed."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

KEY = "field_notices"
ERRORS = "obs_errors"


def notify(place: str, message: str) -> None:
    """Show `message` at `place` on the next run (a button callback runs before the page)."""
    st.session_state.setdefault(KEY, {})[place] = message


def show(place: str) -> None:
    message = st.session_state.get(KEY, {}).pop(place, None)
    if message:
        st.success(message)


def set_errors(errors: Mapping[str, str]) -> None:
    st.session_state[ERRORS] = dict(errors)


def clear_errors(*fields: str) -> None:
    """Forget the errors of `fields` (they were just changed); every error when none is named."""
    errors = st.session_state.get(ERRORS) or {}
    st.session_state[ERRORS] = {f: m for f, m in errors.items() if fields and f not in fields}


def show_errors(labels: Mapping[str, str]) -> None:
    """Each remaining error, named by its field's label."""
    for field, message in (st.session_state.get(ERRORS) or {}).items():
        st.error(f"**{labels[field]}** : {message}" if field in labels else message)
