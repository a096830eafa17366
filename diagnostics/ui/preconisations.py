"""« Mes préconisations »: a partner's (or a mayor's) observations assigned to it, and its answers.

Thin: what is shown and what may be answered is decided by services.partner_answers (only the
observations assigned to the actor's partner, redacted). Free text is shown with st.text (never
interpreted as Markdown or HTML).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import localtime, taxonomy
from diagnostics.errors import DiagnosticsError, NotFound
from diagnostics.io import photos as photo_io
from diagnostics.services import partner_answers as answers
from diagnostics.ui import common, french, partner_decisions

FLASH = "preco_flash"
PICK = "preco_pick"
CONFIRMED = {
    "pris_en_compte": "Merci : l'observation n° {id} est notée « pris en compte ».",
    "realise": "Merci : l'observation n° {id} est notée « réalisé ». Les forces viendront constater.",
    "hors_competence": "L'observation n° {id} est renvoyée au commandant, avec votre motif.",
}
COLUMNS = {  # the due date second: on a phone it stays on screen
    "id": "N°",
    "due_on": "Échéance",
    "commune_name": "Commune",
    "category": "Catégorie",
    "severity": "Gravité",
    "partner_answer": "Votre réponse",
    "status": "Statut",
}


def page() -> None:
    actor = common.current_actor("partner_answers")
    db = common.database()
    linked = common.linked_observation()  # opened from an e-mail's link
    linked_decision = common.linked_decision()
    try:
        name = answers.partner_name(db, actor)
        mine = answers.my_observations(db, actor)
    except DiagnosticsError as error:
        st.error(str(error))
        return
    st.title(f"Mes préconisations — {name}")
    st.caption(
        "Les observations que les forces de sécurité vous ont attribuées. Les textes et photos "
        "ne sont visibles que lorsque l'agent les a marqués partageables."
    )
    given = partner_decisions.section(db, actor, linked_decision)
    if mine.empty:
        st.info(f"Aucune observation ne vous est attribuée pour le moment{' (hors décisions)' if given else ''}.")
        return
    if given:
        st.subheader("Observations attribuées")
    today = localtime.now_paris().date()
    late = sum(1 for due, status in zip(mine["due_on"], mine["status"], strict=True) if _late(due, status, today))
    left, right = st.columns(2)
    left.metric("Attribuées", len(mine))
    right.metric("En retard", late)
    st.dataframe(_table(mine, today), hide_index=True, width="stretch")
    ids = [int(i) for i in mine["id"]]
    if linked in ids:
        st.session_state[PICK] = linked
    elif linked is not None:
        st.warning(f"L'observation n° {linked} ne vous est pas (ou plus) attribuée.")
    labels = {
        int(r.id): f"n° {r.id} — {taxonomy.category_label(r.category)} — {r.commune_name}" for r in mine.itertuples()
    }
    chosen = st.selectbox("Observation", ids, format_func=labels.get, key=PICK)
    _observation(db, actor, int(chosen))


def _table(mine: pd.DataFrame, today) -> pd.DataFrame:
    table = mine[list(COLUMNS)].copy()
    table["category"] = table["category"].map(taxonomy.category_label)
    table["severity"] = table["severity"].map(taxonomy.severity_label)
    table["status"] = table["status"].map(taxonomy.status_label)
    table["partner_answer"] = table["partner_answer"].map(lambda code: answers.answer_label(code) or "—")
    table["due_on"] = [
        f"{localtime.format_date(due)}{' (en retard)' if _late(due, status, today) else ''}" if due else "—"
        for due, status in zip(mine["due_on"], mine["status"], strict=True)
    ]
    return table.rename(columns=COLUMNS)


def _late(due, status: str, today) -> bool:
    return due is not None and not pd.isna(due) and due < today and status in taxonomy.OPEN_STATUSES


def _observation(db, actor, observation_id: int) -> None:
    try:
        record = answers.my_observation(db, actor, observation_id)
    except NotFound as error:
        st.warning(str(error))
        return
    box = st.container(border=True)
    box.markdown(f"**Observation n° {observation_id}**")
    rows = [
        ("Catégorie", taxonomy.category_label(record["category"])),
        ("Gravité", taxonomy.severity_label(record["severity"])),
        ("Statut", taxonomy.status_label(record["status"])),
        ("Commune", record["commune_name"]),
        ("Lieu", record["place"]),
        ("Constat", record["description"]),
        ("Ce qui est préconisé", record["recommendation"]),
        ("Échéance", localtime.format_date(record["due_on"]) if record["due_on"] else ""),
        ("Votre réponse", answers.answer_label(record["partner_answer"])),
    ]
    for label, value in rows:
        if value:
            left, right = box.columns([1, 3])
            left.caption(label)
            right.text(str(value))
    _photos(db, actor, observation_id)
    history = answers.my_history(db, actor, observation_id)
    if history:
        with st.expander(f"Historique ({len(history)})"):
            for event in history:
                st.text(answers.history_label(event))
    if record["status"] in taxonomy.OPEN_STATUSES:
        _answer_form(db, actor, observation_id)
    else:
        st.info("Cette observation est close : elle n'attend plus de réponse.")


def _photos(db, actor, observation_id: int) -> None:
    shown = answers.my_photos(db, actor, observation_id)
    images = []
    for photo in shown:
        try:
            images.append(answers.my_photo_jpeg(db, actor, photo.id))
        except NotFound:
            continue
    if images:
        st.image(images, width=160, caption=[f"Photo n° {photo.id}" for photo in shown][: len(images)])


def _answer_form(db, actor, observation_id: int) -> None:
    nonce = st.session_state.setdefault(f"preco_nonce_{observation_id}", 0)
    suffix = f"{observation_id}_{nonce}"
    with st.form(f"preco_form_{suffix}"):
        kind = st.radio(
            "Votre réponse",
            list(answers.ANSWERS),
            format_func=answers.ANSWERS.get,
            horizontal=True,
            key=f"preco_kind_{suffix}",
        )
        comment = st.text_area(
            "Commentaire (ce qui a été fait, ou pourquoi ce n'est pas de votre compétence)",
            key=f"preco_comment_{suffix}",
        )
        upload = st.file_uploader(
            "Photo de ce qui a été fait (facultatif)",
            type=photo_io.UPLOAD_EXTENSIONS,
            key=f"preco_photo_{suffix}",
            max_upload_size=photo_io.MAX_UPLOAD_BYTES // 2**20,
        )
        st.caption(french.upload_hint(photo_io.MAX_UPLOAD_BYTES // 2**20, photo_io.UPLOAD_EXTENSIONS))
        submitted = st.form_submit_button("Envoyer la réponse", type="primary")
    near_button = st.empty()  # the confirmation or the refusal, right under the button
    flash = st.session_state.get(FLASH)
    if flash and flash[0] == observation_id:
        near_button.success(flash[1])
    if not submitted:
        return
    try:
        photo = photo_io.prepare_photo(upload.getvalue()) if upload is not None else None
        answers.answer(db, actor, observation_id, kind, comment, photo)
    except photo_io.PhotoError as error:
        st.session_state.pop(FLASH, None)
        near_button.error(f"Photo refusée : {error}")
        return
    except DiagnosticsError as error:
        st.session_state.pop(FLASH, None)
        with near_button.container():
            common.show_refusal(error, {"comment": "Commentaire", "answer": "Réponse"})
        return
    st.session_state[FLASH] = (observation_id, CONFIRMED[kind].format(id=observation_id))
    st.session_state[f"preco_nonce_{observation_id}"] = nonce + 1  # an empty form for the next answer
    st.rerun()


page()
