"""Alertes › « Abonnés et métiers » (administrators only): edit the trade categories, list the
subscribers and end a subscription (STOP by an administrator, after a confirmation). Thin: the
services in `diagnostics.services.subscribers` check the permission and own the transactions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.services import subscribers
from diagnostics.ui import common
from diagnostics.ui.observation_edit import plain

ROUND = "subscriber_stop_round"
LABELS = {"label": "Métier", "code": "Métier", "phone": "Numéro"}


def section(db, actor) -> None:
    st.subheader("Métiers")
    _categories(db, actor)
    _flash("categories")
    st.subheader("Abonnés")
    _subscribers(db, actor)
    _flash("subscribers")


def _flash(place: str) -> None:
    """The message of the last action, shown under the form it came from."""
    flash = st.session_state.get("subscriber_flash")
    if flash and flash[0] == place:
        del st.session_state["subscriber_flash"]
        st.success(flash[1])


def _categories(db, actor) -> None:
    labels = subscribers.categories(db)
    st.dataframe(pd.DataFrame({"Métier": list(labels.values())}), hide_index=True, width="stretch", height=200)
    with st.form("category_add", clear_on_submit=True, border=True):
        label = st.text_input("Nouveau métier", max_chars=80, key="category_new")
        if st.form_submit_button("Ajouter le métier"):
            _act(
                "categories",
                lambda: f"Métier « {plain(label.strip())} » ajouté.",
                lambda: subscribers.save_category(db, actor, label),
            )
    if not labels:
        return
    with st.form("category_edit", border=True):
        code = st.selectbox("Métier à renommer ou à retirer", list(labels), format_func=labels.get, key="category_pick")
        renamed = st.text_input("Nouveau nom", max_chars=80, key="category_rename")
        rename, remove = st.columns(2)
        if rename.form_submit_button("Renommer"):
            _act(
                "categories",
                lambda: f"Métier renommé « {plain(renamed.strip())} ».",
                lambda: subscribers.save_category(db, actor, renamed, code=code),
            )
        if remove.form_submit_button("Retirer le métier"):
            _act(
                "categories",
                lambda: f"Métier « {plain(labels[code])} » retiré.",
                lambda: subscribers.remove_category(db, actor, code),
            )


def _subscribers(db, actor) -> None:
    rows = subscribers.list_subscribers(db, actor)
    if not rows:
        st.info("Aucun abonné.")
        return
    labels = subscribers.categories(db)
    communes = common.commune_choices(db)
    st.dataframe(pd.DataFrame([_row(r, labels, communes) for r in rows]), hide_index=True, width="stretch")
    active = {r.id: f"{r.name} ({r.phone_masked})" for r in rows if r.opted_out_at is None}
    if not active:
        return
    # Fresh widgets after each STOP (their keys change): a confirmation counts for one subscription only.
    round_ = st.session_state.get(ROUND, 0)
    with st.form(f"subscriber_stop_{round_}", border=True):
        chosen = st.selectbox("Abonné", list(active), format_func=active.get, key=f"subscriber_pick_{round_}")
        sure = st.checkbox(
            "Je confirme : l'abonnement prend fin tout de suite et pour de bon (le numéro ne pourra plus "
            "être inscrit).",
            key=f"subscriber_stop_confirm_{round_}",
        )
        if st.form_submit_button("Mettre fin à l'abonnement (STOP)"):
            if not sure:
                st.error("Cochez la confirmation pour mettre fin à l'abonnement.")
            else:
                _act(
                    "subscribers",
                    lambda: f"Abonnement de « {plain(active[chosen])} » terminé (STOP).",
                    lambda: subscribers.stop_subscriber(db, actor, chosen),
                    renew=ROUND,
                )


def _row(info: subscribers.SubscriberInfo, labels: dict[str, str], communes: dict[str, str]) -> dict:
    names = [communes.get(code, code) for code in info.communes.split(",") if code]
    return {
        "Nom": info.name,
        "Numéro": info.phone_masked,
        "Commune(s)": ", ".join(names) or "Zone dessinée",
        "Métier": labels.get(info.category, info.category),
        "Convention": info.convention,
        "Consentement le": localtime.format_date(info.consent_on),
        "Désinscrit le": localtime.format_datetime(info.opted_out_at) if info.opted_out_at else "",
        "Reconfirmation due": "oui" if info.to_reconfirm else "",
    }


def _act(place: str, message, action, *, renew: str | None = None) -> None:
    """Run a service call; on success its message is shown under its form (and the widgets whose
    keys count on `renew` are renewed), on refusal the French reason is shown at once."""
    try:
        action()
    except DiagnosticsError as error:
        common.show_refusal(error, LABELS)
    else:
        st.session_state["subscriber_flash"] = (place, message())
        if renew:
            st.session_state[renew] = st.session_state.get(renew, 0) + 1
        st.rerun()
