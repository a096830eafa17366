"""Who is logged in: the session's actor, idle expiry, logout, optional OpenID Connect.

Local accounts log in with a password; when `[auth]` is configured in .streamlit/secrets.toml,
`st.login` (OpenID Connect) is offered too, and the identity is mapped to an existing account.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics import config
from diagnostics.auth import Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import accounts, audit

ACTOR_KEY = "actor"
SEEN_KEY = "actor_seen_at"
EXPIRED = "Votre session a expiré après {minutes} minutes d'inactivité : reconnectez-vous."
ACCOUNT_CHANGED = "Votre compte a été désactivé ou modifié par un administrateur : reconnectez-vous."


def current_actor() -> Actor | None:
    """The logged-in actor, or None (never logged in, or idle for too long)."""
    actor = st.session_state.get(ACTOR_KEY)
    if actor is None:
        return None
    now = dt.datetime.now(dt.UTC)
    idle = dt.timedelta(minutes=config.session_idle_minutes())
    if now - st.session_state.get(SEEN_KEY, now) > idle:
        forget()
        st.session_state["login_notice"] = EXPIRED.format(minutes=config.session_idle_minutes())
        return None
    st.session_state[SEEN_KEY] = now
    return actor


def recheck_account(db) -> Actor | None:
    """The session's actor if its account is still active and unchanged; else the session ends.

    The services trust the `Actor` they are given, so a disabled account, or one whose role,
    team, commune or départements changed, must not keep acting on what it was at login.
    """
    actor = current_actor()
    if actor is None:
        return None
    now = accounts.current_account(db, actor.login)
    if now is None or _scope(now) != _scope(actor):
        forget()
        st.session_state["login_notice"] = ACCOUNT_CHANGED
        return None
    if now != actor:  # only the name shown changed
        st.session_state[ACTOR_KEY] = now
    return now


def _scope(actor: Actor) -> tuple:
    return (actor.role, actor.team_id, actor.commune_insee, tuple(sorted(actor.departments)))


def remember(actor: Actor) -> None:
    st.session_state[ACTOR_KEY] = actor
    st.session_state[SEEN_KEY] = dt.datetime.now(dt.UTC)


def forget() -> None:
    """Drop everything this session held: the next user of the browser starts clean."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]


def log_in(db, login: str, password: str) -> str | None:
    """Try a password login; returns the French refusal, or None when logged in."""
    try:
        remember(accounts.authenticate(db, login.strip(), password))
    except PermissionDenied as exc:
        return str(exc)
    return None


def log_out(db) -> None:
    actor = st.session_state.get(ACTOR_KEY)
    if actor is not None:
        audit.record_now(db, actor, "logout", entity="user", entity_id=actor.login)
    forget()
    if sso_configured() and st.user.is_logged_in:
        st.logout()


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
        st.session_state["login_notice"] = str(exc)
        st.logout()
        return None
    remember(actor)
    return actor
