"""« Cellules de veille »: choose a cellule, see its next meeting, prepare and edit the agenda, see
the territory, download the forces' and the partners' packs, record the partners present and the
decisions, read the relevé. Thin: services.agenda, services.meeting_agenda, services.decisions and
services.meeting_packs decide; cellule_meeting holds the meeting's and the relevé's tabs."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib

import streamlit as st

from diagnostics import config, localtime
from diagnostics.errors import DiagnosticsError
from diagnostics.maps.cellules import build_cellule_map
from diagnostics.meeting_pdf import SECTION_LINES
from diagnostics.services import agenda as agendas
from diagnostics.services import cellules, decisions, meeting_agenda
from diagnostics.services.meeting_agenda import Point
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import cellule_meeting, common, forms

FLASH = "cel_flash"
ADD_POINT = "cel_point"
POINT_BUTTONS = "cel_points"  # forms.pressed: one click of a double click moves a point
URL = {"cellule": "cellule", "date": "date", "tab": "onglet"}
TABS = ["Ordre du jour", "Carte", "Documents", "Réunion et décisions", "Relevé"]


def page() -> None:
    st.title("Cellules de veille")
    actor = common.current_actor("cellules")
    db = common.database()
    names = meeting_agenda.my_cellules(db, actor)
    if not names:
        st.info("Aucune cellule de veille sur votre territoire.")
        return
    _open_linked_decision(db, actor, names)
    _from_url(names)
    name = st.selectbox("Cellule", names, key="cel_name")
    today = localtime.now_paris().date()
    upcoming = cellules.next_meeting_of(db, name, today - dt.timedelta(days=1))
    st.info(f"Prochaine réunion : {localtime.format_date(upcoming)}")
    _day_from_url(name)
    if f"cel_day_{name}" not in st.session_state:  # a date from the address (or the last one) is kept as is
        st.session_state[f"cel_day_{name}"] = upcoming
    day = st.date_input("Date de la réunion", format="DD/MM/YYYY", key=f"cel_day_{name}")
    if day < today:  # allowed: a relevé can be written after the meeting
        st.warning(f"Cette date est passée : {localtime.format_date(day)}. Vous préparez ou complétez une "
                   "réunion qui a déjà eu lieu (son relevé peut être écrit après coup).")  # fmt: skip
    try:
        agenda = agendas.prepare_agenda(db, actor, name, day)
    except DiagnosticsError as error:
        common.show_refusal(error)
        return
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    with st.container(key="cel_tabs"):  # accessibility.css: the tabs wrap on a phone, none cut off
        tabs = st.tabs(TABS, key="cel_tab", on_change="rerun")
    _to_url(name, day, st.session_state.get("cel_tab") or TABS[0])
    sections = [_agenda, _map, _documents, cellule_meeting.meeting_tab, cellule_meeting.releve_tab]
    for tab, section in zip(tabs, sections, strict=True):
        if tab.open:
            with tab:
                section(db, actor, agenda)


def _open_linked_decision(db, actor, names: list[str]) -> None:
    """An e-mail's link (`?decision=N`) opens the decision's meeting on « Réunion et décisions »."""
    linked = common.linked_decision()
    if linked is None:
        return
    try:
        name, day = decisions.decision_meeting(db, actor, linked)
    except DiagnosticsError as error:
        st.warning(str(error))
        return
    if name in names:
        st.session_state.update({"cel_name": name, f"cel_day_{name}": day, "cel_tab": TABS[3]})
        st.session_state[cellule_meeting.LINKED] = linked


def _from_url(names: list[str]) -> None:
    """A reloaded page or a bookmark opens on its cellule and tab (kept in the URL, like the Carte's filters)."""
    name, tab = st.query_params.get(URL["cellule"]), st.query_params.get(URL["tab"])
    if "cel_name" not in st.session_state and name in names:
        st.session_state["cel_name"] = name
    if "cel_tab" not in st.session_state and tab in TABS:
        st.session_state["cel_tab"] = tab


def _day_from_url(name: str) -> None:
    if f"cel_day_{name}" in st.session_state or st.query_params.get(URL["cellule"]) != name:
        return
    with contextlib.suppress(ValueError):  # no date, or a mangled one: the next meeting
        st.session_state[f"cel_day_{name}"] = dt.date.fromisoformat(st.query_params.get(URL["date"], ""))


def _to_url(name: str, day: dt.date, tab: str) -> None:
    for param, value in ((URL["cellule"], name), (URL["date"], day.isoformat()), (URL["tab"], tab)):
        if st.query_params.get(param) != value:
            st.query_params[param] = value


def _agenda(db, actor, agenda) -> None:
    date = localtime.format_date
    if agenda.previous_meeting:
        st.caption(f"Données depuis la réunion précédente du {date(agenda.since)}.")
    else:
        st.caption(f"Première réunion : données des quatre semaines depuis le {date(agenda.since)}.")
    points = list(agenda.points)
    # The buttons' keys carry the agenda's order: a click on the page as it was before a move is dropped.
    order = hashlib.sha1(repr(points).encode()).hexdigest()[:8]
    number = 0
    for index, point in enumerate(points):
        with st.container(border=True):
            if point.dropped:
                st.markdown(f"~~{common.markdown_text(point.heading)}~~ — *retiré de l'ordre du jour*")
            else:
                number += 1
                st.markdown(f"**{number}. {common.markdown_text(point.heading)}**")
                lines = SECTION_LINES[point.section](agenda) if point.section else [("text", point.body)]
                st.text("\n".join(text for _style, text in lines if text))
            _point_buttons(db, actor, agenda, points, index, order)
    _add_point_form(db, actor, agenda, points)


def _add_point_form(db, actor, agenda, points: list[Point]) -> None:
    form = forms.key(ADD_POINT)  # a refused point keeps its title and text; a saved one, a fresh form
    with st.form(form):
        title = st.text_input("Intitulé du point à ajouter", key=f"{form}_title")
        body = st.text_area("Texte (facultatif)", key=f"{form}_body")
        added = st.form_submit_button("Ajouter le point")
        near_button = st.empty()
    forms.show_confirmation(ADD_POINT, near_button)
    if not added or forms.stray(ADD_POINT, not title.strip() and not body.strip()):
        return
    with near_button.container():
        saved = _save(db, actor, agenda, [*points, Point(title=title, body=body)])
    if not saved:
        forms.refused(ADD_POINT)
        return
    forms.succeeded(ADD_POINT, f"Point « {title.strip()} » ajouté.")
    st.rerun()


def _point_buttons(db, actor, agenda, points: list[Point], index: int, order: str) -> None:
    """One compact row, also on a phone (accessibility.css): icon and word on each button."""
    point = points[index]
    row = st.container(horizontal=True, gap="xsmall", key=f"cel_point_row_{index}")
    key = f"{order}_{index}"
    if _clicked(row.button("Monter", icon=":material/arrow_upward:", key=f"cel_up_{key}", disabled=index == 0)):
        moved = points[:]
        moved[index - 1], moved[index] = moved[index], moved[index - 1]
        _save(db, actor, agenda, moved, f"« {point.heading} » monté d'un rang.")
    last = index == len(points) - 1
    if _clicked(row.button("Descendre", icon=":material/arrow_downward:", key=f"cel_down_{key}", disabled=last)):
        moved = points[:]
        moved[index + 1], moved[index] = moved[index], moved[index + 1]
        _save(db, actor, agenda, moved, f"« {point.heading} » descendu d'un rang.")
    if point.section is None:
        if _clicked(row.button("Supprimer", icon=":material/delete:", key=f"cel_del_{key}")):
            _save(db, actor, agenda, points[:index] + points[index + 1 :], f"Point « {point.heading} » supprimé.")
    elif _clicked(row.button("Remettre" if point.dropped else "Retirer", key=f"cel_drop_{key}",
                  icon=":material/undo:" if point.dropped else ":material/remove_circle_outline:")):  # fmt: skip
        changed = points[:]
        changed[index] = Point(section=point.section, dropped=not point.dropped)
        said = "remis à" if point.dropped else "retiré de"
        _save(db, actor, agenda, changed, f"« {point.heading} » {said} l'ordre du jour.")


def _clicked(button: bool) -> bool:
    """The agenda's buttons act once for a double click; the second keeps the first one's message."""
    if button and not forms.pressed(POINT_BUTTONS):
        cellule_meeting.again(st.session_state.get(cellule_meeting.LAST_FLASH))
    return button


def _save(db, actor, agenda, points: list[Point], message: str | None = None) -> bool:
    """Save the agenda; with a message, show it atop the refreshed page. False (and why) if refused."""
    try:
        meeting_agenda.save_agenda_points(db, actor, agenda.cellule, agenda.meeting_on, points)
    except DiagnosticsError as error:
        common.show_refusal(error, {"title": "Intitulé", "body": "Texte", "section": "Rubrique"})
        return False
    if message:
        forms.acted(POINT_BUTTONS)
        st.session_state[FLASH] = st.session_state[cellule_meeting.LAST_FLASH] = message
        st.rerun()
    return True


def _map(db, actor, agenda) -> None:
    st.caption("Le territoire de la cellule, ses secteurs et les observations depuis la réunion précédente.")
    territory = common.communes(db)
    territory = territory[territory["insee"].isin(agenda.communes)]
    sectors = common.context_layers(db)[0]
    if "commune_insee" in sectors:
        sectors = sectors[sectors["commune_insee"].isin(agenda.communes)]
    criteria = ObservationFilter(
        start=agenda.since, end=agenda.meeting_on - dt.timedelta(days=1), communes=agenda.communes
    )
    observations = observations_frame(db, actor, criteria)
    st.caption(f"{len(observations)} observation(s) sur la période.")
    common.show_map(
        build_cellule_map(territory, sectors, observations, tiles=config.tile_sources()),
        key=f"cel_map_{agenda.cellule}_{agenda.meeting_on.isoformat()}",
        height=460,
    )


def _documents(db, actor, agenda) -> None:
    today = localtime.now_paris().date()
    st.caption(
        "Chaque page porte le destinataire, la date et la mention « Document confidentiel — diffusion "
        "restreinte aux membres de la cellule ». Chaque téléchargement est inscrit au journal d'audit."
    )
    cellule_meeting.pack_buttons(db, actor, agenda, today)


page()
