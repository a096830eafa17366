"""What each importable layer is, declared once: its fields, which are required, the geometry
kinds it takes, the column names each field may carry, its key and its table."""

from __future__ import annotations

from dataclasses import dataclass, field

from diagnostics import limits
from diagnostics.models import Commune, CommuneDispositif, Observation, PatrolZone, Sector, Site

POLYGONS = ("Polygon", "MultiPolygon")
ANY_SHAPE = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")

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
    "observed_on": ("observed_on", "date", "date_observation", "date_constat", "observe_le", "jour", "date_releve"),
    "description": ("description", "constat", "observation", "commentaire", "texte"),
    "recommendation": ("recommendation", "preconisation", "preconisat", "recommandation", "preconisations"),
    "partner": ("partner", "partenaire", "partenaire_concerne"),
    "status": ("status", "statut", "etat"),
    "shareable": ("shareable", "partageable", "diffusable"),
    "since": ("since", "depuis", "date", "date_adhesion", "date_signature", "date_convention"),
    "dispositif": ("dispositif", "kind", "type", "programme"),
    "import_key": ("import_key", "cle_import", "identifiant_de_soumission"),
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
    "import_key": "Identifiant de soumission",
}


@dataclass(frozen=True)
class LayerSpec:
    label: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    geometry_kinds: tuple[str, ...]  # empty: no geometry (the commune is found by code or name)
    model: type
    key: tuple[str, ...] = ()  # fields that identify an object; empty: every row is new
    derived: tuple[str, ...] = ()  # required fields the checks may fill in from others
    extra_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default_kind: str = ""  # `kind` when the file gives none
    # How a row finds its commune: "covered" (the covered commune under it, required), "under"
    # (the one given, else the one under it), "named" (by INSEE code or name), "" (none: communes).
    place: str = "under"
    column_names: dict[str, str] = field(default_factory=dict)  # field → table column, where they differ

    def column(self, name: str) -> str:
        return self.column_names.get(name, name)

    def aliases(self, name: str) -> tuple[str, ...]:
        return ALIASES[name] + self.extra_aliases.get(name, ())

    def key_of(self, record: dict):
        """The record's key (a value, or a tuple for several fields); None when incomplete."""
        values = tuple(record.get(name) for name in self.key)
        if not values or any(v is None or v == "" for v in values):
            return None
        return values[0] if len(values) == 1 else values


_AREA = ("name", "kind", "commune_insee", "source", "approximate")
SPECS: dict[str, LayerSpec] = {
    "observations": LayerSpec(
        label="Observations",
        fields=(
            "category",
            "severity",
            "observed_on",
            "description",
            "recommendation",
            "partner",
            "status",
            "shareable",
            "import_key",
        ),
        required=("category", "severity", "observed_on"),
        geometry_kinds=ANY_SHAPE,
        model=Observation,
        place="covered",
        # A form tool's submission id (Kobo, ODK): the same submission is stored once.
        column_names={"import_key": "form_token"},
    ),
    "zones": LayerSpec(
        label="Zones de patrouille",
        fields=("name", "unit", "kind", "schedule", "commune_insee", "source", "approximate"),
        required=("name",),
        geometry_kinds=POLYGONS,
        model=PatrolZone,
        key=("name",),
    ),
    "sectors": LayerSpec(
        label="Secteurs",
        fields=_AREA,
        required=("name",),
        geometry_kinds=POLYGONS,
        model=Sector,
        key=("name",),
        default_kind="secteur",
    ),
    "sites": LayerSpec(
        label="Sites",
        fields=("name", "kind", "commune_insee", "address", "source", "approximate"),
        required=("name",),
        geometry_kinds=("Point",),
        model=Site,
        key=("name",),
        extra_aliases={"kind": ("categorie",)},
        default_kind="autre",
    ),
    "communes": LayerSpec(
        label="Communes",
        fields=("commune_insee", "name", "department", "population"),
        required=("commune_insee", "name"),
        geometry_kinds=POLYGONS,
        model=Commune,
        key=("commune_insee",),
        extra_aliases={"commune_insee": ("code",)},
        column_names={"commune_insee": "insee"},
        place="",
    ),
    "dispositifs": LayerSpec(
        label="Dispositifs des communes",
        fields=("commune_insee", "name", "dispositif", "since", "source"),
        required=("dispositif",),
        geometry_kinds=(),
        model=CommuneDispositif,
        key=("commune_insee", "dispositif"),
        derived=("commune_insee",),
        extra_aliases={"name": ("commune", "ville")},
        column_names={"dispositif": "kind"},
        place="named",
    ),
}
LAYERS: dict[str, str] = {layer: spec.label for layer, spec in SPECS.items()}
FIELDS: dict[str, tuple[str, ...]] = {layer: spec.fields for layer, spec in SPECS.items()}


def text_limit(spec: LayerSpec, name: str) -> int:
    """The most characters the field's column holds (one declaration: `diagnostics.limits`)."""
    model, column = spec.model, spec.column(name)
    if column not in model.__table__.columns:  # dispositifs name their commune
        model, column = Commune, "name"
    return limits.limit(model, column)
