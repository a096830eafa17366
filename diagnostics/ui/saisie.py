"""Saisie terrain: start a diagnostic, then place and describe its observations — phone first.

Every field is saved as a server-side draft on each change (`_save_draft`), so a closed tab,
a dropped connection or a restarted server loses nothing: the page offers to resume.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st
from shapely.geometry import shape

from diagnostics import config, coordinates, grids, maps, taxonomy
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.io import photos as photo_io
from diagnostics.services import checklists, drafts, fiches, fieldwork, photos, places, reference, scope
from diagnostics.services.observations import ObservationFilter, observations_frame
from diagnostics.ui import common, diagnostic_edit, observation_edit, sharing

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
    **sharing.empty("obs_share_"),
    "obs_lat": None,
    "obs_lon": None,
    "obs_coords": "",
    "obs_shape": None,
    "obs_photos_shareable": False,
}
DRAFT_PREFIXES = ("diag_", "obs_", "grid_")
DRAFT_EXTRA = ("diagnostic_id",)
NOT_DRAFTED = ("obs_photos_",)  # uploaded files are not kept in drafts (size)
NA = "SO"

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


def page() -> None:
    st.markdown(PHONE_CSS, unsafe_allow_html=True)
    st.title("Saisie terrain")
    actor = common.current_actor("record_diagnostic")
    db = common.database()
    _offer_draft(db, actor)
    diagnostic_id = _pick_diagnostic(db, actor)
    if diagnostic_id == NEW:
        _new_diagnostic_form(db, actor)
        return
    try:
        diagnostic = fieldwork.get_diagnostic(db, actor, diagnostic_id)
    except NotFound as exc:
        st.error(str(exc))
        return
    st.caption(f"{diagnostic.label} — {diagnostic.observation_count} observation(s)")
    if diagnostic.closed:
        _show_flash()
        st.info(f"Diagnostic clôturé le {diagnostic.closed_at:%d/%m/%Y à %H:%M} : il ne peut plus être modifié.")
        _fiche_download(db, actor, diagnostic)
        observation_edit.observation_list(db, actor, diagnostic.id, editable=False)
        diagnostic_edit.reopen_section(db, actor, diagnostic.id)
        return
    _observation_section(db, actor, diagnostic)
    observation_edit.observation_list(db, actor, diagnostic.id, editable=True)
    with st.expander("Corriger le diagnostic (lieu, date, participants)", key="de_card"):
        diagnostic_edit.diagnostic_corrections(db, actor, diagnostic.id)
    with st.expander("Grille de diagnostic (prévention situationnelle)"):
        _grid_section(db, actor, diagnostic.id)
    with st.expander("Fiche PDF et clôture"):
        _fiche_download(db, actor, diagnostic)
        _close_section(actor, diagnostic)


# --- Drafts ----------------------------------------------------------------------------------


def _offer_draft(db, actor) -> None:
    """Once per browser session: a draft left by a previous one is offered for resuming."""
    state = st.session_state
    if state.get("draft_decided"):
        return
    draft = drafts.load_draft(db, actor)
    if draft is None or not _meaningful(draft.payload):
        state["draft_decided"] = True
        return
    when = f"{draft.updated_at:%d/%m/%Y à %H:%M} (UTC)"
    st.warning(f"Une saisie non terminée a été retrouvée (dernière modification le {when}).")
    columns = st.columns(2)
    columns[0].button(
        "Reprendre la saisie", type="primary", on_click=_resume_draft, args=(draft.payload,), width="stretch"
    )
    columns[1].button("Ignorer", on_click=_ignore_draft, args=(actor,), width="stretch")


def _meaningful(payload: dict) -> bool:
    return any(value not in (None, "", False, [], {}) for key, value in payload.items() if key != "diagnostic_id")


def _resume_draft(payload: dict) -> None:
    state = st.session_state
    for key, value in payload.items():
        if key == "diag_date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        state[key] = value
    if payload.get("diagnostic_id"):
        state["diagnostic_id"] = payload["diagnostic_id"]
    state["draft_decided"] = True
    state["flash"] = "Saisie reprise là où elle s'était arrêtée."


def _ignore_draft(actor) -> None:
    drafts.discard_draft(common.database(), actor)
    st.session_state["draft_decided"] = True


def _save_draft(actor) -> None:
    """Widget callback: the whole form, as it is now, replaces the user's server-side draft."""
    state = st.session_state
    if not state.get("draft_decided"):
        return  # do not overwrite a draft the user has not yet chosen to resume or ignore
    payload = {
        key: state[key]
        for key in list(state.keys())
        if (key.startswith(DRAFT_PREFIXES) or key in DRAFT_EXTRA)
        and not key.startswith(NOT_DRAFTED)
        and _is_plain(state[key])
    }
    drafts.save_draft(common.database(), actor, payload)


