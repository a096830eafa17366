"""Observation categories, severities and statuses, with their French labels.

Codes are stable identifiers stored in the database; labels are what users read.
The categories follow situational crime prevention (prévention situationnelle, CPTED, ESSP).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    color: str  # hex colour used on maps and snapshots


CATEGORIES: tuple[Category, ...] = (
    Category("eclairage", "Éclairage", "#f1c40f"),
    Category("visibilite", "Visibilité et recoins (masques visuels, végétation)", "#27ae60"),
    Category("acces", "Accès et cheminements", "#16a085"),
    Category("videoprotection", "Vidéoprotection", "#2980b9"),
    Category("degradations", "Dégradations et tags", "#8e44ad"),
    Category("depots", "Dépôts sauvages et propreté", "#7f8c8d"),
    Category("regroupements", "Regroupements et occupation abusive", "#e67e22"),
    Category("stupefiants", "Trafic de stupéfiants suspecté", "#c0392b"),
    Category("circulation", "Stationnement, vitesse et rodéos", "#d35400"),
    Category("commerces", "Commerces et entreprises exposés", "#2c3e50"),
    Category("nuisances", "Nuisances et sentiment d'insécurité", "#e84393"),
    Category("autre", "Autre", "#95a5a6"),
)

SEVERITIES: dict[int, str] = {1: "Faible", 2: "Modérée", 3: "Forte", 4: "Critique"}
# Yellow to dark red: readable on a white or grey base map and in black-and-white print.
SEVERITY_COLORS: dict[int, str] = {1: "#fecc5c", 2: "#fd8d3c", 3: "#e31a1c", 4: "#800026"}

STATUSES: dict[str, str] = {
    "nouvelle": "Nouvelle",
    "transmise": "Transmise",
    "en_cours": "En cours",
    # A partner said « réalisé », or the due date passed: a contre-visite is due (issue 15).
    "a_revoir": "À revoir",
    "traitee": "Traitée",
    "classee": "Classée",
}
OPEN_STATUSES: frozenset[str] = frozenset({"nouvelle", "transmise", "en_cours", "a_revoir"})
CLOSED_STATUSES: frozenset[str] = frozenset({"traitee", "classee"})

# What a contre-visite finds (issue 15): only « levée » makes the observation « traitée ».
VISIT_FINDINGS: dict[str, str] = {
    "levee": "Levée",
    "partielle": "Partiellement levée",
    "non_levee": "Non levée",
}

FORCES: dict[str, str] = {
    "police_nationale": "Police nationale",
    "gendarmerie": "Gendarmerie nationale",
    "police_municipale": "Police municipale",
    "garde_nationale": "Garde nationale",
}

DEPARTMENTS: dict[str, str] = {"70": "Haute-Saône", "39": "Jura"}

# Communes' dispositifs (the commanders' map shows them, the import loads them).
DISPOSITIF_KINDS: dict[str, str] = {
    "participation_citoyenne": "Participation citoyenne",
    "voisins_solidaires": "Voisins solidaires",
}

# The kinds of partner an observation can be assigned to (partners are rows since issue 15).
PARTNER_KINDS: dict[str, str] = {
    "commune": "Commune / services techniques",
    "police_municipale": "Police municipale",
    "intercommunalite": "Intercommunalité",
    "bailleur": "Bailleur social",
    "transporteur": "Transporteur",
    "departement": "Conseil départemental",
    "prefecture": "Préfecture",
    "association": "Association",
    "commercant": "Commerçants / gestionnaire de site",
    "education": "Éducation nationale",
    "justice": "Justice / parquet",
    "forces": "Forces de sécurité (unité)",
    "autre": "Autre partenaire",
}


def partner_kind_label(code: str | None) -> str:
    return PARTNER_KINDS.get(code, code or "") if code else ""


_BY_CODE = {c.code: c for c in CATEGORIES}


def category(code: str) -> Category:
    """The category with this code; KeyError if unknown."""
    return _BY_CODE[code]


def category_label(code: str) -> str:
    return _BY_CODE[code].label if code in _BY_CODE else code


def severity_label(level: int) -> str:
    return SEVERITIES.get(int(level), str(level))


def status_label(code: str) -> str:
    return STATUSES.get(code, code)


def is_category(code: str) -> bool:
    return code in _BY_CODE
