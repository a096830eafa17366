"""This browser's id, for drafts: a team sharing one account on several phones keeps one draft
per phone.

Streamlit gives each page load a new session, so the id is kept in a cookie (`psq_device`):
read from the request's cookies when the page loads, written by the browser the first time
(`remember`). It carries nothing but a random id. A server-side session id (an HttpOnly cookie
set by a route) can later be passed to the drafts service instead.
"""

from __future__ import annotations

import re
import uuid

import streamlit as st

COOKIE = "psq_device"
STATE_KEY = "field_device"
WRITTEN_KEY = "field_device_written"
MAX_AGE_S = 400 * 24 * 3600  # browsers cap cookie lifetimes at 400 days
_VALID = re.compile(r"^[0-9a-f]{32}$")


def device_id() -> str:
    """The id of this browser (a new one, to be remembered, when it has none yet)."""
    state = st.session_state
    if STATE_KEY not in state:
        known = _cookie()
        state[STATE_KEY] = known or uuid.uuid4().hex
        state[WRITTEN_KEY] = known is not None
    return state[STATE_KEY]


def remember() -> None:
    """Once per session, have the browser keep a new id (a script of the page)."""
    value = device_id()
    if st.session_state.get(WRITTEN_KEY):
        return
    # Runs in the page itself (st.components.v1.html is deprecated and goes after 2026-06-01).
    script = f"<script>document.cookie = '{COOKIE}={value}; path=/; max-age={MAX_AGE_S}; SameSite=Strict';</script>"
    st.html(script, unsafe_allow_javascript=True)
    st.session_state[WRITTEN_KEY] = True


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE)
    except Exception:  # no request behind this run (AppTest, bare mode)
        return None
    return value if isinstance(value, str) and _VALID.match(value) else None