def _is_plain(value) -> bool:
    return value is None or isinstance(value, str | int | float | bool | dt.date | dict | list)


# --- Diagnostic ------------------------------------------------------------------------------


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
        on_change=_save_draft,
        args=(actor,),
    )


def _new_diagnostic_form(db, actor) -> None:
    teams, communes = scope.new_diagnostic_choices(db, actor)  # only what the services accept
    saved = {"on_change": _save_draft, "args": (actor,)}
    st.subheader("Nouveau diagnostic de sûreté")
    _show_flash()
    st.selectbox(
        "Équipe",
        list(teams),
        key="diag_team",
        index=None,
        format_func=teams.get,
        placeholder="Choisissez l'équipe",
        **saved,
    )
    st.selectbox(
        "Commune",
        list(communes),
        key="diag_commune",
        index=None,
        format_func=communes.get,
        placeholder="Tapez le nom de la commune",
        **saved,
    )
    st.text_input("Lieu visité", key="diag_place", placeholder="ex. Quartier de l'île, rue …", **saved)
    if "diag_date" not in st.session_state:
        st.session_state["diag_date"] = dt.date.today()
    st.date_input("Date", key="diag_date", format="DD/MM/YYYY", **saved)
    st.text_area("Participants", key="diag_participants", **saved)
    st.text_area("Contexte", key="diag_context", **saved)
    if st.button("Commencer le diagnostic", type="primary", width="stretch"):
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


# --- Observation -----------------------------------------------------------------------------


def _observation_section(db, actor, diagnostic: fieldwork.DiagnosticSummary) -> None:
    st.subheader("Ajouter une observation")
    _show_flash()
    commune = reference.communes_frame(db, (diagnostic.commune_insee,))
    observations = observations_frame(db, actor, ObservationFilter(diagnostic_id=diagnostic.id))
    st.markdown(
        "Touchez la carte pour placer un point, ou dessinez une **ligne** (rue sombre) ou un **polygone** "
        "(zone de regroupement) avec les outils à gauche. Deux doigts pour déplacer la carte."
    )
    m = maps.build_field_map(
        commune,
        observations,
        pending=_pending_point(),
        pending_shape=_pending_shape(),
        tiles=config.tile_sources(),
        draw=True,
        locate=True,
    )
    result = common.show_map(m, key=MAP_KEY, height=380, returned_objects=["last_clicked", "last_active_drawing"])
    if _apply_click(actor, result) | _apply_drawing(actor, result):
        st.rerun()  # redraw the map with the new point or shape
    _position_tools(db, actor)
    _observation_form(db, actor, diagnostic.id)


def _pending_point() -> tuple[float, float] | None:
    if st.session_state.get("obs_shape"):
        return None
    lat, lon = st.session_state.get("obs_lat"), st.session_state.get("obs_lon")
    return (lat, lon) if lat is not None and lon is not None else None


def _pending_shape():
    geojson = st.session_state.get("obs_shape")
    try:
        return shape(geojson) if geojson else None
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def _apply_click(actor, result) -> bool:
    """Copy a new map click into the coordinate fields; True when something changed.

    st_folium keys its component by a hash of the map, and mirrors the value into
    session_state[MAP_KEY] on every change: that mirror survives map redraws.
    """
    clicked = (st.session_state.get(MAP_KEY) or {}).get("last_clicked") or (result or {}).get("last_clicked")
    if not clicked or clicked == st.session_state.get("applied_click"):
        return False
    st.session_state["applied_click"] = clicked
    _set_point(round(float(clicked["lat"]), 6), round(float(clicked["lng"]), 6))
    _save_draft(actor)
    return True


