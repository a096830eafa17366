"""The fiche PDF of a diagnostic, and closing (validating) it."""

from __future__ import annotations

import streamlit as st

from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.localtime import format_datetime
from diagnostics.services import closures, fiches
from diagnostics.ui import common
from diagnostics.ui.field import notices


def closed_notice(diagnostic) -> None:
    notices.show("closed")
    st.info(f"Diagnostic clôturé le {format_datetime(diagnostic.closed_at)} : il ne peut plus être modifié.")


def fiche_download(db, actor, diagnostic) -> None:
    if st.button("Préparer la fiche diagnostic (PDF)", key="fiche_prepare", width="stretch"):
        try:
            st.session_state["fiche_pdf"] = (diagnostic.id, fiches.diagnostic_fiche_pdf(db, actor, diagnostic.id))
        except (NotFound, PermissionDenied) as exc:
            common.show_refusal(exc)
    ready = st.session_state.get("fiche_pdf")
    if ready and ready[0] == diagnostic.id:
        st.download_button(
            "Télécharger la fiche PDF",
            data=ready[1],
            file_name=f"fiche-diagnostic-{diagnostic.id}.pdf",
            mime="application/pdf",
            width="stretch",
        )


def close_section(actor, diagnostic) -> None:
    st.markdown("**Clôturer le diagnostic** : une fois validé, il ne pourra plus être modifié.")
    confirmed = st.checkbox("Je confirme que le diagnostic est complet", key="close_confirm")
    if st.button("Clôturer le diagnostic", disabled=not confirmed, width="stretch"):
        try:
            closures.close_diagnostic(common.database(), actor, diagnostic.id)
        except (ValidationError, PermissionDenied) as exc:
            common.show_refusal(exc)
            return
        notices.notify("closed", "Diagnostic clôturé.")
        st.rerun()
