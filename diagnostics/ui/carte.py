"""Carte de commandement: observations at scale with the reference layers, filters, heatmap,
observations outside the patrol zones, the filtered table and the follow-up of one observation.

What is slow is cached by what it depends on: the reference layers once per process, the
observations' map data per (actor, filters). Pan and zoom send nothing back (no rerun).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from diagnostics import config, maps, taxonomy
from diagnostics.auth import Actor, can
from diagnostics.errors import Conflict, NotFound, PermissionDenied, ValidationError
from diagnostics.services import analysis, dispositifs
from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from diagnostics.services.observations import ObservationFilter, observation_points, observations_frame
from diagnostics.ui import common, filters

TABLE_LIMIT = 1000
OUTSIDE_LIST_LIMIT = 500
TABLE_COLUMNS = {
    "id": "N°",
    "observed_on": "Date",
    "commune_name": "Commune",
    "place": "Lieu",
    "category": "Catégorie",
    "severity": "Gravité",
    "status": "Statut",
    "team_name": "Équipe",
    "description": "Description",
    "recommendation": "Préconisation",
    "partner": "Partenaire",
}
HISTORY_COLUMNS = {
    "at": "Enregistré le (UTC)",
    "actor": "Par",
    "kind": "Action",
    "old_value": "Avant",
    "new_value": "Après",
    "comment": "Commentaire",
    "dated": "Date du commentaire",
}
EVENT_KINDS = {"status": "Statut", "assignment": "Attribution", "comment": "Commentaire"}
NOBODY = "—"
MAX_SHAPES = 5_000


def page() -> None:
    st.title("Carte de commandement")
    actor = common.current_actor("command_map")
    db = common.database()
    criteria = filters.observation_filters(db)
    st.sidebar.header("Affichage")
    heat = st.sidebar.toggle("Carte de chaleur", key="f_heat")
    highlight = st.sidebar.toggle("Observations hors zones de patrouille", key="f_outside")
    layer = _map_layer(db, actor, criteria, highlight)
    st.caption(f"{layer['count']} observation(s) retenue(s) par les filtres.")
    # Points are drawn fast on one canvas; lines and polygons, far fewer, also with their shape.
    m = maps.build_review_map(
        _base(db),
        layer["payload"],
        bounds=layer["bounds"],
        heat=_heat(db, actor, criteria) if heat else None,
        highlight_outside=highlight,
        shapes=observations_frame(db, actor, criteria, shapes_only=True, limit=MAX_SHAPES),
        dispositifs=dispositifs.dispositifs_frame(db, actor),
        tiles=config.tile_sources(),
    )
    common.show_map(m, key="command_map", height=600)
    table = _table_frame(db, actor, criteria)
    if layer["count"] > len(table):
        st.caption(f"Tableau : les {len(table)} observations les plus récentes sur {layer['count']}.")
    st.session_state["table_ids"] = [int(value) for value in table["id"]]
    st.dataframe(
        _table(table),
        hide_index=True,
        width="stretch",
        key="obs_table",
        on_select=_pick_from_table,
        selection_mode="single-row",
    )
    if highlight:
        _outside_list(db, actor, criteria)
    _follow_up(db, actor)


# --- cached data -----------------------------------------------------------------------------


@common.reference_resource()
def _base(db) -> maps.Base:
    """Reference layers as GeoJSON text, once per process and reference data version."""
    sectors, zones, sites = common.context_layers(db)
    return maps.prepare_base(common.communes(db), sectors, zones, sites)


@common.data_resource(max_entries=16)
def _points(db, actor: Actor, criteria: ObservationFilter) -> pd.DataFrame:
    return observation_points(db, actor, criteria)


@common.data_resource(max_entries=16)
def _map_layer(db, actor: Actor, criteria: ObservationFilter, highlight: bool) -> dict:
    points = _points(db, actor, criteria)
    if highlight:
        points = points.assign(outside=analysis.mark_outside_zones(points, common.context_layers(db)[1]))
    return {
        "payload": maps.points_payload(points),
        "bounds": maps.points_bounds(points),
        "count": len(points),
    }


@common.data_resource(max_entries=4)
def _heat(db, actor: Actor, criteria: ObservationFilter) -> list[list[float]]:
    return maps.heat_data(_points(db, actor, criteria))


@common.data_cache(max_entries=16)
def _table_frame(db, actor: Actor, criteria: ObservationFilter) -> pd.DataFrame:
    frame = observations_frame(db, actor, criteria, limit=TABLE_LIMIT)
    return pd.DataFrame(frame.drop(columns="geometry"))


# --- table and coverage ----------------------------------------------------------------------


def _table(observations: pd.DataFrame) -> pd.DataFrame:
    shown = [column for column in TABLE_COLUMNS if column in observations.columns]  # partners get fewer
    table = observations[shown].copy()
    table["category"] = table["category"].map(taxonomy.category_label)
    table["severity"] = table["severity"].map(taxonomy.severity_label)
    table["status"] = table["status"].map(taxonomy.status_label)
    return table.rename(columns=TABLE_COLUMNS)


def _pick_from_table() -> None:
    rows = st.session_state["obs_table"]["selection"]["rows"]
    ids = st.session_state.get("table_ids", [])
    if rows and rows[0] < len(ids):
        st.session_state["fu_id"] = ids[rows[0]]


def _outside_list(db, actor: Actor, criteria: ObservationFilter) -> None:
    sectors, zones, _sites = common.context_layers(db)
    result = analysis.coverage_of(_points(db, actor, criteria), zones, sectors, common.communes(db))
    st.subheader("Observations hors zones de patrouille")
    st.caption(
        f"{len(result.outside)} observation(s) sur {result.total} hors de toute zone de patrouille "
        "(cerclées de bleu sur la carte), les plus graves d'abord."
    )
    listed = result.outside.head(OUTSIDE_LIST_LIMIT).assign(
        category=lambda f: f["category"].map(taxonomy.category_label),
        severity=lambda f: f["severity"].map(taxonomy.severity_label),
        status=lambda f: f["status"].map(taxonomy.status_label),
    )
    st.dataframe(listed.rename(columns={**TABLE_COLUMNS, "commune": "Commune"}), hide_index=True, width="stretch")


# --- follow-up of one observation ------------------------------------------------------------


def _follow_up(db, actor: Actor) -> None:
    st.subheader("Suivi d'une observation")
    flash = st.session_state.pop("fu_flash", None)
    if flash:
        st.success(flash)
    observation_id = st.number_input(
        "N° de l'observation",
        min_value=1,
        step=1,
        value=None,
        key="fu_id",
        placeholder="N° lu sur la carte (clic sur un point) ou ligne choisie dans le tableau",
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
    history = observation_history(db, actor, observation_id)
    if history.empty:
        st.caption("Aucun suivi enregistré pour l'instant.")
    else:
        st.dataframe(_history_table(history), hide_index=True, width="stretch")
    if not can(actor, "follow_up"):
        return
    if detail.version != st.session_state[read_key]:
        st.warning(
            "Cette observation a été modifiée depuis que vous l'avez ouverte (voir l'historique). "
            "Rechargez-la avant d'enregistrer."
        )
    if st.button("Recharger l'observation", key=f"fu_reload_{observation_id}"):
        st.session_state[read_key] = detail.version
        st.rerun()
    _follow_up_form(db, actor, detail, st.session_state[read_key])


def _show_detail(detail) -> None:
    rows = [
        ("Catégorie", taxonomy.category_label(detail.category)),
        ("Gravité", taxonomy.severity_label(detail.severity)),
        ("Statut", taxonomy.status_label(detail.status)),
        ("Attribuée à", detail.assignment_label or NOBODY),
        ("Date", f"{detail.observed_on:%d/%m/%Y}"),
        ("Lieu", ", ".join(part for part in (detail.place, detail.commune_name) if part)),
        ("Équipe", detail.team_name),
        ("Description", detail.description),
        ("Préconisation", detail.recommendation),
        ("Partenaire concerné", detail.partner),
    ]
    # A table, not markdown: the forces' free text is shown as text, never interpreted.
    shown = pd.DataFrame([(label, value) for label, value in rows if value], columns=["", "Observation"])
    st.dataframe(shown, hide_index=True, width="stretch")


def _history_table(history: pd.DataFrame) -> pd.DataFrame:
    table = history.copy()
    table["kind"] = table["kind"].map(EVENT_KINDS)
    for column in ("old_value", "new_value"):
        table[column] = table[column].map(lambda value: taxonomy.STATUSES.get(value, value))
    table["at"] = pd.to_datetime(table["at"]).dt.strftime("%d/%m/%Y %H:%M")
    table["dated"] = table["dated"].map(lambda day: f"{day:%d/%m/%Y}" if isinstance(day, dt.date) else "")
    return table.rename(columns=HISTORY_COLUMNS)


def _follow_up_form(db, actor: Actor, detail, read_version: int) -> None:
    suffix = f"{detail.id}_{read_version}"  # fresh fields once saved or reloaded
    kinds = [None, *taxonomy.PARTNER_KINDS]
    today = dt.date.today()
    with st.form(f"fu_form_{suffix}"):
        status = st.selectbox(
            "Statut",
            list(taxonomy.STATUSES),
            index=list(taxonomy.STATUSES).index(detail.status),
            format_func=taxonomy.status_label,
            key=f"fu_status_{suffix}",
        )
        left, right = st.columns(2)
        kind = left.selectbox(
            "Attribuée à",
            kinds,
            index=kinds.index(detail.assigned_kind) if detail.assigned_kind in kinds else 0,
            format_func=lambda code: "— personne —" if code is None else taxonomy.partner_kind_label(code),
            key=f"fu_kind_{suffix}",
        )
        name = right.text_input(
            "Partenaire précis",
            value=detail.assigned_to or "",
            placeholder="ex. Commune de Gray, Habitat 70, Mobigo…",
            key=f"fu_name_{suffix}",
        )
        comment = st.text_area("Commentaire daté (facultatif)", key=f"fu_comment_{suffix}")
        comment_date = st.date_input(
            "Date du commentaire", value=today, max_value=today, format="DD/MM/YYYY", key=f"fu_date_{suffix}"
        )
        submitted = st.form_submit_button("Enregistrer le suivi", type="primary")
    if not submitted:
        return
    change = FollowUp(status=status, assigned_kind=kind, assigned_to=name, comment=comment, comment_date=comment_date)
    try:
        version = save_follow_up(db, actor, detail.id, read_version, change)
    except Conflict as error:
        st.error(str(error))
        return
    except ValidationError as error:
        common.show_validation_errors(error)
        return
    except PermissionDenied as error:
        common.show_permission_error(error)
        return
    st.session_state[f"fu_read_{detail.id}"] = version
    st.session_state["fu_flash"] = f"Suivi de l'observation n° {detail.id} enregistré."
    st.rerun()  # the save bumped the data version: map and table show the new status


page()
