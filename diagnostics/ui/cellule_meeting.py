"""The tabs of « Cellules de veille » about the meeting itself: the packs to download, the partners
present and the decisions (each becomes work for a partner or a team), and the relevé de
décisions. Thin: services.meeting_agenda, services.decisions and services.meeting_packs decide."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from diagnostics import localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.services import decisions, meeting_agenda, meeting_packs
from diagnostics.ui import common, forms, tables

FLASH = "cel_flash"
LAST_FLASH = "cel_flash_last"  # shown again when the second click of a double click is ignored
DECISION = "cel_decision"
LINKED = "cel_decision_linked"  # the decision an e-mail's link opened (ui.cellules)
LABELS = {"text": "Décision", "who": "Qui agit", "due_on": "Échéance", "observation": "Observation"}
NO_OBSERVATION = 0


def pack_buttons(db, actor, agenda, today: dt.date) -> None:
    """One download button per pack: the forces' (complete), then each partner present's (redacted)."""
    meeting_id = meeting_packs.meeting_id_of(db, agenda.cellule, agenda.meeting_on)
    if meeting_id is None:
        st.download_button(
            "Dossier des forces (PDF)",
            data=lambda: meeting_packs.build_day_pack(db, actor, agenda.cellule, agenda.meeting_on, issued_on=today)[1],
            file_name=meeting_packs.pack_file_name(agenda.meeting_on),
            mime="application/pdf",
            type="primary",
            on_click="ignore",
            key="cel_pack_day",
        )
        st.caption(
            "Enregistrez les partenaires présents (onglet « Réunion et décisions ») pour préparer leurs dossiers."
        )
        return
    for recipient in meeting_packs.pack_recipients(db, actor, meeting_id):
        label = "Dossier des forces (PDF)" if recipient.partner_id is None else f"Dossier — {recipient.name} (PDF)"
        st.download_button(
            label,
            data=lambda r=recipient: _pack(db, actor, meeting_id, r.partner_id, today),
            file_name=recipient.file_name,
            mime="application/pdf",
            type="primary" if recipient.partner_id is None else "secondary",
            on_click="ignore",
            key=f"cel_pack_{meeting_id}_{recipient.partner_id or 0}",
        )

    if st.button("Envoyer les dossiers par courriel", key=f"cel_send_{meeting_id}"):
        try:  # what was sent to whom, right under the button
            sent = meeting_packs.send_packs(db, actor, meeting_id, issued_on=today)
        except DiagnosticsError as error:
            common.show_refusal(error, LABELS)
            return
        queued = sum(len(pack.queued_to) for pack in sent)
        said = (f"{queued} courriel(s) mis dans la file d'envoi, dossier en pièce jointe." if queued
                else "Aucun nouvel envoi.")  # fmt: skip
        (st.success if queued else st.info)("\n".join([said, *_sent_lines(sent)]))


def _sent_lines(sent) -> list[str]:
    """One line per pack: to whom it was just sent, to whom earlier, or that nobody has an address."""
    return [f"- {common.markdown_text(pack.recipient.name)} : {common.markdown_text(pack.summary)}" for pack in sent]


def _pack(db, actor, meeting_id: int, partner_id: int | None, today: dt.date) -> bytes:
    _name, pdf = meeting_packs.build_pack(db, actor, meeting_id, partner_id, issued_on=today)
    meeting_packs.record_pack_download(db, actor, meeting_id, partner_id)
    return pdf


def meeting_tab(db, actor, agenda) -> None:
    name, day = agenda.cellule, agenda.meeting_on
    lines = decisions.meeting_decisions(db, actor, name, day)
    opened = [line for line in lines if line.id == st.session_state.get(LINKED)]
    for line in opened:  # an e-mail's link: that decision first, in sight without scrolling
        _decision_box(db, actor, line, opened=True)
    members = meeting_agenda.member_partners(db, actor, name)
    present = meeting_agenda.partners_present(db, actor, name, day)
    ids = {label: pid for pid, label in members.items()}  # partner names are unique
    with st.form(f"cel_present_{name}_{day.isoformat()}"):
        chosen = st.multiselect(
            "Partenaires présents",
            list(ids),
            default=[members[p] for p in present if p in members],
            placeholder="Choisir…",
            select_all=False,
        )
        saved = st.form_submit_button("Enregistrer les présents")
    if saved:
        chosen_ids = tuple(sorted(ids[label] for label in chosen))
        said = f"{len(chosen)} partenaire(s) présent(s) enregistré(s)."
        if chosen_ids and chosen_ids == tuple(sorted(present)):  # a double click's second: no second write
            again(said)
        _act(lambda: meeting_agenda.set_partners_present(db, actor, name, day, chosen_ids), said)
    st.subheader("Décisions")
    _decision_form(db, actor, name, day, members)
    _decision_list(db, actor, [line for line in lines if line not in opened], others=bool(opened))


def _decision_form(db, actor, name: str, day: dt.date, members: dict[int, str]) -> None:
    teams = meeting_agenda.cellule_teams(db, actor, name)
    who = {f"p{pid}": f"Partenaire — {label}" for pid, label in members.items()}
    who |= {f"t{tid}": f"Équipe — {label}" for tid, label in teams.items()}
    form = forms.key(DECISION)  # a refused decision keeps what was typed; a saved one, a fresh form
    with st.form(form):
        text = st.text_area("Décision (ce qui est décidé)", key=f"{form}_text")
        chosen = st.selectbox("Qui agit", list(who), format_func=who.get, index=None, placeholder="Choisir…",
                              key=f"{form}_who")  # fmt: skip
        due = st.date_input("Échéance", value=day + dt.timedelta(days=14), format="DD/MM/YYYY", key=f"{form}_due")
        observation = st.number_input("N° d'observation concernée (facultatif)", min_value=0, value=NO_OBSERVATION,
                                      step=1, key=f"{form}_obs")  # fmt: skip
        submitted = st.form_submit_button("Enregistrer la décision", type="primary")
        near_button = st.empty()
    forms.show_confirmation(DECISION, near_button)
    if not submitted or forms.stray(DECISION, not text.strip() and chosen is None):
        return
    values = decisions.DecisionInput(
        text=text,
        due_on=due,
        partner_id=int(chosen[1:]) if chosen and chosen[0] == "p" else None,
        team_id=int(chosen[1:]) if chosen and chosen[0] == "t" else None,
        observation_id=int(observation) or None,
    )
    try:
        decisions.record_decision(db, actor, name, day, values)
    except DiagnosticsError as error:
        forms.refused(DECISION)
        with near_button.container():
            common.show_refusal(error, LABELS)
        return
    forms.succeeded(DECISION, f"Décision enregistrée : {who[chosen]}, échéance {localtime.format_date(due)}.")
    st.rerun()


def _decision_list(db, actor, lines, *, others: bool = False) -> None:
    """The meeting's decisions (`others`: besides the one opened from an e-mail, shown above)."""
    if not lines:
        st.info(f"Aucune {'autre ' if others else ''}décision enregistrée pour cette réunion.")
        return
    for line in lines:
        _decision_box(db, actor, line)


