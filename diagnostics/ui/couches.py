"""Couches de référence: import files with a preview on the map, draw and edit zones, sectors and
sites, communes' dispositifs against their target, and the history of every change."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import shapely
import streamlit as st
from shapely.geometry import shape

from diagnostics import config, maps
from diagnostics.errors import DiagnosticsError, ValidationError
from diagnostics.io.files import EXTENSIONS
from diagnostics.services import dispositifs, imports, reference_edits
from diagnostics.ui import common

CRS_CHOICES = {
    "": "Celui du fichier",
    "EPSG:4326": "WGS84 — latitude/longitude en degrés (EPSG:4326)",
    "EPSG:2154": "Lambert-93 — X/Y en mètres (EPSG:2154)",
}
ISSUE_LEVELS = {"erreur": "Rejet", "réparé": "Réparation", "avertissement": "Avertissement"}
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
    import_tab, draw_tab, dispositif_tab, history_tab = st.tabs(
        ["Importer un fichier", "Dessiner et modifier", "Dispositifs des communes", "Historique"]
    )
    with import_tab:
        _import(db, actor)
    with draw_tab:
        _draw(db, actor)
    with dispositif_tab:
        _dispositifs(db, actor)
    with history_tab:
        _history(db, actor)


# --- Import ---------------------------------------------------------------------------------


def _import(db, actor) -> None:
    st.caption(
        "GeoJSON, GeoPackage, Shapefile zippé, KML ou CSV (latitude/longitude ou X/Y Lambert-93, "
        f"séparateur virgule ou point-virgule). {config.get('PSQ_IMPORT_MAX_MB')} Mo au plus. "
        "Rien n'est enregistré avant d'avoir vérifié l'aperçu."
    )
    layer = st.selectbox("Couche", list(imports.LAYERS), format_func=imports.LAYERS.get, key="import_layer")
    suffixes = sorted({e.lstrip(".").split(".")[-1] for endings in EXTENSIONS.values() for e in endings})
    upload = st.file_uploader("Fichier", type=suffixes, key="import_file")
    crs = st.selectbox("Système de coordonnées", list(CRS_CHOICES), format_func=CRS_CHOICES.get, key="import_crs")
    if upload is None:
        return
    columns = st.session_state.get("import_columns", {})
    path = _saved_upload(upload)
    position = _position_picker(path) if path.suffix == ".csv" else None
    try:
        preview = imports.preview_import(
            db, actor, layer, path, name=upload.name, crs=crs or None, columns=columns, position=position
        )
    except DiagnosticsError as exc:
        st.error(str(exc))
        return
    _column_picker(layer, preview, path)
    _show_preview(db, preview)
    _commit_form(db, actor, preview)


POSITION_FIELDS = {  # CSV position columns: field → label
    "x": "Longitude ou X (Lambert-93)",
    "y": "Latitude ou Y (Lambert-93)",
    "wkt": "Géométrie (WKT)",
}


def _position_picker(path: Path) -> dict[str, str] | None:
    """For a CSV whose position columns have unusual names: let the user point at them.

    None (nothing chosen) lets the reader recognise latitude/longitude, X/Y or WKT by itself.
    """
    from diagnostics.io import csvfile

    try:
        choices = ["", *csvfile.columns_of(path)]
    except (DiagnosticsError, ValueError, UnicodeError):
        return None
    with st.expander("Colonnes de position (CSV)", expanded=False):
        st.caption("Laissez vide pour la reconnaissance automatique (latitude/longitude, X/Y, WKT).")
        chosen = {
            field: st.selectbox(label, choices, key=f"import_position_{field}", format_func=lambda c: c or "—")
            for field, label in POSITION_FIELDS.items()
        }
    chosen = {field: column for field, column in chosen.items() if column}
    return chosen or None


def _saved_upload(upload) -> Path:
    """The upload as a file (the readers need a path), named by its content's position in the session."""
    folder = Path(tempfile.gettempdir()) / "psq-imports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{upload.file_id}{Path(upload.name).suffix.lower()}"
    if not path.exists():
        path.write_bytes(upload.getvalue())
    return path


def _column_picker(layer: str, preview, path: Path) -> None:
    """Let the user say which column holds a field whose name was not recognised."""
    with st.expander("Colonnes du fichier", expanded=bool(imports.columns_to_map(layer, preview))):
        if preview.columns:
            st.caption(
                "Reconnues : " + ", ".join(f"{imports.FIELD_LABELS[f]} ← « {c} »" for f, c in preview.columns.items())
            )
        choices = ["", *preview.file_columns]
        chosen = {}
        for name in imports.FIELDS[layer]:
            current = preview.columns.get(name, "")
            chosen[name] = st.selectbox(
                imports.FIELD_LABELS[name],
                choices,
                index=choices.index(current) if current in choices else 0,
                key=f"import_column_{layer}_{name}",
            )
        if st.button("Appliquer ces colonnes", key="import_apply_columns"):
            st.session_state["import_columns"] = {f: c for f, c in chosen.items() if c}
            st.rerun()


