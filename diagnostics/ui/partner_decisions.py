"""« Mes préconisations »: the decisions of the cellules de veille given to the partner, beside
the observations assigned to it, each with its due date and an answer. Thin: services.decisions
decides (only the actor's partner's decisions). Free text is shown with st.text."""

from __future__ import annotations

import streamlit as st

from diagnostics import localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.services import decisions
from diagnostics.ui import common, forms

FLASH = "preco_decision_flash"
LINKED = "preco_decision_linked"  # the decision an e-mail's link opened: first for the session
CONFIRMED = {
    "pris_en_compte": "Merci : la décision est notée « pris en compte ».",
    "realise": "Merci : la décision est notée « réalisé ».",
    "hors_competence": "La décision est renvoyée au commandant, avec votre motif.",
}


def section(db, actor, linked: int | None = None) -> int:
    """The partner's decisions, the one an e-mail's link names (`linked`) first; how many there
    are (0: nothing is shown)."""
    try:
        mine = decisions.my_decisions(db, actor)
    except DiagnosticsError:
        return 0
    if linked is not None and linked not in {d.id for d in mine}:
        st.warning(f"La décision n° {linked} ne vous est pas (ou plus) attribuée.")
    elif linked is not None:
        st.session_state[LINKED] = linked
    if not mine:
        return 0
    opened = st.session_state.get(LINKED)
    mine = sorted(mine, key=lambda d: d.id != opened)  # stable: the others keep their order
    st.subheader("Décisions des cellules de veille")
    late = sum(1 for d in mine if d.state == "late")
    st.caption(f"{len(mine)} décision(s) vous sont attribuées, dont {late} en retard.")
    flash = st.session_state.pop(FLASH, None)
    if flash and flash[0] not in {d.id for d in mine}:  # answered and gone: no form to show it under
        st.success(flash[1])
    for decision in mine:
        with st.container(border=True, key=f"preco_decision_box_{decision.id}"):
            if decision.id == opened:
                st.caption(f":material/mail: Décision n° {decision.id}, ouverte depuis le lien du courriel")
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
    base = f"preco_decision_{decision_id}"
    form = forms.key(base)  # a refused answer keeps what was chosen and typed
    with st.expander("Répondre à cette décision"), st.form(form):
        kind = st.radio("Votre réponse", list(decisions.ANSWERS), format_func=decisions.ANSWERS.get, horizontal=True,
                        key=f"{form}_kind")  # fmt: skip
        comment = st.text_area("Commentaire (ce qui a été fait, ou pourquoi ce n'est pas de votre compétence)",
                               key=f"{form}_comment")  # fmt: skip
        submitted = st.form_submit_button("Envoyer la réponse", type="primary")
        near_button = st.empty()
    forms.show_confirmation(base, near_button)
    if not submitted or forms.stray(base, kind == next(iter(decisions.ANSWERS)) and not comment.strip()):
        return
    try:
        decisions.answer_decision(db, actor, decision_id, kind, comment)
    except DiagnosticsError as error:
        forms.refused(base)
        with near_button.container():
            common.show_refusal(error, {"comment": "Commentaire", "answer": "Réponse"})
        return
    forms.succeeded(base, CONFIRMED[kind])
    st.session_state[FLASH] = (decision_id, CONFIRMED[kind])
    st.rerun()
