"""The import tab of Couches de référence: a file uploaded, checked in a child process, previewed
on a map and in a table with what importing would do, then written on « Importer »."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from diagnostics import config, maps, taxonomy
from diagnostics.errors import DiagnosticsError
from diagnostics.io.files import EXTENSIONS
from diagnostics.services import imports
from diagnostics.ui import common, french, tables

logger = logging.getLogger(__name__)
UNEXPECTED = (
    "L'import a échoué sur une erreur inattendue : rien n'a été écrit. L'erreur est consignée dans le "
    "journal du serveur ; signalez-la avec le nom du fichier."
)
CRS_CHOICES = {
    "": "Celui du fichier",
    "EPSG:4326": "WGS84 — latitude/longitude en degrés (EPSG:4326)",
    "EPSG:2154": "Lambert-93 — X/Y en mètres (EPSG:2154)",
}
ISSUE_LEVELS = {"erreur": "Rejet", "réparé": "Réparation", "avertissement": "Avertissement"}


def show(db, actor) -> None:
    st.caption(
        "GeoJSON, GeoPackage, Shapefile zippé, KML, KMZ (Google My Maps), GPX, CSV (séparateur virgule ou "
        "point-virgule ; exports KoboToolbox et ODK Central reconnus) ou classeur Excel / OpenDocument (.xlsx, "
        ".ods ; une ligne d'en-tête) avec latitude/longitude ou X/Y Lambert-93. "
        f"{config.get('PSQ_IMPORT_MAX_MB')} Mo au plus. "
        "Rien n'est enregistré avant d'avoir vérifié l'aperçu."
    )
    layer = st.selectbox("Couche", list(imports.LAYERS), format_func=imports.LAYERS.get, key="import_layer")
    suffixes = sorted({e.lstrip(".").split(".")[-1] for endings in EXTENSIONS.values() for e in endings})
    limit_mb = config.import_max_bytes() // 1_000_000
    upload = st.file_uploader("Fichier", type=suffixes, key="import_file", max_upload_size=limit_mb)
    st.caption(french.upload_hint(limit_mb, suffixes))
    crs = st.selectbox("Système de coordonnées", list(CRS_CHOICES), format_func=CRS_CHOICES.get, key="import_crs")
    if upload is None:
        return
    columns = st.session_state.get("import_columns", {})
    path = _saved_upload(upload)
    position = _position_picker(path) if path.suffix == ".csv" else None
    keep_times = _track_times_choice() if path.suffix == ".gpx" else False
    try:
        sheet = _sheet_picker(actor, path, upload) if path.suffix in (".xlsx", ".ods") else None
        preview = imports.preview_import(
            db,
            actor,
            layer,
            path,
            name=upload.name,
            crs=crs or None,
            columns=columns,
            position=position,
            keep_track_times=keep_times,
            sheet=sheet,
        )
        _column_picker(layer, preview, path)
        _show_preview(db, preview)
        _commit_form(db, actor, preview)
    except DiagnosticsError as exc:
        st.error(str(exc))
    except Exception:  # a bug must not show a traceback to the administrator: logged, said in French
        logger.exception("import of %s failed", upload.name)
        st.error(UNEXPECTED)


def _track_times_choice() -> bool:
    """A GPX track says where people were and when: its times are kept only if the team says so."""
    keep = st.checkbox(
        "Garder le début et la fin de chaque trace GPX",
        key="import_keep_track_times",
        help="Sans cette case, les heures des traces ne sont pas lues : elles disent où et quand des "
        "personnes sont passées. Cochez-la seulement si l'équipe l'a décidé.",
    )
    st.caption("Les heures des traces ne sont pas importées." if not keep else "Début et fin de chaque trace gardés.")
    return keep


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


def _sheet_picker(actor, path: Path, upload) -> str | None:
    """The sheet to read when the workbook has several (listed once per upload); None: the first."""
    listed = st.session_state.setdefault("import_sheets", {})
    if upload.file_id not in listed:
        listed[upload.file_id] = imports.workbook_sheets(actor, path, name=upload.name)
    sheets = listed[upload.file_id]
    if len(sheets) < 2:
        return None
    return st.selectbox(
        "Feuille du classeur",
        sheets,
        key=f"import_sheet_{upload.file_id}",
        help="Le classeur a plusieurs feuilles : choisissez celle qui contient les lignes à importer.",
    )


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
    st.info(preview.actions())
    for note in preview.notes:
        st.info(note)
    if preview.issues:
        issues = pd.DataFrame(
            [
                {"Ligne": i.row, "Type": ISSUE_LEVELS.get(i.level, i.level), "Problème": i.message}
                for i in preview.issues
            ]
        )
        st.dataframe(tables.readable(issues), hide_index=True, use_container_width=True)
    communes = common.communes(db)
    common.show_map(
        maps.build_import_preview_map(communes, preview.frame, tiles=config.tile_sources()),
        key=f"import_preview_{preview.digest[:12]}",
        height=420,
    )
    st.dataframe(_preview_table(preview), hide_index=True, use_container_width=True)


def _preview_table(preview) -> pd.DataFrame:
    """One row per feature, French column names (the row's check is not the observation's statut)."""
    labels = {"ligne": "Ligne", "statut": "Contrôle", "action": "Action", **imports.FIELD_LABELS}
    table = pd.DataFrame(preview.frame.drop(columns=preview.frame.geometry.name))
    table = table[[c for c in table.columns if c in labels]]
    for column, shown in SHOWN_AS.items():
        if column in table:
            table[column] = table[column].map(lambda v, shown=shown: "" if _missing(v) else shown(v))
    return table.astype(object).where(table.notna(), "").rename(columns=labels)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


SHOWN_AS = {  # codes and values as the page says them
    "category": taxonomy.category_label,
    "status": taxonomy.status_label,
    "observed_on": lambda d: f"{d:%d/%m/%Y}",
    "since": lambda d: f"{d:%d/%m/%Y}",
    "shareable": lambda b: "oui" if b else "non",
    "approximate": lambda b: "oui" if b else "non",
}


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
    done = st.session_state.setdefault("import_done", {})
    if st.button("Importer", type="primary", key="import_commit", disabled=preview.valid == 0):
        try:
            result = imports.commit_import(db, actor, preview, keep_valid=keep_valid, team_id=team_id)
        except DiagnosticsError as exc:
            message = str(exc)
            if preview.digest in done:
                message = IMPORTED_ALREADY.format(result=done[preview.digest])
            st.error(message)
            return
        st.cache_data.clear()
        common.context_layers.clear()
        st.session_state["reference_version"] = st.session_state.get("reference_version", 0) + 1
        if preview.digest in done and not (result.added or result.updated):
            st.warning(IMPORTED_ALREADY.format(result=done[preview.digest]))
            return
        done[preview.digest] = str(result)
        st.success(f"Import enregistré. {result}")
    elif preview.digest in done:
        st.success(f"Import enregistré. {done[preview.digest]}")


IMPORTED_ALREADY = "Ce fichier a déjà été importé dans cette session ({result}) : rien de plus n'a été écrit."