def _show_preview(db, preview) -> None:
    if preview.rejected:
        st.warning(preview.summary())
    else:
        st.success(preview.summary())
    for note in preview.notes:
        st.info(note)
    if preview.issues:
        issues = pd.DataFrame(
            [
                {"Ligne": i.row, "Type": ISSUE_LEVELS.get(i.level, i.level), "Problème": i.message}
                for i in preview.issues
            ]
        )
        st.dataframe(issues, hide_index=True, use_container_width=True)
    communes = common.communes(db)
    common.show_map(
        maps.build_import_preview_map(communes, preview.frame), key=f"import_preview_{preview.digest[:12]}", height=420
    )
    shown = preview.frame.drop(columns=preview.frame.geometry.name).rename(
        columns={"ligne": "Ligne", "statut": "Statut", "action": "Action", **imports.FIELD_LABELS}
    )
    st.dataframe(shown, hide_index=True, use_container_width=True)


def _commit_form(db, actor, preview) -> None:
    team_id = None
    if preview.layer == "observations":
        teams = common.team_choices(db)
        team_id = st.selectbox(
            "Équipe à laquelle rattacher les observations",
            [None, *teams],
            format_func=lambda i: "— choisir —" if i is None else teams[i],
            key="import_team",
        )
        st.caption("Un diagnostic « Import » est créé par commune, au nom de cette équipe.")
    keep_valid = False
    if preview.rejected:
        keep_valid = st.checkbox(
            f"Importer seulement les {preview.valid} ligne(s) valide(s) et laisser les {preview.rejected} rejetée(s)",
            key="import_keep_valid",
        )
    if st.button("Importer", type="primary", key="import_commit", disabled=preview.valid == 0):
        try:
            result = imports.commit_import(db, actor, preview, keep_valid=keep_valid, team_id=team_id)
        except DiagnosticsError as exc:
            st.error(str(exc))
            return
        st.success(str(result))


# --- Drawing --------------------------------------------------------------------------------


def _draw(db, actor) -> None:
    layer = st.radio(
        "Couche", list(reference_edits.EDITABLE), format_func=_layer_label, horizontal=True, key="draw_layer"
    )
    sectors, zones, sites = common.context_layers(db)
    frame = {"zones": zones, "sectors": sectors, "sites": sites}[layer]
    names = [NEW_OBJECT, *frame["name"].tolist()]
    chosen = st.selectbox("Objet", names, key=f"draw_object_{layer}")
    existing = None if chosen == NEW_OBJECT else frame[frame["name"] == chosen].iloc[0]
    communes = common.communes(db)
    st.caption(
        "Dessinez avec les outils en haut à gauche de la carte (polygone ou rectangle ; marqueur pour un site). "
        "Pour modifier un objet sans changer sa forme, ne dessinez rien."
    )
    m = maps.build_reference_edit_map(
        communes, sectors, zones, sites, layer=layer, editing=None if existing is None else existing.geometry
    )
    map_key = f"draw_map_{layer}_{chosen}"
    state = common.show_map(m, key=map_key, returned_objects=["last_active_drawing"])
    # streamlit-folium mirrors the map's state in session_state[key] on every change: read the
    # mirror first, it survives the map's redraws.
    drawn = _drawn_geometry(st.session_state.get(map_key)) or _drawn_geometry(state)
    if drawn is not None:
        st.info(f"Forme dessinée : {_shape_label(drawn)}.")
    _attribute_form(db, actor, layer, existing, drawn, map_key)


def _layer_label(layer: str) -> str:
    return {"zones": "Zones de patrouille", "sectors": "Secteurs", "sites": "Sites"}[layer]


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
    return f"{ {'Polygon': 'polygone', 'LineString': 'ligne'}.get(geometry.geom_type, geometry.geom_type) }"


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
                delta=None
                if count.baseline is None
                else f"{count.communes - count.baseline:+d} depuis fin {count.baseline_on:%Y}",
                help=count.label,
            )
        else:
            st.caption(count.label)
    frame = dispositifs.dispositifs_frame(db, actor)
    communes = common.communes(db)
    common.show_map(maps.build_dispositifs_map(communes, frame), key=f"dispositifs_{len(frame)}", height=420)
    if not frame.empty:
        table = pd.DataFrame(
            {
                "Commune": frame["commune_name"],
                "INSEE": frame["commune_insee"],
                "Dispositif": frame["kind"].map(dispositifs.KINDS),
                "Depuis le": frame["since"],
            }
        )
        st.dataframe(table, hide_index=True, use_container_width=True)
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
    st.dataframe(frame.rename(columns=HISTORY_LABELS), hide_index=True, use_container_width=True)


page()
