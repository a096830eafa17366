"""The follow-up of one observation on the commanders' map: its detail, its history and the form
(statut, attribution, dated comment). A save refused because someone else saved first keeps what
was typed, to be sent again once the observation is reloaded."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from diagnostics import localtime, taxonomy
from diagnostics.auth import Actor, can
from diagnostics.errors import Conflict, NotFound, PermissionDenied, ValidationError
from diagnostics.services import revisit_views
from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from diagnostics.services.partner_answers import ANSWERS, answer_label
from diagnostics.services.partners import partner_choices
from diagnostics.services.routing import offered_partner
from diagnostics.ui import before_after, common

ID_KEY = "fu_id"
HISTORY_COLUMNS = {
    "at": "Enregistré le",
    "actor": "Par",
    "kind": "Action",
    "old_value": "Avant",
    "new_value": "Après",
    "comment": "Commentaire",
    "dated": "Date du commentaire",
}
EVENT_KINDS = {
    "status": "Statut",
    "assignment": "Attribution",
    "comment": "Commentaire",
    "visit": "Contre-visite",
    "due_date": "Échéance",
    "partner_answer": "Réponse du partenaire",
}
VALUE_LABELS = {**taxonomy.STATUSES, **taxonomy.VISIT_FINDINGS, **ANSWERS}
RETURNED = (
    "Renvoyée par le partenaire : « hors de sa compétence » (voir l'historique). Attribuez-la à un autre partenaire."
)
NOBODY = "—"
OPEN = taxonomy.OPEN_STATUSES
KEPT = (
    "Ce que vous aviez saisi est conservé : cliquez sur « Recharger l'observation », vérifiez, puis "
    "« Enregistrer le suivi » à nouveau."
)
CHANGED = (
    "Cette observation a été modifiée depuis que vous l'avez ouverte (voir l'historique). "
    "Rechargez-la avant d'enregistrer."
)


def choose(observation_id: int | None) -> None:
    """Open this observation's follow-up (a click on the map, a row of the table). Call it
    before `panel` in the run."""
    if observation_id is not None:
        st.session_state[ID_KEY] = int(observation_id)


def panel(db, actor: Actor) -> None:
    st.subheader("Suivi d'une observation")
    flash = st.session_state.pop("fu_flash", None)
    if flash:
        st.success(flash)
    observation_id = st.number_input(
        "N° de l'observation",
        min_value=1,
        step=1,
        value=None,
        key=ID_KEY,
        placeholder="Cliquez sur un point de la carte ou une ligne du tableau",
        help="Un nombre entier à partir de 1 ; un nombre négatif n'est pas accepté (le champ reprend sa valeur).",
    )
    if observation_id is None:
        return
    observation_id = int(observation_id)
    try:
        detail = observation_detail(db, actor, observation_id)
    except NotFound as error:
        st.warning(str(error))
        return
    read_key = f"fu_read_{observation_id}"
    st.session_state.setdefault(read_key, detail.version)  # the version this person is working from
    _show_detail(detail)
    before_after.show_before_after(db, actor, observation_id, key=f"fu_photos_{observation_id}")
    history = revisit_views.history_with_visits(
        observation_history(db, actor, observation_id), revisit_views.observation_visits(db, actor, observation_id)
    )
    if history.empty:
        st.caption("Aucun suivi enregistré pour l'instant.")
    else:
        st.dataframe(history_table(history), hide_index=True, width="stretch")
    if not can(actor, "follow_up"):
        return
    refused = st.session_state.get(f"fu_refused_{observation_id}")
    if detail.version != st.session_state[read_key]:
        st.warning(
            KEPT
            if refused
            else (
                "Cette observation a été modifiée depuis que vous l'avez ouverte (voir l'historique). "
                "Rechargez-la avant d'enregistrer."
            )
        )
    if st.button("Recharger l'observation", key=f"fu_reload_{observation_id}"):
        st.session_state[read_key] = detail.version
        st.rerun()
    _form(db, actor, detail, st.session_state[read_key], refused)


def _show_detail(detail) -> None:
    rows = [
        ("Catégorie", taxonomy.category_label(detail.category)),
        ("Gravité", taxonomy.severity_label(detail.severity)),
        ("Statut", taxonomy.status_label(detail.status)),
        ("Attribuée à", detail.partner_name or NOBODY),
        ("Échéance", localtime.format_date(detail.due_on) if detail.due_on else ""),
        ("Réponse du partenaire", answer_label(detail.partner_answer)),
        ("Date", localtime.format_date(detail.observed_on)),
        ("Lieu", ", ".join(part for part in (detail.place, detail.commune_name) if part)),
        ("Équipe", detail.team_name),
        ("Description", detail.description),
        ("Préconisation", detail.recommendation),
        ("Partenaire concerné", detail.partner),
    ]
    # st.text, not markdown: the forces' free text is shown whole, as text, never interpreted.
    box = st.container(border=True)
    box.markdown(f"**Observation n° {detail.id}**")
    if detail.returned:
        box.warning(RETURNED)
    elif detail.due_on is not None and detail.due_on < localtime.now_paris().date() and detail.status in OPEN:
        box.error(f"En retard : l'échéance était le {localtime.format_date(detail.due_on)}.")
    for label, value in rows:
        if value:
            left, right = box.columns([1, 4])
            left.caption(label)
            right.text(str(value))


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    table = history.copy()
    table["kind"] = table["kind"].map(EVENT_KINDS)
    for column in ("old_value", "new_value"):
        table[column] = table[column].map(lambda value: VALUE_LABELS.get(value, value))
    table["at"] = localtime.datetime_column(table["at"])
    table["dated"] = table["dated"].map(lambda day: localtime.format_date(day) if isinstance(day, dt.date) else "")
    table = table.astype(object).where(table.notna(), "")  # no « None » in the cells
    return table.rename(columns=HISTORY_COLUMNS)


def _form(db, actor: Actor, detail, read_version: int, refused: FollowUp | None) -> None:
    suffix = f"{detail.id}_{read_version}"  # fresh fields once saved or reloaded
    choices = partner_choices(db)
    offer = offered_partner(db, actor, detail.id) if detail.partner_id is None else None
    chosen = refused.partner_id if refused is not None else detail.partner_id or (offer and offer.partner_id)
    options = [None, *choices]
    today = localtime.now_paris().date()
    comment_key = f"fu_comment_{suffix}"
    if refused is not None and comment_key not in st.session_state:
        st.session_state[comment_key] = refused.comment  # the refused comment, ready to resend
    if offer is not None:
        st.info(f"Partenaire proposé : {offer.partner_name} ({offer.because}). Confirmez-le ou changez-le.")
    with st.form(f"fu_form_{suffix}"):
        status = st.selectbox(
            "Statut",
            list(taxonomy.STATUSES),
            index=list(taxonomy.STATUSES).index(detail.status),
            format_func=taxonomy.status_label,
            key=f"fu_status_{suffix}",
        )
        partner_id = st.selectbox(
            "Attribuée à",
            options,
            index=options.index(chosen) if chosen in options else 0,
            format_func=lambda code: "— personne —" if code is None else choices[code],
            key=f"fu_partner_{suffix}",
        )
        left, right = st.columns(2)
        due_on = left.date_input(
            "Échéance (vide : délai de la gravité)",
            value=detail.due_on,
            format=localtime.WIDGET_DATE_FORMAT,
            key=f"fu_due_{suffix}",
        )
        due_reason = right.text_input("Motif d'une autre échéance", key=f"fu_reason_{suffix}")
        comment = st.text_area("Commentaire daté (facultatif)", key=comment_key)
        comment_date = st.date_input(
            "Date du commentaire",
            value=refused.comment_date if refused and refused.comment_date else today,
            max_value=today,
            format=localtime.WIDGET_DATE_FORMAT,
            key=f"fu_date_{suffix}",
        )
        if refused is not None and (refused.status != detail.status or refused.partner_id != detail.partner_id):
            st.caption(
                "Vous aviez choisi : statut « "
                f"{taxonomy.status_label(refused.status)} », attribution « "
                f"{choices.get(refused.partner_id, NOBODY)} »."
            )
        submitted = st.form_submit_button("Enregistrer le suivi", type="primary")
    if not submitted:
        return
    change = FollowUp(
        status=status,
        partner_id=partner_id,
        due_on=due_on if due_on != detail.due_on else None,
        due_reason=due_reason,
        comment=comment,
        comment_date=comment_date,
    )
    try:
        version = save_follow_up(db, actor, detail.id, read_version, change)
    except Conflict as error:
        st.session_state[f"fu_refused_{detail.id}"] = change
        st.error(f"{error} {KEPT}")
        return
    except ValidationError as error:
        common.show_validation_errors(error)
        return
    except PermissionDenied as error:
        common.show_permission_error(error)
        return
    st.session_state.pop(f"fu_refused_{detail.id}", None)
    st.session_state[f"fu_read_{detail.id}"] = version
    after = observation_detail(db, actor, detail.id)
    due = f" Échéance : {localtime.format_date(after.due_on)}." if after.due_on else ""
    st.session_state["fu_flash"] = f"Suivi de l'observation n° {detail.id} enregistré.{due}"
    st.rerun()  # the save bumped the data version: map and table show the new status