def _apply_drawing(actor, result) -> bool:
    """A line or polygon just drawn becomes the observation's shape."""
    drawing = (st.session_state.get(MAP_KEY) or {}).get("last_active_drawing") or (result or {}).get(
        "last_active_drawing"
    )
    geometry = (drawing or {}).get("geometry")
    if not geometry or geometry == st.session_state.get("applied_drawing"):
        return False
    st.session_state["applied_drawing"] = geometry
    if geometry.get("type") not in ("LineString", "Polygon"):
        return False
    st.session_state["obs_shape"] = geometry
    _save_draft(actor)
    return True


def _set_point(lat: float, lon: float) -> None:
    state = st.session_state
    state["obs_lat"], state["obs_lon"] = lat, lon
    state["obs_shape"] = None


def _position_tools(db, actor) -> None:
    state = st.session_state
    if state.get("obs_shape"):
        line = state["obs_shape"].get("type") == "LineString"
        drawn = "Ligne dessinée : elle sera enregistrée" if line else "Polygone dessiné : il sera enregistré"
        columns = st.columns([3, 2])
        columns[0].success(f"{drawn} comme forme de l'observation.")
        columns[1].button("Effacer la forme", on_click=_clear_shape, args=(actor,), width="stretch")
    with st.expander("Position : coordonnées ou recherche d'un lieu", expanded=False):
        st.text_input(
            "Coordonnées",
            key="obs_coords",
            placeholder="47.4450, 5.5922 · 47°26'42\"N 5°35'32\"E · Lambert-93 X Y",
            help="Degrés décimaux (latitude, longitude), degrés-minutes-secondes, ou Lambert-93 X Y en mètres.",
            on_change=_apply_typed_coordinates,
            args=(actor,),
        )
        if state.get("obs_coords_error"):
            st.error(state["obs_coords_error"])
        query = st.text_input("Rechercher un lieu", key="place_query", placeholder="Commune, secteur, site ou adresse")
        if query.strip():
            _place_results(db, actor, query)


def _clear_shape(actor) -> None:
    st.session_state["obs_shape"] = None
    _save_draft(actor)


def _apply_typed_coordinates(actor) -> None:
    state = st.session_state
    text = state.get("obs_coords") or ""
    if not text.strip():
        state["obs_coords_error"] = ""
        return
    try:
        position = coordinates.parse_position(text)
    except coordinates.CoordinateError as exc:
        state["obs_coords_error"] = str(exc)
        return
    state["obs_coords_error"] = ""
    _set_point(position.latitude, position.longitude)
    _save_draft(actor)


@common.reference_cache()
def _place_index(db) -> list[places.Place]:
    return places.place_index(db, config.departments())


def _place_results(db, actor, query: str) -> None:
    found = places.search_local(_place_index(db), query)
    found += places.search_addresses(query)
    if not found:
        hint = "" if config.geocoder_url() else " (la recherche d'adresses n'est pas configurée)"
        st.info(f"Aucun lieu trouvé pour « {query.strip()} »{hint}.")
        return
    for index, place in enumerate(found[:8]):
        st.button(
            place.label,
            key=f"place_{index}",
            on_click=_go_to_place,
            args=(actor, place.latitude, place.longitude),
            width="stretch",
        )


def _go_to_place(actor, lat: float, lon: float) -> None:
    _set_point(lat, lon)
    st.session_state["place_query"] = ""
    _save_draft(actor)


