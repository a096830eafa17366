"""Couches de référence, layer « Caméras »: place a camera of the centre de supervision urbain,
change its bearing, angle, range and owner, move it (a marker) or redraw its field of view (a
polygon); the map then shows the new field of view. Thin: services.cameras does the work."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from diagnostics import config, maps, values
from diagnostics.errors import DiagnosticsError, ValidationError
from diagnostics.maps.cameras import describe
from diagnostics.services import cameras, partners
from diagnostics.ui import common, tables

NEW_CAMERA = "— Nouvelle caméra —"
NO_OWNER = "— Aucun —"
TABLE = {
    "name": "Nom",
    "bearing": "Orientation (°)",
    "angle": "Angle de vue (°)",
    "range_m": "Portée (m)",
    "owner_name": "Propriétaire",
    "source": "Source",
    "approximate": "Position approximative",
}


def show(db, actor, drawn_geometry) -> None:
    """The cameras' tab of the drawing section; `drawn_geometry(state)` reads Leaflet.draw's shape."""
    frame = cameras.cameras_frame(db, actor)
    _sectors, _zones, sites = common.context_layers(db)
    pending = st.session_state.pop("camera_pending", None)
    if pending is not None:  # the camera just saved (or nothing, once deleted), chosen before the picker is drawn
        st.session_state["camera_object"] = pending if pending in set(frame["name"]) else NEW_CAMERA
        st.success(pending_notice(pending, pending in set(frame["name"])))
    chosen = st.selectbox("Caméra", [NEW_CAMERA, *frame["name"].tolist()], key="camera_object")
    existing = None if chosen == NEW_CAMERA else frame[frame["name"] == chosen].iloc[0]
    st.caption(
        "Marqueur : placer ou déplacer la caméra. Polygone : redessiner son champ de vision à la main. "
        "Sans dessin, le champ de vision est calculé depuis l'orientation, l'angle et la portée."
    )
    m = maps.build_camera_edit_map(
        common.communes(db), sites, frame, editing=None if existing is None else chosen, tiles=config.tile_sources()
    )
    map_key = f"camera_map_{chosen}_{_version(existing)}"
    state = common.show_map(m, key=map_key, returned_objects=["last_active_drawing"])
    drawn = drawn_geometry(st.session_state.get(map_key)) or drawn_geometry(state)
    if existing is not None:
        how = "dessiné à la main" if existing["drawn"] else "calculé"
        st.markdown(f"**Champ de vision de « {existing['name']} »** : {describe(existing)} ({how}).")
    if drawn is not None:
        label = "nouvelle position" if drawn.geom_type == "Point" else "champ de vision dessiné"
        st.info(f"Forme dessinée : {label}.")
    _form(db, actor, existing, drawn, map_key)
    _table(frame)


def _version(existing) -> str:
    """Part of the map's key: a saved change redraws the map with the new field of view."""
    if existing is None:
        return "new"
    return f"{existing['bearing']:.1f}-{existing['angle']:.1f}-{existing['range_m']:.1f}-{existing.geometry.wkt}"


