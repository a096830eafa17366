"""Importing layers from other tools: parse → validate → preview → commit.

`preview_import` reads a file (refused before parsing when too large or not what its name says),
reprojects it to WGS84, recognises its columns, and checks every row: a French message per
problem, with the row number. Nothing is written. `commit_import` then writes all the rows in one
transaction, or nothing when a row was rejected — unless the user chose to keep the valid rows.

Imported observations need a diagnostic: each import creates one « import » diagnostic per
commune, for the team the importer chooses, dated by its first observation, with the file's
name as place and a reference made of the file's digest (the same file cannot be imported twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import from_shape
from pyproj import CRS
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from diagnostics import config, taxonomy
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files
from diagnostics.io.csvfile import normalise_name
from diagnostics.models import SRID, Commune, CommuneDispositif, Diagnostic, Observation, PatrolZone, Sector, Site, Team
from diagnostics.services import audit, reference_edits
from diagnostics.services.reference import communes_frame

WGS84 = "EPSG:4326"
LAMBERT93 = "EPSG:2154"
LAYERS: dict[str, str] = {
    "observations": "Observations",
    "zones": "Zones de patrouille",
    "sectors": "Secteurs",
    "sites": "Sites",
    "communes": "Communes",
    "dispositifs": "Dispositifs des communes",
}
DISPOSITIFS: dict[str, str] = {
    "participation_citoyenne": "Participation citoyenne",
    "voisins_solidaires": "Voisins solidaires",
}
ERROR, REPAIRED, WARNING = "erreur", "réparé", "avertissement"
VALID, FIXED, REJECTED = "valide", "réparée", "rejetée"
# Haute-Saône and Jura with a margin, when the database has no communes to measure them.
DEFAULT_TERRITORY = (5.10, 46.10, 7.00, 48.20)
TERRITORY_MARGIN = 0.1  # degrees

# Field → names a column may carry (compared without accents, case or punctuation).
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "libelle", "label", "intitule", "titre", "nom_commune", "nom_site", "nom_zone"),
    "kind": ("kind", "type", "nature", "genre"),
    "commune_insee": ("commune_insee", "insee", "code_insee", "code_commune", "insee_com", "codgeo", "depcom"),
    "source": ("source", "origine"),
    "approximate": ("approximate", "approx", "approximatif", "approximative", "approche"),
    "unit": ("unit", "unite", "service", "equipe", "brigade"),
    "schedule": ("schedule", "horaires", "horaire", "creneau", "creneaux", "planning", "jours"),
    "address": ("address", "adresse"),
    "department": ("department", "departement", "dept", "dep", "code_dep", "code_departement"),
    "population": ("population", "pop", "population_municipale", "ptot"),
    "category": ("category", "categorie", "cat", "theme", "type"),
    "severity": ("severity", "gravite", "niveau", "priorite"),
    "observed_on": ("observed_on", "date", "date_observation", "date_constat", "observe_le", "jour"),
    "description": ("description", "constat", "observation", "commentaire", "texte"),
    "recommendation": ("recommendation", "preconisation", "preconisat", "recommandation", "preconisations"),
    "partner": ("partner", "partenaire", "partenaire_concerne"),
    "status": ("status", "statut", "etat"),
    "shareable": ("shareable", "partageable", "diffusable"),
    "since": ("since", "depuis", "date", "date_adhesion", "date_signature", "date_convention"),
    "dispositif": ("dispositif", "kind", "type", "programme"),
}
FIELDS: dict[str, tuple[str, ...]] = {
    "observations": (
        "category",
        "severity",
        "observed_on",
        "description",
        "recommendation",
        "partner",
        "status",
        "shareable",
    ),
    "zones": ("name", "unit", "kind", "schedule", "commune_insee", "source", "approximate"),
    "sectors": ("name", "kind", "commune_insee", "source", "approximate"),
    "sites": ("name", "kind", "commune_insee", "address", "source", "approximate"),
    "communes": ("commune_insee", "name", "department", "population"),
    "dispositifs": ("commune_insee", "name", "dispositif", "since", "source"),
}
FIELD_LABELS: dict[str, str] = {
    "name": "Nom",
    "kind": "Type",
    "commune_insee": "Code INSEE",
    "source": "Source",
    "approximate": "Approximatif",
    "unit": "Unité",
    "schedule": "Horaires",
    "address": "Adresse",
    "department": "Département",
    "population": "Population",
    "category": "Catégorie",
    "severity": "Gravité",
    "observed_on": "Date",
    "description": "Description",
    "recommendation": "Préconisation",
    "partner": "Partenaire",
    "status": "Statut",
    "shareable": "Partageable",
    "since": "Depuis le",
    "dispositif": "Dispositif",
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "observations": ("category", "severity", "observed_on"),
    "zones": ("name",),
    "sectors": ("name",),
    "sites": ("name",),
    "communes": ("commune_insee", "name"),
    "dispositifs": ("dispositif",),
}
GEOMETRY_KINDS: dict[str, tuple[str, ...]] = {
    "observations": ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"),
    "zones": ("Polygon", "MultiPolygon"),
    "sectors": ("Polygon", "MultiPolygon"),
    "sites": ("Point",),
    "communes": ("Polygon", "MultiPolygon"),
    "dispositifs": (),  # the commune is found by its code or its name; a geometry is ignored
}
GEOMETRY_WORDS = {"Point": "un point", "Polygon": "un polygone", "LineString": "une ligne"}

MESSAGES: dict[str, str] = {
    "no_geometry": "géométrie absente ou illisible",
    "wrong_kind": "{expected} est attendu, le fichier contient {found}",
    "swapped": (
        "latitude ({lat:.5f}) et longitude ({lon:.5f}) semblent inversées : échangez les deux colonnes "
        "(en Haute-Saône et dans le Jura, la latitude vaut environ 46 à 48, la longitude 5 à 7)"
    ),
    "metres_as_degrees": (
        "coordonnées en mètres ({x:.0f}, {y:.0f}) alors que le fichier annonce des degrés (WGS84) : "
        "choisissez le système Lambert-93 (EPSG:2154)"
    ),
    "degrees_as_metres": (
        "coordonnées en degrés ({x:.5f}, {y:.5f}) alors que le fichier annonce Lambert-93 : "
        "choisissez le système WGS84 (EPSG:4326)"
    ),
    "outside": "position hors de la Haute-Saône et du Jura (latitude {lat:.5f}, longitude {lon:.5f})",
    "outside_communes": "position hors des communes couvertes (latitude {lat:.5f}, longitude {lon:.5f})",
    "repaired": "géométrie invalide réparée ({reason})",
    "unrepairable": "géométrie invalide, non réparable sans risque ({reason})",
    "required": "{field} manquant(e)",
    "category": "catégorie « {value} » inconnue",
    "severity": "gravité « {value} » invalide : 1 (faible) à 4 (critique) attendu",
    "status": "statut « {value} » inconnu",
    "date": "date « {value} » illisible (AAAA-MM-JJ ou JJ/MM/AAAA attendu)",
    "date_future": "date {value} dans le futur",
    "date_old": "date {value} antérieure à 2000",
    "duplicate": "« {value} » figure déjà à la ligne {other} du fichier",
    "insee": "code INSEE « {value} » invalide (5 caractères, ex. 70279)",
    "commune_unknown": "commune « {value} » inconnue",
    "dispositif": "dispositif « {value} » inconnu (participation citoyenne ou voisins solidaires)",
    "text_too_long": "{field} trop long ({length} caractères, {limit} au plus)",
    "number": "{field} « {value} » n'est pas un nombre entier",
    "crs_missing": (
        "Le fichier n'indique pas son système de coordonnées : {guess} est supposé d'après les valeurs. "
        "Choisissez-le s'il est différent."
    ),
    "crs_unknown": "Système de coordonnées inconnu : « {value} » (ex. EPSG:2154 pour Lambert-93).",
    "refused": (
        "{count} ligne(s) rejetée(s) : rien n'a été écrit. Corrigez le fichier, ou choisissez "
        "d'importer seulement les {valid} ligne(s) valide(s)."
    ),
    "nothing": "Aucune ligne valide à importer.",
    "team_required": "Choisissez l'équipe à laquelle rattacher les observations importées.",
    "team_unknown": "Cette équipe n'existe pas.",
    "already_imported": "Ce fichier a déjà été importé (diagnostic {reference}) : rien n'a été écrit.",
    "layer_unknown": "Couche inconnue : « {value} ». Couches possibles : {choices}.",
    "empty": "Le fichier ne contient aucun objet.",
}
TEXT_LIMITS = {"description": 5000, "recommendation": 5000, "partner": 120, "name": 120, "unit": 200}


class ImportRefused(DiagnosticsError):
    """The import wrote nothing; the message says why, in French."""


@dataclass(frozen=True)
class RowIssue:
    row: int  # as the user finds it: the CSV line, or the feature's rank in other formats
    level: str  # erreur, réparé, avertissement
    message: str
    where: str = "ligne"

    def __str__(self) -> str:
        return f"{self.where.capitalize()} {self.row} : {self.message}"


@dataclass
class ImportPreview:
    layer: str
    source_name: str
    fmt: str
    source_crs: str
    digest: str
    frame: gpd.GeoDataFrame  # one row per feature: ligne, statut, action, fields, geometry (WGS84)
    issues: list[RowIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the whole file (CRS assumed, columns)
    columns: dict[str, str] = field(default_factory=dict)  # field → column of the file

    @property
    def rejected(self) -> int:
        return int((self.frame["statut"] == REJECTED).sum())

    @property
    def valid(self) -> int:
        return len(self.frame) - self.rejected

    def summary(self) -> str:
        fixed = int((self.frame["statut"] == FIXED).sum())
        return (
            f"{LAYERS[self.layer]} : {len(self.frame)} objet(s) lu(s) dans « {self.source_name} » "
            f"({files.FORMAT_LABELS[self.fmt]}, {self.source_crs}) — {self.valid} valide(s) dont {fixed} "
            f"réparé(s), {self.rejected} rejeté(s)."
        )

    def report(self) -> str:
        return "\n".join([self.summary(), *self.notes, *(str(issue) for issue in self.issues)])


@dataclass(frozen=True)
class ImportResult:
    layer: str
    added: int
    updated: int
    skipped: int  # rejected rows left out (keep_valid)

    def __str__(self) -> str:
        return (
            f"{LAYERS[self.layer]} : {self.added} ajouté(s), {self.updated} mis à jour, "
            f"{self.skipped} ligne(s) rejetée(s) non importée(s)"
        )


# --- Preview ----------------------------------------------------------------------------------


def preview_import(
    db: Database,
    actor: Actor,
    layer: str,
    path: Path,
    *,
    name: str | None = None,
    crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    position: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> ImportPreview:
    """Read and check `path` for `layer`; write nothing.

    `name` is the file's original name (uploads live in temporary files); `crs` overrides the
    file's coordinate system; `columns` maps fields to the file's columns where names are not
    recognised; `position` names CSV position columns (`x`, `y` or `wkt`).
    """
    require(actor, "manage_reference")
    if layer not in LAYERS:
        raise DiagnosticsError(MESSAGES["layer_unknown"].format(value=layer, choices=", ".join(LAYERS)))
    name = name or path.name
    fmt = files.check_file(path, max_bytes=config.import_max_bytes(), name=name)
    options = dict(position or {}) if fmt == "csv" else {}
    if fmt == "shp":
        options["max_uncompressed"] = 10 * config.import_max_bytes()
    if fmt == "csv" and not GEOMETRY_KINDS[layer]:
        options["require_position"] = False
    if fmt == "csv" and crs:
        options["crs"] = _crs(crs).to_string()
    raw = files.read(path, fmt, **options)
    if raw.empty:
        raise ImportRefused(MESSAGES["empty"])
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    notes: list[str] = []
    raw = _with_crs(raw, crs, notes)
    mapping = _column_mapping(layer, list(raw.columns.drop(raw.geometry.name)), columns or {})
    checker = _RowChecker(db, layer, raw.crs, today or dt.date.today(), "ligne" if fmt == "csv" else "objet")
    rows, issues = checker.check(raw, mapping, first_row=2 if fmt == "csv" else 1)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=WGS84) if rows else _empty_frame(layer)
    _mark_actions(db, layer, frame)
    return ImportPreview(
        layer=layer,
        source_name=Path(name).name,
        fmt=fmt,
        source_crs=_crs_label(raw.crs),
        digest=digest,
        frame=frame,
        issues=issues,
        notes=notes,
        columns=mapping,
    )


def _empty_frame(layer: str) -> gpd.GeoDataFrame:
    columns = ["ligne", "statut", "action", *FIELDS[layer]]
    return gpd.GeoDataFrame(pd.DataFrame(columns=columns), geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)


def _crs(value: str) -> CRS:
    try:
        return CRS.from_user_input(value)
    except Exception:  # pyproj.exceptions.CRSError and friends
        raise ImportRefused(MESSAGES["crs_unknown"].format(value=value)) from None


def _with_crs(raw: gpd.GeoDataFrame, crs: str | None, notes: list[str]) -> gpd.GeoDataFrame:
    if crs:
        return raw.set_crs(_crs(crs), allow_override=True)
    if raw.crs is not None:
        return raw
    guess = _guess_crs(raw)
    notes.append(MESSAGES["crs_missing"].format(guess=_crs_label(CRS.from_user_input(guess))))
    return raw.set_crs(guess)


def _guess_crs(raw: gpd.GeoDataFrame) -> str:
    bounds = raw.geometry.dropna()
    if bounds.empty:
        return WGS84
    west, south, east, north = bounds.total_bounds
    return WGS84 if max(abs(west), abs(east)) <= 180 and max(abs(south), abs(north)) <= 90 else LAMBERT93


def _crs_label(crs) -> str:
    if crs is None:
        return "système inconnu"
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    known = {4326: "WGS84", 2154: "Lambert-93"}
    return f"{known.get(epsg, crs.name)} (EPSG:{epsg})" if epsg else crs.name


def _column_mapping(layer: str, columns: list[str], given: Mapping[str, str]) -> dict[str, str]:
    """Field → column: what the user said first, then recognised names."""
    by_name = {normalise_name(c): c for c in columns}
    mapping = {f: c for f, c in given.items() if c in columns and f in FIELDS[layer]}
    taken = set(mapping.values())
    for name in FIELDS[layer]:
        if name in mapping:
            continue
        aliases = ALIASES[name]
        if layer == "sites" and name == "kind":
            aliases = (*aliases, "categorie")
        if layer == "dispositifs" and name == "name":
            aliases = (*aliases, "commune", "ville")
        found = next((by_name[a] for a in aliases if a in by_name and by_name[a] not in taken), None)
        if found is not None:
            mapping[name] = found
            taken.add(found)
    return mapping


def columns_to_map(layer: str, preview: ImportPreview) -> list[str]:
    """Required fields the file's columns did not provide (for the page's column picker)."""
    return [name for name in REQUIRED[layer] if name not in preview.columns and not _derived(layer, name)]


def _derived(layer: str, name: str) -> bool:
    return layer == "dispositifs" and name == "commune_insee"


class _RowChecker:
    def __init__(self, db: Database, layer: str, crs, today: dt.date, where: str):
        self.layer = layer
        self.crs = CRS.from_user_input(crs)
        self.today = today
        self.where = where
        self.communes = communes_frame(db)
        covered = self.communes[self.communes["department"].isin(config.departments())]
        if covered.empty:
            self.territory = DEFAULT_TERRITORY
        else:
            west, south, east, north = covered.total_bounds
            m = TERRITORY_MARGIN
            self.territory = (west - m, south - m, east + m, north + m)
        self.covered = covered
        self.commune_names = {
            normalise_name(n): i for i, n in zip(self.communes["insee"], self.communes["name"], strict=True)
        }
        self.insee_codes = set(self.communes["insee"])

    def check(self, raw: gpd.GeoDataFrame, mapping: dict[str, str], first_row: int):
        geometries = raw.geometry.values
        projected = _reprojected(raw)
        rows, issues, seen = [], [], {}
        for position in range(len(raw)):
            number = position + first_row
            problems: list[tuple[str, str]] = []
            values = {name: _cell(raw.iloc[position][column]) for name, column in mapping.items()}
            record = self._fields(values, problems)
            geometry = None
            if GEOMETRY_KINDS[self.layer]:
                geometry = self._geometry(geometries[position], projected[position], problems)
            self._place(record, geometry, problems)
            self._unique(record, number, seen, problems)
            issues.extend(RowIssue(number, level, message, self.where) for level, message in problems)
            levels = {level for level, _ in problems}
            status = REJECTED if ERROR in levels else FIXED if REPAIRED in levels else VALID
            rows.append({"ligne": number, "statut": status, "action": "", **record, "geometry": geometry})
        return rows, issues

    # attributes

    def _fields(self, values: dict, problems: list) -> dict:
        record = {name: None for name in FIELDS[self.layer]}
        for name in FIELDS[self.layer]:
            value = values.get(name)
            if value is None:
                if name in REQUIRED[self.layer] and not _derived(self.layer, name):
                    problems.append((ERROR, MESSAGES["required"].format(field=FIELD_LABELS[name])))
                continue
            parser = getattr(self, f"_parse_{name}", None)
            record[name] = parser(value, problems) if parser else _text(name, value, problems)
        if self.layer == "communes" and record.get("commune_insee") and not record.get("department"):
            record["department"] = record["commune_insee"][:2]
        return record

    def _parse_category(self, value, problems):
        code = match_category(value)
        if code is None:
            problems.append((ERROR, MESSAGES["category"].format(value=value)))
        return code

    def _parse_severity(self, value, problems):
        level = match_severity(value)
        if level is None:
            problems.append((ERROR, MESSAGES["severity"].format(value=value)))
        return level

    def _parse_status(self, value, problems):
        code = _match(value, taxonomy.STATUSES)
        if code is None:
            problems.append((ERROR, MESSAGES["status"].format(value=value)))
        return code or "nouvelle"

    def _parse_dispositif(self, value, problems):
        code = _match(value, DISPOSITIFS)
        if code is None:
            normalised = normalise_name(value)
            code = next((c for c in DISPOSITIFS if normalised and c.startswith(normalised[:6])), None)
        if code is None:
            problems.append((ERROR, MESSAGES["dispositif"].format(value=value)))
        return code

    def _parse_observed_on(self, value, problems):
        return self._date(value, problems)

    def _parse_since(self, value, problems):
        return self._date(value, problems)

    def _date(self, value, problems):
        day = parse_date(value)
        if day is None:
            problems.append((ERROR, MESSAGES["date"].format(value=value)))
        elif day > self.today:
            problems.append((ERROR, MESSAGES["date_future"].format(value=f"{day:%d/%m/%Y}")))
        elif day < dt.date(2000, 1, 1):
            problems.append((ERROR, MESSAGES["date_old"].format(value=f"{day:%d/%m/%Y}")))
        return day

    def _parse_shareable(self, value, problems):
        return parse_bool(value)

    def _parse_approximate(self, value, problems):
        return parse_bool(value)

    def _parse_population(self, value, problems):
        try:
            return int(float(str(value).replace(" ", "").replace(",", ".")))
        except ValueError:
            problems.append((ERROR, MESSAGES["number"].format(field="Population", value=value)))
            return None

    def _parse_commune_insee(self, value, problems):
        code = str(value).strip().upper()
        if re.fullmatch(r"\d{4}", code):  # spreadsheets drop the leading zero of 01…09
            code = "0" + code
        if not re.fullmatch(r"\d[\dAB]\d{3}", code):
            problems.append((ERROR, MESSAGES["insee"].format(value=value)))
            return None
        return code

    # geometry

    def _geometry(self, source, projected, problems: list) -> BaseGeometry | None:
        if source is None or source.is_empty or projected is None:
            problems.append((ERROR, MESSAGES["no_geometry"]))
            return None
        source = shapely.force_2d(source)
        geometry = _single(shapely.force_2d(projected))
        if not self._plausible(source, geometry, problems):
            return None
        geometry = self._repaired(geometry, problems)
        if geometry is None:
            return None
        expected = GEOMETRY_KINDS[self.layer]
        if geometry.geom_type not in expected:
            words = " ou ".join(dict.fromkeys(GEOMETRY_WORDS.get(k.replace("Multi", ""), k) for k in expected))
            found = GEOMETRY_WORDS.get(geometry.geom_type.replace("Multi", ""), geometry.geom_type)
            problems.append((ERROR, MESSAGES["wrong_kind"].format(expected=words.capitalize(), found=found)))
            return None
        if self.layer in ("zones", "sectors", "communes") and isinstance(geometry, Polygon):
            geometry = MultiPolygon([geometry])
        return geometry

    def _plausible(self, source: BaseGeometry, geometry: BaseGeometry, problems: list) -> bool:
        if _inside(geometry.bounds, self.territory):
            return True
        x, y = source.representative_point().coords[0] if source.is_valid else source.coords[0]
        if self.crs.is_geographic and (abs(x) > 180 or abs(y) > 90):
            problems.append((ERROR, MESSAGES["metres_as_degrees"].format(x=x, y=y)))
        elif self.crs.is_geographic and _inside((y, x, y, x), self.territory):
            problems.append((ERROR, MESSAGES["swapped"].format(lat=y, lon=x)))
        elif not self.crs.is_geographic and abs(x) <= 180 and abs(y) <= 90:
            problems.append((ERROR, MESSAGES["degrees_as_metres"].format(x=x, y=y)))
        else:
            point = geometry.representative_point() if np.isfinite(geometry.bounds).all() else Point(x, y)
            problems.append((ERROR, MESSAGES["outside"].format(lat=point.y, lon=point.x)))
        return False

    def _repaired(self, geometry: BaseGeometry, problems: list) -> BaseGeometry | None:
        if geometry.is_valid:
            return geometry
        reason = _french_reason(shapely.is_valid_reason(geometry))
        repaired = shapely.make_valid(geometry)
        if geometry.geom_type.endswith("Polygon"):
            repaired = _polygonal(repaired)
        safe = (
            repaired is not None
            and not repaired.is_empty
            and repaired.is_valid
            and repaired.geom_type.replace("Multi", "") == geometry.geom_type.replace("Multi", "")
        )
        if not safe:
            problems.append((ERROR, MESSAGES["unrepairable"].format(reason=reason)))
            return None
        problems.append((REPAIRED, MESSAGES["repaired"].format(reason=reason)))
        return repaired

    # place and keys

    def _place(self, record: dict, geometry: BaseGeometry | None, problems: list) -> None:
        if self.layer == "dispositifs":
            self._dispositif_commune(record, problems)
            return
        if geometry is None or self.layer == "communes":
            return
        point = geometry.representative_point()
        inside = self.covered[self.covered.covers(point)]
        if self.layer == "observations":
            if inside.empty:
                problems.append((ERROR, MESSAGES["outside_communes"].format(lat=point.y, lon=point.x)))
            else:
                record["commune_insee"] = inside["insee"].iloc[0]
            return
        code = record.get("commune_insee")
        if code and code not in self.insee_codes:
            problems.append((ERROR, MESSAGES["commune_unknown"].format(value=code)))
        elif not code and not inside.empty:
            record["commune_insee"] = inside["insee"].iloc[0]

    def _dispositif_commune(self, record: dict, problems: list) -> None:
        code = record.get("commune_insee")
        if code:
            if code not in self.insee_codes:
                problems.append((ERROR, MESSAGES["commune_unknown"].format(value=code)))
            return
        name = record.get("name")
        if not name:
            problems.append((ERROR, MESSAGES["required"].format(field="Code INSEE ou nom de commune")))
            return
        code = (
            str(name).strip() if str(name).strip() in self.insee_codes else self.commune_names.get(normalise_name(name))
        )
        if code is None:
            problems.append((ERROR, MESSAGES["commune_unknown"].format(value=name)))
        record["commune_insee"] = code

    def _unique(self, record: dict, number: int, seen: dict, problems: list) -> None:
        key = _key(self.layer, record)
        if key is None:
            return
        if key in seen:
            shown = key if isinstance(key, str) else " / ".join(map(str, key))
            problems.append((ERROR, MESSAGES["duplicate"].format(value=shown, other=seen[key])))
        else:
            seen[key] = number


def _reprojected(raw: gpd.GeoDataFrame) -> list[BaseGeometry | None]:
    geometries = raw.geometry
    if geometries.isna().all():
        return [None] * len(raw)
    with np.errstate(all="ignore"):
        projected = geometries.to_crs(WGS84).values
    result = []
    for geometry in projected:
        if geometry is None or geometry.is_empty or not np.isfinite(shapely.get_coordinates(geometry)).all():
            result.append(None if geometry is None or geometry.is_empty else shapely.Point(np.inf, np.inf))
        else:
            result.append(geometry)
    return result


def _inside(bounds, territory) -> bool:
    west, south, east, north = bounds
    tw, ts, te, tn = territory
    return bool(np.isfinite(bounds).all()) and tw <= west and east <= te and ts <= south and north <= tn


def _single(geometry: BaseGeometry) -> BaseGeometry:
    """A multi-geometry of one part as that part (KML and shapefiles wrap single shapes)."""
    if geometry.geom_type.startswith("Multi") and len(geometry.geoms) == 1:
        return geometry.geoms[0]
    return geometry


def _polygonal(geometry: BaseGeometry) -> BaseGeometry | None:
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry.geom_type == "GeometryCollection":
        parts = [g for g in geometry.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        others = [g for g in geometry.geoms if g.geom_type not in ("Polygon", "MultiPolygon")]
        if parts and not others:
            return shapely.union_all(parts)
    return None


_REASONS = {
    "Self-intersection": "le contour se recoupe",
    "Ring Self-intersection": "un anneau se touche lui-même",
    "Too few points": "trop peu de points",
    "Interior is disconnected": "l'intérieur est coupé en morceaux",
    "Hole lies outside shell": "un trou est hors du contour",
    "Nested holes": "trous imbriqués",
    "Nested shells": "contours imbriqués",
    "Duplicate Rings": "anneaux en double",
    "Ring is not closed": "le contour n'est pas fermé",
    "Invalid Coordinate": "coordonnée invalide",
}


def _french_reason(reason: str) -> str:
    for english, french in _REASONS.items():
        if reason.startswith(english):
            return french
    return reason


def _cell(value):
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _text(name: str, value, problems: list) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    limit = TEXT_LIMITS.get(name, 250)
    if len(text) > limit:
        problems.append(
            (ERROR, MESSAGES["text_too_long"].format(field=FIELD_LABELS[name], length=len(text), limit=limit))
        )
    return text


def _key(layer: str, record: dict):
    if layer in ("zones", "sectors", "sites"):
        return record.get("name")
    if layer == "communes":
        return record.get("commune_insee")
    if layer == "dispositifs" and record.get("commune_insee") and record.get("dispositif"):
        return (record["commune_insee"], record["dispositif"])
    return None


# --- Matching values as people write them ---------------------------------------------------


def _match(value, labels: Mapping) -> str | None:
    """A code from its code or its label, accents, case and punctuation aside."""
    wanted = normalise_name(value)
    for code, label in labels.items():
        if wanted in (normalise_name(code), normalise_name(label)):
            return code
    return None


def match_category(value) -> str | None:
    """`Éclairage`, `eclairage`, `VIDEOPROTECTION`, `Visibilité et recoins` → their codes."""
    labels = {c.code: c.label for c in taxonomy.CATEGORIES}
    code = _match(value, labels)
    if code is not None:
        return code
    wanted = normalise_name(value)
    if len(wanted) < 4:
        return None
    starts = [code for code, label in labels.items() if normalise_name(label).startswith(wanted)]
    if len(starts) == 1:
        return starts[0]
    words = [code for code, label in labels.items() if wanted in normalise_name(label).split("_")]
    return words[0] if len(words) == 1 else None  # « tags » → dégradations et tags


def match_severity(value) -> int | None:
    text = str(value).strip()
    if re.fullmatch(r"[1-4](\.0+|,0+)?", text):
        return int(text[0])
    code = _match(text, {level: label for level, label in taxonomy.SEVERITIES.items()})
    return int(code) if code is not None else None


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d")


def parse_date(value) -> dt.date | None:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    for form in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).date()
        except ValueError:
            continue
    return None


def parse_bool(value) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return normalise_name(value) in ("1", "true", "vrai", "oui", "yes", "o", "y", "x")


# --- Commit -----------------------------------------------------------------------------------


def _mark_actions(db: Database, layer: str, frame: gpd.GeoDataFrame) -> None:
    """« ajout » or « mise à jour » for each valid row, from what the database already holds."""
    if frame.empty:
        return
    existing = _existing_keys(db, layer)
    actions = []
    for record in frame.to_dict("records"):
        if record["statut"] == REJECTED:
            actions.append("")
        else:
            actions.append("mise à jour" if _key(layer, record) in existing else "ajout")
    frame["action"] = actions


def _existing_keys(db: Database, layer: str) -> set:
    with db.session() as session:
        if layer in ("zones", "sectors", "sites"):
            model = _MODELS[layer]
            return set(session.scalars(select(model.name)))
        if layer == "communes":
            return set(session.scalars(select(Commune.insee)))
        if layer == "dispositifs":
            return {
                tuple(row) for row in session.execute(select(CommuneDispositif.commune_insee, CommuneDispositif.kind))
            }
    return set()


_MODELS = {"zones": PatrolZone, "sectors": Sector, "sites": Site}


def commit_import(
    db: Database, actor: Actor, preview: ImportPreview, *, keep_valid: bool = False, team_id: int | None = None
) -> ImportResult:
    """Write the previewed rows in one transaction; nothing when a row was rejected (unless
    `keep_valid`). Observations need `team_id`: the team their import diagnostics belong to."""
    require(actor, "manage_reference")
    if preview.rejected and not keep_valid:
        raise ImportRefused(MESSAGES["refused"].format(count=preview.rejected, valid=preview.valid))
    rows = preview.frame[preview.frame["statut"] != REJECTED]
    if rows.empty:
        raise ImportRefused(MESSAGES["nothing"])
    records = [_plain_record(r) for r in rows.to_dict("records")]
    with db.session() as session:
        if preview.layer == "observations":
            added, updated = _commit_observations(session, actor, preview, records, team_id), 0
        elif preview.layer == "dispositifs":
            added, updated = _commit_dispositifs(session, actor, records)
        else:
            added, updated = _commit_reference(session, actor, preview, records)
        result = ImportResult(preview.layer, added, updated, preview.rejected)
        audit.record(
            session,
            actor,
            "import",
            entity=preview.layer,
            detail=f"{preview.source_name} ({preview.fmt}, sha256 {preview.digest[:12]}) : {result}",
        )
    return result


def _plain_record(record: dict) -> dict:
    return {k: (None if v is pd.NaT or (isinstance(v, float) and np.isnan(v)) else v) for k, v in record.items()}


def _commit_observations(session, actor: Actor, preview: ImportPreview, records: list[dict], team_id) -> int:
    if not team_id:
        raise ImportRefused(MESSAGES["team_required"])
    if session.get(Team, team_id) is None:
        raise ImportRefused(MESSAGES["team_unknown"])
    prefix = f"import-{preview.digest[:12]}-"
    earlier = session.scalar(select(Diagnostic.reference).where(Diagnostic.reference.like(prefix + "%")))
    if earlier:
        raise ImportRefused(MESSAGES["already_imported"].format(reference=earlier))
    by_commune: dict[str, list[dict]] = {}
    for record in records:
        by_commune.setdefault(record["commune_insee"], []).append(record)
    for insee, group in sorted(by_commune.items()):
        diagnostic = Diagnostic(
            reference=prefix + insee,
            team_id=team_id,
            commune_insee=insee,
            place=f"Import : {preview.source_name}"[:200],
            visited_on=min(r["observed_on"] for r in group),
            context=f"Observations importées depuis « {preview.source_name} » ({files.FORMAT_LABELS[preview.fmt]}).",
            author=actor.login,
        )
        session.add(diagnostic)
        session.flush()
        audit.record(session, actor, "create", entity="diagnostic", entity_id=diagnostic.id, detail="import")
        for record in group:
            session.add(
                Observation(
                    diagnostic_id=diagnostic.id,
                    commune_insee=insee,
                    observed_on=record["observed_on"],
                    category=record["category"],
                    severity=int(record["severity"]),
                    status=record.get("status") or "nouvelle",
                    description=record.get("description") or "",
                    recommendation=record.get("recommendation") or "",
                    partner=record.get("partner") or "",
                    shareable=bool(record.get("shareable")),
                    author=actor.login,
                    geom=from_shape(record["geometry"], srid=SRID),
                )
            )
    return len(records)


def _commit_dispositifs(session, actor: Actor, records: list[dict]) -> tuple[int, int]:
    existing = {(d.commune_insee, d.kind): d for d in session.scalars(select(CommuneDispositif))}
    added = updated = 0
    for record in records:
        key = (record["commune_insee"], record["dispositif"])
        row = existing.get(key)
        values = {"since": record.get("since"), "source": record.get("source") or ""}
        if row is None:
            row = CommuneDispositif(commune_insee=key[0], kind=key[1], **values)
            session.add(row)
            existing[key] = row
            added += 1
            audit.record(session, actor, "create", entity="dispositif", entity_id="/".join(key), after=values)
        elif row.since != values["since"]:
            before = {"since": row.since}
            row.since = values["since"]
            updated += 1
            audit.record(
                session, actor, "update", entity="dispositif", entity_id="/".join(key), before=before, after=values
            )
    return added, updated


def _commit_reference(session, actor: Actor, preview: ImportPreview, records: list[dict]) -> tuple[int, int]:
    layer = preview.layer
    added = updated = 0
    for record in records:
        attributes = {name: record.get(name) for name in FIELDS[layer] if name != "commune_insee"}
        if layer == "communes":
            key = record["commune_insee"]
            attributes = {
                "name": record["name"],
                "department": record.get("department"),
                "population": record.get("population") or 0,
            }
        else:
            key = record["name"]
            attributes.pop("name")
            attributes["commune_insee"] = record.get("commune_insee")
            attributes["source"] = attributes.get("source") or f"import : {preview.source_name}"
            attributes["approximate"] = bool(attributes.get("approximate"))
            attributes = {
                k: ("" if v is None and k in ("kind", "unit", "schedule") else v) for k, v in attributes.items()
            }
            if layer in ("sectors", "sites") and not attributes.get("kind"):
                attributes["kind"] = "secteur" if layer == "sectors" else "autre"
        created = reference_edits.upsert(session, actor, layer, key, attributes, record["geometry"], action="import")
        added += created
        updated += not created
    return added, updated


def preview_json(preview: ImportPreview) -> str:
    """The preview's report as JSON (for scripts): counts and issues."""
    return json.dumps(
        {
            "summary": preview.summary(),
            "notes": preview.notes,
            "issues": [issue.__dict__ for issue in preview.issues],
        },
        ensure_ascii=False,
    )
