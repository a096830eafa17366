"""The situational-prevention grid: each criterion scored 1–5 or « SO », with its comment."""

from __future__ import annotations

import streamlit as st

from diagnostics import grids
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.localtime import format_decimal
from diagnostics.services import checklists
from diagnostics.ui import common
from diagnostics.ui.field import notices
from diagnostics.ui.field.drafts import autosave


def grid_section(db, actor, diagnostic_id: int) -> None:
    grid = checklists.diagnostic_grid(db, actor, diagnostic_id)
    state = st.session_state
    prefix = f"grid_{diagnostic_id}_"
    saved = autosave(actor)
    st.caption("Notez chaque critère de 1 (très défavorable) à 5 (très favorable), ou « SO » (sans objet).")
    for theme in grid.template["themes"]:
        st.markdown(f"**{theme['label']}**")
        for item in theme["items"]:
            score_key, comment_key = f"{prefix}{item['code']}_score", f"{prefix}{item['code']}_comment"
            if score_key not in state:
                answer = grid.answers.get(item["code"], {})
                state[score_key] = grids.choice_of(answer)
                state[comment_key] = answer.get("comment", "")
            st.radio(item["label"], grids.CHOICES, key=score_key, horizontal=True, index=None, **saved)
            st.text_input(
                "Commentaire", key=comment_key, label_visibility="collapsed", placeholder="Commentaire", **saved
            )
    if st.button("Enregistrer la grille", width="stretch"):
        answers = {
            item["code"]: grids.answer_from_choice(
                state.get(f"{prefix}{item['code']}_score"), state.get(f"{prefix}{item['code']}_comment")
            )
            for theme in grid.template["themes"]
            for item in theme["items"]
        }
        try:
            grid = checklists.save_answers(db, actor, diagnostic_id, answers)
            notices.notify("grid", "Grille enregistrée.")
        except (ValidationError, PermissionDenied) as exc:
            common.show_refusal(exc)
    notices.show("grid")
    _show_scores(grid.score)


def _show_scores(score: grids.GridScore) -> None:
    rows = [{"Thème": t.label, "Note": _out_of_five(t.score), "Critères notés": t.scored} for t in score.themes]
    st.dataframe(rows, hide_index=True, width="stretch")
    overall = _out_of_five(score.score)
    st.markdown(f"**Note du diagnostic : {overall}** ({score.answered} critère(s) renseigné(s) sur {score.total})")


def _out_of_five(value: float | None) -> str:
    return "—" if value is None else f"{format_decimal(value)} / 5"
