"""Couches de référence: import files with a preview on the map (`import_tab`), draw and edit
zones, sectors and sites, communes' dispositifs against their target, and the history of every
change."""

from __future__ import annotations

import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape

from diagnostics import config, maps
from diagnostics.camera_models import CAMERA_KIND
from diagnostics.errors import DiagnosticsError, ValidationError
from diagnostics.services import dispositifs, imports, reference_edits
from diagnostics.ui import common, couches_cameras, import_tab, tables

HISTORY_LABELS = {
    "at": "Date (UTC)",
    "actor": "Qui",
    "layer": "Couche",
    "object_key": "Objet",
    "action": "Action",
    "before_attributes": "Avant",
    "after_attributes": "Après",
    "before_wkt": "Géométrie avant (WKT)",
    "after_wkt": "Géométrie après (WKT)",
}
NEW_OBJECT = "— Nouvel objet —"


def page() -> None:
    st.title("Couches de référence")
    actor = common.current_actor("manage_reference")
    db = common.database()
    # Only the open tab is drawn: a map built in a hidden tab has no size, Leaflet frames it on NaN
    # and its iframe stays 0 px high once the tab is shown.
    tabs = st.tabs(
        ["Importer un fichier", "Dessiner et modifier", "Dispositifs des communes", "Historique"],
        key="couches_tab",
        on_change="rerun",
    )
    for tab, section in zip(tabs, (import_tab.show, _draw, _dispositifs, _history), strict=True):
        if tab.open:
            with tab:
                section(db, actor)


# --- Drawing --------------------------------------------------------------------------------


def _draw(db, actor) -> None:
    layer = st.radio(
        "Couche", [*reference_edits.EDITABLE, "cameras"], format_func=_layer_label, horizontal=True, key="draw_layer"
    )
    if layer == "cameras":  # issue 17: a site with a direction and a field of view
        couches_cameras.show(db, actor, _drawn_geometry)
        return
    sectors, zones, sites = common.context_layers(db)
    # Cameras are edited in their own layer (their field of view follows their position).
    frame = {"zones": zones, "sectors": sectors, "sites": sites[sites["kind"] != CAMERA_KIND]}[layer]
    names = [NEW_OBJECT, *frame["name"].tolist()]
    chosen = st.selectbox("Objet", names, key=f"draw_object_{layer}")
    existing = None if chosen == NEW_OBJECT else frame[frame["name"] == chosen].iloc[0]
    communes = common.communes(db)
    st.caption(
        "Dessinez avec les outils en haut à gauche de la carte (polygone ou rectangle ; marqueur pour un site). "
        "Pour modifier un objet sans changer sa forme, ne dessinez rien."
    )
    m = maps.build_reference_edit_map(
        communes,
        sectors,
        zones,
        sites,
        layer=layer,
        editing=None if existing is None else existing.geometry,
        tiles=config.tile_sources(),
    )
    map_key = f"draw_map_{layer}_{chosen}"
    state = common.show_map(m, key=map_key, returned_objects=["last_active_drawing"])
    # streamlit-folium mirrors the map's state in session_state[key] on every change: read the
    # mirror first, it survives the map's redraws.
    drawn = _drawn_geometry(st.session_state.get(map_key)) or _drawn_geometry(state)
    if drawn is not None:
        st.info(f"Forme dessinée : {_shape_label(drawn)}.")
    _attribute_form(db, actor, layer, existing, drawn, map_key)
    _layer_table(frame, layer)


# The text equivalent of the map's layer (RGAA: the same information without the map).
LAYER_COLUMNS = {
    "name": "Nom",
    "kind": "Type",
    "unit": "Unité",
    "schedule": "Horaires",
    "address": "Adresse",
    "source": "Source",
    "approximate": "Tracé approximatif",
}


def _layer_table(frame, layer: str) -> None:
    st.markdown(f"**{_layer_label(layer)} de la carte** ({len(frame)})")
    if frame.empty:
        st.caption("Aucun objet dans cette couche.")
        return
    table = pd.DataFrame({label: frame[column] for column, label in LAYER_COLUMNS.items() if column in frame})
    table["Position"] = [_shape_label(g) if g is not None else "" for g in frame.geometry]
    st.dataframe(tables.readable(table), hide_index=True, use_container_width=True)


def _layer_label(layer: str) -> str:
    return {"zones": "Zones de patrouille", "sectors": "Secteurs", "sites": "Sites", "cameras": "Caméras"}[layer]


def _drawn_geometry(state):
    feature = (state or {}).get("last_active_drawing")
    if not feature or not feature.get("geometry"):
        return None
    try:
        return shapely.force_2d(shape(feature["geometry"]))
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
        return None


