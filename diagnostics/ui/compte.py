"""Mon compte: the address where this account receives its e-mails, and how often."""

from __future__ import annotations

import streamlit as st

from diagnostics.errors import DiagnosticsError
from diagnostics.services import outbox
from diagnostics.ui import common

SAVED = "Préférences enregistrées."


def page() -> None:
    st.title("Mon compte")
    actor = common.current_actor("own_account")
    db = common.database()
    st.caption(f"Connecté : {actor.label}")
    preference = outbox.my_preference(db, actor)
    st.subheader("Courriels")
    st.write(
        "L'application vous écrit quand une observation vous concerne : attribution, réponse d'un "
        "partenaire, échéance dépassée, contre-visite. Chaque message ne contient que ce que votre rôle "
        "peut lire, et un lien vers l'application."
    )
    with st.form("mail_preference"):
        email = st.text_input("Adresse de courriel", value=preference.email, placeholder="prenom.nom@exemple.fr")
        error = st.empty()
        choices = list(outbox.FREQUENCY_LABELS)
        frequency = st.radio(
            "Recevoir les messages",
            choices,
            index=choices.index(preference.frequency),
            format_func=outbox.FREQUENCY_LABELS.get,
            help="Le résumé quotidien regroupe en un seul courriel les messages de la journée.",
        )
        submitted = st.form_submit_button("Enregistrer", type="primary")
    if submitted:
        try:
            outbox.set_my_preference(db, actor, email, frequency)
        except DiagnosticsError as exc:
            error.error(str(exc))
        else:
            st.success(SAVED)


page()