def _decision_box(db, actor, line, *, opened: bool = False) -> None:
    with st.container(border=True, key=f"cel_decision_box_{line.id}"):
        if opened:
            st.caption(f":material/mail: Décision n° {line.id}, ouverte depuis le lien du courriel")
        st.text(line.text)
        st.caption(f"{line.who} — échéance {localtime.format_date(line.due_on)} — {line.state_label}")
        if line.answer:
            st.text(f"Réponse : {line.answer_label}" + (f" — {line.answer_comment}" if line.answer_comment else ""))
        done = line.state == "done"
        # Keyed by its state, and once per double click: the second click would undo the first.
        clicked = st.button("Rouvrir" if done else "Marquer comme faite", key=f"cel_done_{line.id}_{done}")
        if clicked and not forms.pressed(f"cel_done_{line.id}"):
            again(st.session_state.get(LAST_FLASH))
        if clicked:
            _act(lambda line=line, done=done: decisions.set_done(db, actor, line.id, not done),
                 "Décision rouverte." if done else "Décision marquée comme faite.")  # fmt: skip


def releve_tab(db, actor, agenda) -> None:
    name, day = agenda.cellule, agenda.meeting_on
    lines = decisions.meeting_decisions(db, actor, name, day)
    st.caption(f"Relevé de décisions de la réunion du {localtime.format_date(day)}. Il ouvre l'ordre du jour "
               "de la réunion suivante, où chaque décision dit où elle en est.")  # fmt: skip
    if lines:
        table = pd.DataFrame(
            {
                "Décision": [line.text for line in lines],
                "Qui": [line.who for line in lines],
                "Échéance": [localtime.format_date(line.due_on) for line in lines],
                "État": [line.state_label for line in lines],
                "Réponse": [line.answer_label or "—" for line in lines],
            }
        )
        with tables.audited("releve"):
            st.dataframe(table, hide_index=True, width="stretch")
    else:
        st.info("Aucune décision enregistrée pour cette réunion.")
    st.download_button(
        "Relevé de décisions (PDF)",
        data=lambda: decisions.releve_pdf(db, actor, name, day),
        file_name=f"releve-decisions-{day.isoformat()}-forces.pdf",
        mime="application/pdf",
        on_click="ignore",
        key="cel_releve_pdf",
    )


def _act(action, message: str = "") -> None:
    """Run a use case; its message (or the one it returns) is shown above the refreshed page."""
    try:
        said = action()
    except DiagnosticsError as error:
        common.show_refusal(error, LABELS)
        return
    st.session_state[FLASH] = st.session_state[LAST_FLASH] = message or said
    st.rerun()


def again(message: str | None) -> None:
    """The second click of a double click: nothing is done, the first one's message stays."""
    st.session_state[FLASH] = message
    st.rerun()