def _shape_label(geometry) -> str:
    if geometry.geom_type == "Point":
        return f"point ({geometry.y:.5f}, {geometry.x:.5f})"
    kinds = {"Polygon": "polygone", "MultiPolygon": "polygone", "LineString": "ligne", "MultiLineString": "ligne"}
    return kinds.get(geometry.geom_type, geometry.geom_type)


def _attribute_form(db, actor, layer: str, existing, drawn, map_key: str) -> None:
    def value(name):
        return "" if existing is None or pd.isna(existing.get(name)) else str(existing.get(name))

    with st.form(f"draw_form_{layer}"):
        name = st.text_input("Nom", value=value("name"))
        kind = st.text_input("Type", value=value("kind"), help="ex. vtt, pedestre, qpv, kiosque, brigade")
        unit = schedule = address = ""
        if layer == "zones":
            unit = st.text_input("Unité", value=value("unit"), help="ex. Groupe VTT de Vesoul")
            schedule = st.text_input("Horaires", value=value("schedule"), help="ex. lundi–samedi en journée")
        if layer == "sites":
            address = st.text_input("Adresse", value=value("address"))
        approximate = st.checkbox(
            "Tracé approximatif", value=True if existing is None else bool(existing.get("approximate"))
        )
        save = st.form_submit_button("Enregistrer", type="primary")
        delete = existing is not None and st.form_submit_button("Supprimer cet objet")
    if save:
        geometry = drawn if drawn is not None else (None if existing is None else existing.geometry)
        draft = reference_edits.ReferenceDraft(
            layer=layer,
            name=name,
            geometry=geometry,
            kind=kind.strip(),
            unit=unit.strip(),
            schedule=schedule.strip(),
            address=(address.strip() or None) if layer == "sites" else "",
            approximate=approximate,
        )
        try:
            created = reference_edits.save_drawn(
                db, actor, draft, original_name=None if existing is None else existing["name"]
            )
        except ValidationError as exc:
            common.show_validation_errors(exc)
            return
        except DiagnosticsError as exc:
            st.error(str(exc))
            return
        _changed(map_key)
        st.success(f"« {name.strip()} » {'ajouté' if created else 'enregistré'}.")
    if delete:
        try:
            reference_edits.delete_drawn(db, actor, layer, existing["name"])
        except DiagnosticsError as exc:
            st.error(str(exc))
            return
        _changed(map_key)
        st.success(f"« {existing['name']} » supprimé.")


def _changed(map_key: str) -> None:
    """Forget the drawing just saved and reload the layers."""
    st.session_state.pop(map_key, None)


# --- Dispositifs ----------------------------------------------------------------------------


def _dispositifs(db, actor) -> None:
    for count in dispositifs.counts(db, actor, config.departments()):
        if count.target:
            st.metric(
                f"{dispositifs.KINDS[count.kind]} — {count.department}",
                f"{count.communes} / {count.target}",
                # A change since the reference count only means something once communes are loaded.
                delta=None
                if count.baseline is None or not count.communes
                else f"{count.communes - count.baseline:+d} depuis fin {count.baseline_on:%Y}",
                help=count.label,
            )
        else:
            st.caption(count.label)
    frame = dispositifs.dispositifs_frame(db, actor)
    communes = common.communes(db)
    common.show_map(
        maps.build_dispositifs_map(communes, frame, tiles=config.tile_sources()),
        key=f"dispositifs_{len(frame)}",
        height=420,
    )
    if not frame.empty:
        table = pd.DataFrame(
            {
                "Commune": frame["commune_name"],
                "INSEE": frame["commune_insee"],
                "Dispositif": frame["kind"].map(dispositifs.KINDS),
                "Depuis le": frame["since"],
            }
        )
        st.dataframe(tables.readable(table), hide_index=True, use_container_width=True)
    st.caption(
        "Pour les charger : onglet « Importer un fichier », couche « Dispositifs des communes » "
        "(CSV : commune ou code INSEE, dispositif, date)."
    )


# --- History --------------------------------------------------------------------------------


def _history(db, actor) -> None:
    layer = st.selectbox(
        "Couche",
        ["", "zones", "sectors", "sites", "communes"],
        format_func=lambda v: imports.LAYERS.get(v, "Toutes"),
        key="history_layer",
    )
    frame = reference_edits.history(db, actor, layer or None)
    if frame.empty:
        st.info("Aucune modification enregistrée.")
        return
    st.dataframe(tables.readable(frame.rename(columns=HISTORY_LABELS)), hide_index=True, use_container_width=True)


page()
