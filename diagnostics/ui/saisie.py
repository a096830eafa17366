"""Saisie terrain: start a diagnostic, then place and describe its observations — phone first.

Every field is saved as a server-side draft on each change (`field.drafts`), so a closed tab,
a dropped connection or a restarted server loses nothing: the page offers to resume. The parts
of the page live in `diagnostics/ui/field/`.
"""

from __future__ import annotations

import streamlit as st

from diagnostics.errors import NotFound
from diagnostics.services import fieldwork
from diagnostics.ui import common, diagnostic_edit, observation_edit
from diagnostics.ui.field import closing, device, diagnostic, drafts, grid, notices, observation_form, position, revisit

# Thumb-sized controls: Streamlit's defaults are made for a mouse.
PHONE_CSS = """
<style>
.stButton button, .stDownloadButton button, .stFormSubmitButton button { min-height: 48px; }
div[data-testid="stRadio"] label { min-height: 40px; padding-right: 10px; align-items: center; }
div[data-testid="stCheckbox"] label { min-height: 40px; align-items: center; }
@media (max-width: 640px) {
  .block-container { padding-left: 0.8rem; padding-right: 0.8rem; padding-top: 2.5rem; }
  h1 { font-size: 1.6rem; }
}
</style>
"""

# The offline-first field page (diagnostics/web/terrain.py): same services, works without network.
OFFLINE_LINK = (
    "Réseau incertain ? [Saisie hors ligne](/terrain/) : la page enregistre les observations "
    "sans réseau et les envoie au retour du réseau."
)


def page() -> None:
    st.markdown(PHONE_CSS, unsafe_allow_html=True)
    st.title("Saisie terrain")
    st.markdown(OFFLINE_LINK)
    actor = common.current_actor("record_diagnostic")
    db = common.database()
    device.remember()
    drafts.offer_draft(db, actor)
    revisit.revisit_section(db, actor)
    diagnostic_id = diagnostic.pick_diagnostic(db, actor)
    notices.show("top")
    if diagnostic_id == diagnostic.NEW:
        diagnostic.new_diagnostic_form(db, actor)
        return
    try:
        summary = fieldwork.get_diagnostic(db, actor, diagnostic_id)
    except NotFound as exc:
        common.show_refusal(exc)
        return
    st.caption(f"{summary.label} — {summary.observation_count} observation(s)")
    if summary.closed:
        closing.closed_notice(summary)
        closing.fiche_download(db, actor, summary)
        observation_edit.observation_list(db, actor, summary.id, editable=False)
        diagnostic_edit.reopen_section(db, actor, summary.id)
        return
    st.subheader("Ajouter une observation")
    notices.show("observation")
    position.field_map(db, actor, summary)
    position.position_tools(db, actor)
    observation_form.observation_form(actor, summary.id)
    observation_edit.observation_list(db, actor, summary.id, editable=True)
    with st.expander("Corriger le diagnostic (lieu, date, participants)", key="field_corrections"):
        diagnostic_edit.diagnostic_corrections(db, actor, summary.id)
    with st.expander("Grille de diagnostic (prévention situationnelle)", key="field_grid"):
        grid.grid_section(db, actor, summary.id)
    with st.expander("Fiche PDF et clôture", key="field_fiche"):
        closing.fiche_download(db, actor, summary)
        closing.close_section(actor, summary)


diagnostic.select_new_diagnostic()
page()
