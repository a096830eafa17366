"""Who is logged in, for the pages: the server session behind the page, logout, single sign-on.

Sessions live in the database (services.sessions). A page run finds its session either in the
page's memory (the one it opened at login, or found before) or, on a fresh page load (a reload,
a bookmark, a new tab), in the HttpOnly cookie the browser sends with the page's WebSocket
(`st.context.cookies`). Every run resolves it again: an idle, revoked or changed session ends
there, with a French notice on the login page.

A page cannot set an HttpOnly cookie: after a login it renders a small script that posts the
session's one-time ticket to /api/session/claim, whose answer sets the cookie (see
diagnostics.web.auth). AppTest has no browser: its sessions live in the page's memory only.

Local accounts log in with a password; when `[auth]` is configured in .streamlit/secrets.toml,
`st.login` (OpenID Connect) is offered too, and the identity is mapped to an existing account.
"""

from __future__ import annotations

import json
import secrets
from importlib import resources

import streamlit as st

from diagnostics.auth import Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import accounts, sessions
from diagnostics.web.auth import COOKIE

ACTOR_KEY = "actor"
SESSION_KEY = "server_session"  # id of this page's row in user_sessions
TICKET_KEY = "session_ticket"  # the one-time ticket to exchange for the cookie
CLEAR_COOKIE_KEY = "clear_session_cookie"
REFUSED_COOKIE_KEY = "refused_cookie"  # digest of a cookie already refused in this page
NOTICE_KEY = "login_notice"
SCRIPT = "session_cookie.js"


def current_actor() -> Actor | None:
    """The actor this page run resolved (streamlit_app.main calls `recheck_account` first)."""
    return st.session_state.get(ACTOR_KEY)


def recheck_account(db) -> Actor | None:
    """The signed-in actor of this page run, or None; an ended session ends here, with its notice.

    The services trust the `Actor` they are given, so a disabled account, or one whose role,
    team, commune or départements changed, must not keep acting on what it was at login.
    """
    session_id = st.session_state.get(SESSION_KEY)
    token = _cookie() if session_id is None else None
    if session_id is not None:
        resolved = sessions.resolve_id(db, session_id)
    elif token and sessions.digest(token) != st.session_state.get(REFUSED_COOKIE_KEY):
        resolved = sessions.resolve_token(db, token)
    else:
        return None
    if resolved.actor is None:
        token = token or _cookie()
        forget()
        if token:  # the browser sends it with every run of this page: refuse it once
            st.session_state[REFUSED_COOKIE_KEY] = sessions.digest(token)
        if resolved.refusal:
            st.session_state[NOTICE_KEY] = resolved.refusal
        return None
    st.session_state[SESSION_KEY] = resolved.session_id
    st.session_state[ACTOR_KEY] = resolved.actor
    if not resolved.awaiting_claim:
        st.session_state.pop(TICKET_KEY, None)
    return resolved.actor


def _cookie() -> str | None:
    try:
        token = st.context.cookies.get(COOKIE)
    except Exception:  # no browser behind this run (AppTest, bare mode)
        return None
    return token if isinstance(token, str) and token else None


def _user_agent() -> str:
    try:
        agent = st.context.headers.get("User-Agent", "")
    except Exception:
        return ""
    return agent if isinstance(agent, str) else ""


def remember(actor: Actor, opened: sessions.Opened) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SESSION_KEY] = opened.id
    st.session_state[TICKET_KEY] = opened.ticket


def forget() -> None:
    """Drop everything this page held: the next user of the browser starts clean."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def log_in(db, login: str, password: str) -> str | None:
    """Try a password login; returns the French refusal, or None when logged in."""
    try:
        actor = accounts.authenticate(db, login.strip(), password)
    except PermissionDenied as exc:
        return str(exc)
    remember(actor, sessions.open_session(db, actor, user_agent=_user_agent(), via="password", handoff=True))
    return None


def log_out(db) -> None:
    """« Se déconnecter »: the server session ends (audited), then the browser's cookie goes."""
    sessions.end_session(db, session_id=st.session_state.get(SESSION_KEY))
    token = _cookie()
    forget()
    st.session_state[CLEAR_COOKIE_KEY] = True
    if token:
        st.session_state[REFUSED_COOKIE_KEY] = sessions.digest(token)
    if sso_configured() and st.user.is_logged_in:
        st.logout()


def hand_off_cookie() -> None:
    """Set the cookie after a login, or clear it after a logout (a script in the page does it)."""
    ticket = st.session_state.get(TICKET_KEY)
    if ticket:
        _run_script({"kind": "claim", "ticket": ticket})
    elif st.session_state.pop(CLEAR_COOKIE_KEY, False):
        _run_script({"kind": "clear"})


def _run_script(action: dict) -> None:
    # The same action keeps its id across reruns, so that the script posts it once per page load.
    action_id = st.session_state.setdefault("session_action_id", secrets.token_hex(8))
    payload = json.dumps({**action, "id": f"{action_id}:{action['kind']}"}).replace("<", "\\u003c")
    script = resources.files("diagnostics.ui").joinpath(SCRIPT).read_text(encoding="utf-8")
    # A block: each rendering declares its own constant.
    st.html(f"<script>{{\nconst PSQ_SESSION_ACTION = {payload};\n{script}}}</script>", unsafe_allow_javascript=True)


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all: Streamlit raises its own error types
        return False


def sso_actor(db) -> Actor | None:
    """After an OpenID Connect sign-in, the matching account (or a refusal message in state)."""
    if not sso_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "")
    try:
        actor = accounts.actor_for_sso(db, email)
    except PermissionDenied as exc:
        st.session_state[NOTICE_KEY] = str(exc)
        st.logout()
        return None
    remember(actor, sessions.open_session(db, actor, user_agent=_user_agent(), via="sso", handoff=True))
    return actor