def _observation_form(db, actor, diagnostic_id: int) -> None:
    saved = {"on_change": _save_draft, "args": (actor,)}
    columns = st.columns(2)
    columns[0].number_input(
        "Latitude (degrés décimaux)", key="obs_lat", value=None, format="%.6f", step=0.0001, **saved
    )
    columns[1].number_input(
        "Longitude (degrés décimaux)", key="obs_lon", value=None, format="%.6f", step=0.0001, **saved
    )
    categories = {c.code: c.label for c in taxonomy.CATEGORIES}
    st.selectbox(
        "Catégorie",
        list(categories),
        key="obs_category",
        index=None,
        format_func=categories.get,
        placeholder="Choisissez une catégorie",
        **saved,
    )
    st.radio(
        "Gravité",
        list(taxonomy.SEVERITIES),
        key="obs_severity",
        index=None,
        horizontal=True,
        format_func=lambda level: f"{level} — {taxonomy.severity_label(level)}",
        **saved,
    )
    st.text_area("Description", key="obs_description", placeholder="Ce qui a été observé", **saved)
    st.text_area("Préconisation", key="obs_recommendation", placeholder="Ce qui est proposé", **saved)
    st.text_input("Partenaire concerné", key="obs_partner", placeholder="ex. Commune, bailleur, transporteur", **saved)
    sharing.sharing_inputs("obs_share_", **saved)
    _photo_inputs(actor)
    st.button(
        "Enregistrer l'observation",
        type="primary",
        on_click=_save_observation,
        args=(actor, diagnostic_id),
        width="stretch",
    )
    for message in st.session_state.get("obs_errors", {}).values():
        st.error(message)


def _photo_inputs(actor) -> None:
    """Photos taken or chosen; checked and stripped at once, so their EXIF position can be offered."""
    state = st.session_state
    nonce = state.setdefault("obs_photos_nonce", 0)
    uploads = st.file_uploader(
        "Photos (appareil photo ou galerie)",
        type=photo_io.UPLOAD_EXTENSIONS,
        accept_multiple_files=True,
        key=f"obs_photos_files_{nonce}",
        help="JPEG, PNG ou HEIC. Les métadonnées (appareil, date, auteur) sont supprimées avant l'enregistrement.",
    )
    if st.toggle("Prendre une photo ici", key=f"obs_photos_camera_on_{nonce}"):
        shot = st.camera_input("Photo", key=f"obs_photos_camera_{nonce}", label_visibility="collapsed")
        uploads = [*(uploads or []), *([shot] if shot else [])]
    prepared = []
    for upload in uploads or []:
        try:
            photo = _prepared_photo(upload.getvalue())
        except photo_io.PhotoError as exc:
            st.error(f"{exc} (fichier écarté)")
            continue
        prepared.append(photo)
        st.image(photo.jpeg, width=160)
        if photo.gps and (state.get("obs_lat"), state.get("obs_lon")) != photo.gps:
            lat, lon = photo.gps
            st.button(
                f"Utiliser la position de la photo ({lat:.5f}, {lon:.5f})",
                key=f"photo_gps_{len(prepared)}_{nonce}",
                on_click=_use_photo_position,
                args=(actor, lat, lon),
                width="stretch",
            )
    state["obs_photos_prepared"] = prepared
    if prepared:
        st.checkbox("Photos partageables avec les partenaires", key="obs_photos_shareable")


@st.cache_data(show_spinner=False, max_entries=32)
def _prepared_photo(data: bytes) -> photo_io.PreparedPhoto:
    return photo_io.prepare_photo(data)


def _use_photo_position(actor, lat: float, lon: float) -> None:
    _set_point(lat, lon)
    _save_draft(actor)


def _save_observation(actor, diagnostic_id: int) -> None:
    """Button callback: runs before the page is redrawn, so the fields can be cleared on success."""
    state = st.session_state
    shape_geometry = _pending_shape()
    draft = fieldwork.ObservationDraft(
        category=state.get("obs_category"),
        severity=state.get("obs_severity"),
        description=state.get("obs_description") or "",
        latitude=state.get("obs_lat"),
        longitude=state.get("obs_lon"),
        geometry=shape_geometry,
        recommendation=state.get("obs_recommendation") or "",
        partner=state.get("obs_partner") or "",
        shared_fields=sharing.chosen(state, "obs_share_"),
    )
    db = common.database()
    try:
        observation_id = fieldwork.add_observation(db, actor, diagnostic_id, draft)
        for photo in state.get("obs_photos_prepared") or []:
            photos.store_photo(
                db,
                actor,
                diagnostic_id,
                photo,
                observation_id=observation_id,
                shareable=bool(state.get("obs_photos_shareable")),
            )
    except ValidationError as exc:
        state["obs_errors"] = exc.errors
        return
    except (NotFound, PermissionDenied, OSError) as exc:
        state["obs_errors"] = {"diagnostic": str(exc)}
        return
    count = len(state.get("obs_photos_prepared") or [])
    state["obs_errors"] = {}
    state["flash"] = f"Observation n° {observation_id} enregistrée" + (f" avec {count} photo(s)." if count else ".")
    state.update(EMPTY_OBSERVATION)
    state["obs_photos_nonce"] = state.get("obs_photos_nonce", 0) + 1  # empties the uploader
    state["obs_photos_prepared"] = []
    _save_draft(actor)


