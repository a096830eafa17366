"""Saisie terrain: start a diagnostic, then place and describe its observations."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from diagnostics import config, maps, taxonomy
from diagnostics.errors import DatabaseUnavailable, NotFound, PermissionDenied, ValidationError
from diagnostics.services import fieldwork, reference
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import common

MAP_KEY = "field_map"
NEW = 0  # the « new diagnostic » choice in the picker
# The empty value of each observation field. A saved form is reset by assigning these: removing
# the keys would leave the browser's widgets showing, and sending back, the previous values.
EMPTY_OBSERVATION = {
    "obs_category": None,
    "obs_severity": None,
    "obs_description": "",
    "obs_recommendation": "",
    "obs_partner": "",
    "obs_shareable": False,
    "obs_lat": None,
    "obs_lon": None,
}


def page() -> None:
    st.title("Saisie terrain")
    actor = common.current_actor("record_diagnostic")
    db = common.database()
    url = config.database_url()
    diagnostic_id = _pick_diagnostic(db, actor)
    if diagnostic_id == NEW:
        _new_diagnostic_form(db, actor, url)
        return
    try:
        diagnostic = fieldwork.get_diagnostic(db, actor, diagnostic_id)
    except NotFound as exc:
        st.error(str(exc))
        return
    st.caption(f"{diagnostic.label} — {diagnostic.observation_count} observation(s)")
    _observation_section(db, actor, diagnostic)


def _pick_diagnostic(db, actor) -> int:
    summaries = {d.id: d.label for d in fieldwork.list_diagnostics(db, actor)}
    options = [NEW, *summaries]
    if st.session_state.get("diagnostic_id") not in options:
        st.session_state["diagnostic_id"] = NEW
    return st.selectbox(
        "Diagnostic",
        options,
        key="diagnostic_id",
        format_func=lambda i: "+ Nouveau diagnostic" if i == NEW else summaries.get(i, f"Diagnostic n° {i}"),
    )


def _new_diagnostic_form(db, actor, url: str) -> None:
    teams = common.team_choices(db, url)
    if actor.team_id is not None and actor.role == "agent":
        teams = {actor.team_id: teams.get(actor.team_id, "")}  # agents record for their own team
    communes = common.commune_choices(db, url)
    with st.form("new_diagnostic"):
        st.subheader("Nouveau diagnostic de sûreté")
        st.selectbox(
            "Équipe", list(teams), key="diag_team", index=None, format_func=teams.get, placeholder="Choisissez l'équipe"
        )
        st.selectbox(
            "Commune",
            list(communes),
            key="diag_commune",
            index=None,
            format_func=communes.get,
            placeholder="Tapez le nom de la commune",
        )
        st.text_input("Lieu visité", key="diag_place", placeholder="ex. Quartier de l'île, rue …")
        st.date_input("Date", key="diag_date", value=dt.date.today(), format="DD/MM/YYYY")
        st.text_area("Participants", key="diag_participants")
        st.text_area("Contexte", key="diag_context")
        submitted = st.form_submit_button("Commencer le diagnostic", type="primary")
    if submitted:
        _start_diagnostic(db, actor)


def _start_diagnostic(db, actor) -> None:
    state = st.session_state
    draft = fieldwork.DiagnosticDraft(
        team_id=state.get("diag_team"),
        commune_insee=state.get("diag_commune"),
        place=state.get("diag_place", ""),
        visited_on=state.get("diag_date"),
        participants=state.get("diag_participants", ""),
        context=state.get("diag_context", ""),
    )
    try:
        new_id = fieldwork.start_diagnostic(db, actor, draft)
    except ValidationError as exc:
        common.show_validation_errors(exc)
        return
    except PermissionDenied as exc:
        common.show_permission_error(exc)
        return
    state["pending_diagnostic_id"] = new_id
    st.rerun()


def _observation_section(db, actor, diagnostic: fieldwork.DiagnosticSummary) -> None:
    st.subheader("Ajouter une observation")
    _show_flash()
    commune = reference.communes_frame(db, (diagnostic.commune_insee,))
    observations = observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic.id))
    st.caption("Cliquez sur la carte pour placer l'observation, ou saisissez ses coordonnées.")
    m = maps.build_field_map(commune, observations, pending=_pending_point(), tiles=config.tile_sources())
    result = common.show_map(m, key=MAP_KEY, height=420, returned_objects=["last_clicked"])
    if _apply_click(result):
        st.rerun()  # redraw the map with the new point
    _observation_form(actor, diagnostic.id)


def _pending_point() -> tuple[float, float] | None:
    lat, lon = st.session_state.get("obs_lat"), st.session_state.get("obs_lon")
    return (lat, lon) if lat is not None and lon is not None else None


def _apply_click(result) -> bool:
    """Copy a new map click into the coordinate fields; True when something changed.

    st_folium keys its component by a hash of the map, and mirrors the value into
    session_state[MAP_KEY] on every change: that mirror survives map redraws.
    """
    clicked = (st.session_state.get(MAP_KEY) or {}).get("last_clicked") or (result or {}).get("last_clicked")
    if not clicked or clicked == st.session_state.get("applied_click"):
        return False
    st.session_state["applied_click"] = clicked
    st.session_state["obs_lat"] = round(float(clicked["lat"]), 6)
    st.session_state["obs_lon"] = round(float(clicked["lng"]), 6)
    return True


def _observation_form(actor, diagnostic_id: int) -> None:
    columns = st.columns(2)
    columns[0].number_input("Latitude (degrés décimaux)", key="obs_lat", value=None, format="%.6f", step=0.0001)
    columns[1].number_input("Longitude (degrés décimaux)", key="obs_lon", value=None, format="%.6f", step=0.0001)
    categories = {c.code: c.label for c in taxonomy.CATEGORIES}
    st.selectbox(
        "Catégorie",
        list(categories),
        key="obs_category",
        index=None,
        format_func=categories.get,
        placeholder="Choisissez une catégorie",
    )
    st.radio(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key="obs_severity",
        index=None,
        horizontal=True,
        format_func=lambda level: f"{level} — {taxonomy.severity_label(level)}",
    )
    st.text_area("Description", key="obs_description", placeholder="Ce qui a été observé")
    st.text_area("Préconisation", key="obs_recommendation", placeholder="Ce qui est proposé")
    st.text_input("Partenaire concerné", key="obs_partner", placeholder="ex. Commune, bailleur, transporteur")
    st.checkbox("Partageable avec les partenaires (mairie…)", key="obs_shareable")
    st.button(
        "Enregistrer l'observation",
        type="primary",
        on_click=_save_observation,
        args=(actor, diagnostic_id),
        width="stretch",
    )
    for message in st.session_state.get("obs_errors", {}).values():
        st.error(message)


def _save_observation(actor, diagnostic_id: int) -> None:
    """Button callback: runs before the page is redrawn, so the fields can be cleared on success."""
    state = st.session_state
    draft = fieldwork.ObservationDraft(
        category=state.get("obs_category"),
        severity=state.get("obs_severity"),
        description=state.get("obs_description") or "",
        latitude=state.get("obs_lat"),
        longitude=state.get("obs_lon"),
        recommendation=state.get("obs_recommendation") or "",
        partner=state.get("obs_partner") or "",
        shareable=bool(state.get("obs_shareable")),
    )
    try:
        observation_id = fieldwork.add_observation(common.database(), actor, diagnostic_id, draft)
    except ValidationError as exc:
        state["obs_errors"] = exc.errors
        return
    except (NotFound, PermissionDenied, DatabaseUnavailable) as exc:
        state["obs_errors"] = {"diagnostic": str(exc)}
        return
    state["obs_errors"] = {}
    state["flash"] = f"Observation n° {observation_id} enregistrée."
    state.update(EMPTY_OBSERVATION)


def _show_flash() -> None:
    message = st.session_state.pop("flash", None)
    if message:
        st.success(message)


def _select_new_diagnostic() -> None:
    """After a diagnostic is created, select it (before the picker widget exists in this run)."""
    new_id = st.session_state.pop("pending_diagnostic_id", None)
    if new_id is not None:
        st.session_state["diagnostic_id"] = new_id
        st.session_state["flash"] = "Diagnostic enregistré : placez maintenant ses observations."


_select_new_diagnostic()
page()
