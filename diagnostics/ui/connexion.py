"""Connexion: password login for local accounts, and single sign-on when configured.

Shown in place of any page while nobody is logged in; after login the page asked for runs.
"""

from __future__ import annotations

import streamlit as st

from diagnostics.ui import accessibilite, common, session


def page(requested: str | None = None) -> None:
    st.title("PSQ diagnostics — Connexion")
    db = common.database()
    notice = st.session_state.pop("login_notice", None)
    if notice:
        st.warning(notice)
    elif requested:
        st.info(f"Connectez-vous pour ouvrir la page « {requested} ».")
    if session.sso_actor(db) is not None:
        st.rerun()
    if session.sso_configured():
        st.button("Se connecter avec l'annuaire", on_click=st.login, type="primary")
        st.divider()
    with st.form("login"):
        st.text_input("Identifiant", key="login_name", autocomplete="username")
        st.text_input("Mot de passe", key="login_password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Se connecter", type="primary")
    if submitted:
        refusal = session.log_in(db, st.session_state.get("login_name", ""), st.session_state.get("login_password", ""))
        if refusal:
            st.error(refusal)
        else:
            st.rerun()
    st.divider()
    st.page_link(accessibilite.st_page(), label=accessibilite.TITLE, icon=accessibilite.ICON)