# --- Grid, fiche, closing --------------------------------------------------------------------


def _grid_section(db, actor, diagnostic_id: int) -> None:
    grid = checklists.diagnostic_grid(db, actor, diagnostic_id)
    state = st.session_state
    prefix = f"grid_{diagnostic_id}_"
    saved = {"on_change": _save_draft, "args": (actor,)}
    st.caption("Notez chaque critère de 1 (très défavorable) à 5 (très favorable), ou « SO » (sans objet).")
    for theme in grid.template["themes"]:
        st.markdown(f"**{theme['label']}**")
        for item in theme["items"]:
            code = item["code"]
            answer = grid.answers.get(code, {})
            score_key, comment_key = f"{prefix}{code}_score", f"{prefix}{code}_comment"
            if score_key not in state:
                state[score_key] = NA if answer.get("na") else answer.get("score")
                state[comment_key] = answer.get("comment", "")
            st.radio(item["label"], [1, 2, 3, 4, 5, NA], key=score_key, horizontal=True, index=None, **saved)
            st.text_input(
                "Commentaire", key=comment_key, label_visibility="collapsed", placeholder="Commentaire", **saved
            )
    if st.button("Enregistrer la grille", width="stretch"):
        answers = {}
        for theme in grid.template["themes"]:
            for item in theme["items"]:
                score = state.get(f"{prefix}{item['code']}_score")
                answers[item["code"]] = {
                    "score": None if score == NA else score,
                    "na": score == NA,
                    "comment": state.get(f"{prefix}{item['code']}_comment") or "",
                }
        try:
            grid = checklists.save_answers(db, actor, diagnostic_id, answers)
            st.success("Grille enregistrée.")
        except ValidationError as exc:
            common.show_validation_errors(exc)
        except PermissionDenied as exc:
            common.show_permission_error(exc)
    _show_scores(grid.score)


def _show_scores(score: grids.GridScore) -> None:
    rows = [
        {"Thème": t.label, "Note": "—" if t.score is None else f"{t.score:.1f} / 5", "Critères notés": t.scored}
        for t in score.themes
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    overall = "—" if score.score is None else f"{score.score:.1f} / 5"
    st.markdown(f"**Note du diagnostic : {overall}** ({score.answered} critère(s) renseigné(s) sur {score.total})")


def _fiche_download(db, actor, diagnostic: fieldwork.DiagnosticSummary) -> None:
    if st.button("Préparer la fiche diagnostic (PDF)", key="fiche_prepare", width="stretch"):
        try:
            st.session_state["fiche_pdf"] = (diagnostic.id, fiches.diagnostic_fiche_pdf(db, actor, diagnostic.id))
        except (NotFound, PermissionDenied) as exc:
            st.error(str(exc))
    ready = st.session_state.get("fiche_pdf")
    if ready and ready[0] == diagnostic.id:
        st.download_button(
            "Télécharger la fiche PDF",
            data=ready[1],
            file_name=f"fiche-diagnostic-{diagnostic.id}.pdf",
            mime="application/pdf",
            width="stretch",
        )


def _close_section(actor, diagnostic: fieldwork.DiagnosticSummary) -> None:
    st.markdown("**Clôturer le diagnostic** : une fois validé, il ne pourra plus être modifié.")
    confirmed = st.checkbox("Je confirme que le diagnostic est complet", key="close_confirm")
    if st.button("Clôturer le diagnostic", disabled=not confirmed, width="stretch"):
        try:
            fieldwork.close_diagnostic(common.database(), actor, diagnostic.id)
        except ValidationError as exc:
            common.show_validation_errors(exc)
            return
        except PermissionDenied as exc:
            common.show_permission_error(exc)
            return
        st.session_state["flash"] = "Diagnostic clôturé."
        st.rerun()


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
