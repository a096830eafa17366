"""« Mes préconisations »: the decisions of the cellules de veille given to the partner, beside
the observations assigned to it, each with its due date and an answer. Thin: services.decisions
decides (only the actor's partner's decisions). Free text is shown with st.text."""

from __future__ import annotations

import streamlit as st

from diagnostics import localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.services import decisions
from diagnostics.ui import common

FLASH = "preco_decision_flash"
CONFIRMED = {
    "pris_en_compte": "Merci : la décision est notée « pris en compte ».",
    "realise": "Merci : la décision est notée « réalisé ».",
    "hors_competence": "La décision est renvoyée au commandant, avec votre motif.",
}


def section(db, actor) -> int:
    """The partner's decisions; how many there are (0: nothing is shown)."""
    try:
        mine = decisions.my_decisions(db, actor)
    except DiagnosticsError:
        return 0
    if not mine:
        return 0
    st.subheader("Décisions des cellules de veille")
    late = sum(1 for d in mine if d.state == "late")
    st.caption(f"{len(mine)} décision(s) vous sont attribuées, dont {late} en retard.")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    for decision in mine:
        with st.container(border=True):
            st.text(decision.text)
            state = decisions.STATES[decision.state]
            st.caption(
                f"{decision.cellule}, réunion du {localtime.format_date(decision.meeting_on)} — "
                f"échéance {localtime.format_date(decision.due_on)} — {state}"
            )
            if decision.answer:
                answer = decisions.ANSWERS[decision.answer]
                st.text(
                    f"Votre réponse : {answer}" + (f" — {decision.answer_comment}" if decision.answer_comment else "")
                )
            if decision.state != "done":
                _answer_form(db, actor, decision.id)
    return len(mine)


def _answer_form(db, actor, decision_id: int) -> None:
    with st.expander("Répondre à cette décision"), st.form(f"preco_decision_{decision_id}", clear_on_submit=True):
        kind = st.radio("Votre réponse", list(decisions.ANSWERS), format_func=decisions.ANSWERS.get, horizontal=True)
        comment = st.text_area("Commentaire (ce qui a été fait, ou pourquoi ce n'est pas de votre compétence)")
        submitted = st.form_submit_button("Envoyer la réponse", type="primary")
    if not submitted:
        return
    try:
        decisions.answer_decision(db, actor, decision_id, kind, comment)
    except DiagnosticsError as error:
        common.show_refusal(error, {"comment": "Commentaire", "answer": "Réponse"})
        return
    st.session_state[FLASH] = CONFIRMED[kind]
    st.rerun()
