"""Administration › Sessions: who is signed in where, and closing a session.

A closed session is refused at its next page run or API request (services.sessions). The close
runs in the button's callback, before the page is drawn, so the list already shows it.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from diagnostics import config, localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.services import sessions
from diagnostics.ui import session as page_session
from diagnostics.ui import tables

COLUMNS = ("Compte", "Nom", "Ouverte le", "Dernière activité", "Expire le", "Navigateur", "Connexion")
VIA = {"password": "Mot de passe", "sso": "Annuaire", "api": "API (page terrain)"}
NOTICE_KEY, ERROR_KEY, CHOICE_KEY = "sessions_notice", "sessions_error", "sessions_choice"
THIS_ONE = " (cette session)"
CLOSED = "Session de {login} fermée : elle est refusée à sa prochaine action."
NONE = "—"

# (pattern, name): the first that matches names the browser. Edge and Opera also say « Chrome »,
# Chrome also says « Safari »: the more specific come first.
BROWSERS = (
    (r"Edg(?:e|A|iOS)?/(\d+)", "Edge"),
    (r"OPR/(\d+)", "Opera"),
    (r"Firefox/(\d+)", "Firefox"),
    (r"FxiOS/(\d+)", "Firefox"),
    (r"SamsungBrowser/(\d+)", "Samsung Internet"),
    (r"HeadlessChrome/(\d+)", "Chrome (sans interface)"),
    (r"Chromium/(\d+)", "Chromium"),
    (r"(?:Chrome|CriOS)/(\d+)", "Chrome"),
    (r"Version/(\d+)[.\d]* (?:Mobile/\S+ )?Safari/", "Safari"),
)
SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)


def short_user_agent(user_agent: str) -> str:
    """« Firefox 133 · Android » from a browser's User-Agent header; the start of it otherwise."""
    if not user_agent:
        return NONE
    browser = next(
        (f"{name} {found.group(1)}" for pattern, name in BROWSERS if (found := re.search(pattern, user_agent))),
        None,
    )
    system = next((name for marker, name in SYSTEMS if marker in user_agent), None)
    if browser is None:
        return user_agent[:40] + ("…" if len(user_agent) > 40 else "")
    return f"{browser} · {system}" if system else browser


def sessions_table(rows: list[sessions.OpenSession], current_id: int | None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                row.login + (THIS_ONE if row.id == current_id else ""),
                row.display_name,
                localtime.format_datetime(row.created_at),
                localtime.format_datetime(row.last_seen_at),
                localtime.format_datetime(row.expires_at),
                short_user_agent(row.user_agent),
                VIA.get(row.via, row.via),
            )
            for row in rows
        ],
        columns=list(COLUMNS),
    )


def section(db, actor) -> None:
    rows = sessions.open_sessions(db, actor)
    current_id = st.session_state.get(page_session.SESSION_KEY)
    notice, error = st.session_state.pop(NOTICE_KEY, None), st.session_state.pop(ERROR_KEY, None)
    if notice:
        st.success(notice)
    if error:
        st.error(error)
    st.caption(
        f"{len(rows)} session(s) ouverte(s). Heures de Paris ; une session expire après "
        f"{config.session_idle_minutes()} minutes sans activité."
    )
    st.dataframe(tables.readable(sessions_table(rows, current_id)), hide_index=True, width="stretch")
    if not rows:
        return
    by_id = {row.id: row for row in rows}
    # Options and labels that do not move with activity: a selectbox whose options or labels
    # change between reruns starts again from nothing, under the administrator's cursor.
    chosen = st.selectbox(
        "Session à fermer",
        [None, *sorted(by_id)],
        key=CHOICE_KEY,
        placeholder=NONE,
        format_func=lambda session_id: NONE if session_id is None else _label(by_id[session_id], current_id),
    )
    if chosen is not None:
        args = (db, actor, by_id[chosen].login, chosen)
        st.button("Fermer la session", icon=":material/logout:", on_click=_close, args=args)


def _label(row: sessions.OpenSession, current_id: int | None) -> str:
    this_one = THIS_ONE if row.id == current_id else ""
    opened = localtime.format_datetime(row.created_at)
    return f"{row.login}{this_one} — {short_user_agent(row.user_agent)} — ouverte le {opened}"


def _close(db, actor, login: str, session_id: int) -> None:
    try:
        sessions.revoke_session(db, actor, session_id)
    except DiagnosticsError as exc:
        st.session_state[ERROR_KEY] = str(exc)
        return
    st.session_state[CHOICE_KEY] = None
    st.session_state[NOTICE_KEY] = CLOSED.format(login=login)