def _form(db, actor, existing, drawn, map_key: str) -> None:
    owners = partners.list_partners(db)
    owner_names = dict(zip(owners["id"], owners["name"], strict=True))
    choices = [None, *owner_names]
    current = None if existing is None or pd.isna(existing["owner_partner_id"]) else int(existing["owner_partner_id"])

    def value(name, default):
        return default if existing is None or pd.isna(existing.get(name)) else existing.get(name)

    with st.form("camera_form"):
        name = st.text_input("Nom", value=str(value("name", "")))
        # Whole degrees and metres, without bounds in the browser: its refusal (« Number is above the
        # allowed range », the old value kept) is English and silent at submit; the ranges are checked here.
        bearing = st.number_input(
            "Orientation (degrés depuis le nord)",
            value=round(value("bearing", 0)),
            step=5,
            format="%d",
            help="De 0 (nord) à 359, dans le sens des aiguilles d'une montre : 90 à l'est.",
        )
        angle = st.number_input(
            "Angle de vue (degrés)", value=round(value("angle", 60)), step=5, format="%d", help="De 1 à 360."
        )
        range_m = st.number_input(
            "Portée (mètres)",
            value=round(value("range_m", 80)),
            step=10,
            format="%d",
            help=f"De 1 à {cameras.MAX_RANGE_M} m.",
        )
        owner = st.selectbox(
            "Propriétaire (partenaire)",
            choices,
            index=choices.index(current) if current in choices else 0,
            format_func=lambda partner_id: NO_OWNER if partner_id is None else owner_names[partner_id],
        )
        address = st.text_input("Adresse", value=str(value("address", "") or ""))
        approximate = st.checkbox("Position approximative", value=bool(value("approximate", True)))
        save = st.form_submit_button("Enregistrer", type="primary")
        delete = existing is not None and st.form_submit_button("Supprimer cette caméra")
    if save:
        if not 0 <= bearing < 360:
            st.error(f"Orientation {bearing} : {cameras.ERRORS['bearing']}")
            return
        position = drawn if drawn is not None and drawn.geom_type == "Point" else None
        view = drawn if drawn is not None and drawn.geom_type == "Polygon" else None
        typed = {"bearing": bearing, "angle": angle, "range_m": range_m}
        if existing is not None:  # a stored 170.4 shown as 170 and left alone stays 170.4
            typed = {k: existing[k] if round(existing[k]) == v else v for k, v in typed.items()}
        form = {"name": values.clean_text(name), **typed, "owner": owner, "address": address.strip()}
        stored = {"name": value("name", ""), "owner": current, "address": str(value("address", "") or "").strip()}
        same = approximate == bool(value("approximate", True)) and drawn is None
        if existing is not None and same and all(form[k] == stored.get(k, existing.get(k)) for k in form):
            st.info(f"Aucun changement : « {existing['name']} » a déjà ces valeurs.")
            return
        draft = cameras.CameraDraft(
            name=name,
            position=position if position is not None else (None if existing is None else existing.geometry),
            owner_partner_id=owner,
            address=address,
            source="dessin sur la carte" if existing is None else str(value("source", "")),
            approximate=approximate,
            field_of_view=view,
            **typed,
        )
        try:
            created = cameras.save_camera(
                db, actor, draft, original_name=None if existing is None else existing["name"]
            )
        except ValidationError as exc:
            common.show_validation_errors(exc)
            return
        except DiagnosticsError as exc:
            st.error(str(exc))
            return
        _changed(map_key, values.clean_text(name))
        st.session_state["camera_created"] = created
        st.rerun()
    if delete:
        try:
            cameras.delete_camera(db, actor, existing["name"])
        except DiagnosticsError as exc:
            st.error(str(exc))
            return
        _changed(map_key, existing["name"])
        st.rerun()


def _changed(map_key: str, name: str) -> None:
    """Forget the drawing just saved; at the next run, show the camera saved (its new field of view)."""
    st.session_state.pop(map_key, None)
    st.session_state["camera_pending"] = name


def pending_notice(name: str, exists: bool) -> str:
    if not exists:
        return f"« {name} » supprimée."
    if st.session_state.pop("camera_created", False):
        return f"« {name} » ajoutée : son champ de vision est sur la carte."
    return f"« {name} » enregistrée : le champ de vision est à jour sur la carte."


def _table(frame) -> None:
    st.markdown(f"**Caméras de la carte** ({len(frame)})")
    if frame.empty:
        st.caption("Aucune caméra.")
        return
    table = pd.DataFrame({label: frame[column] for column, label in TABLE.items() if column in frame})
    table["Position"] = [f"{g.y:.5f}, {g.x:.5f}" for g in frame.geometry]
    st.dataframe(tables.readable(table), hide_index=True, use_container_width=True)
