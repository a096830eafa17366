"""The register of what the app does with data, built from the code's own rules (pure).

Roles and permissions come from `diagnostics.auth`, what leaves the forces from
`diagnostics.redaction`, the durations from `diagnostics.config`, what purge erases from
`diagnostics.services.retention` and `diagnostics.audit_chain`. Change a rule there and the
register (Administration → Registre) changes with it: the DPO's register and the impact
assessment start from what the software really does. French: it is read by people.
"""

from __future__ import annotations

from dataclasses import dataclass

from diagnostics import audit_chain, auth, config, redaction
from diagnostics.services import retention

PURPOSES = (
    (
        "Diagnostics de sûreté",
        "Relever, lors d'une visite d'un lieu par une équipe, des observations géolocalisées (prévention "
        "situationnelle) et les mesures préconisées.",
        "Prévention des atteintes à la sécurité publique (directive (UE) 2016/680, titre III de la loi "
        "Informatique et Libertés).",
    ),
    (
        "Suivi des préconisations",
        "Attribuer les observations aux partenaires, suivre leur statut, contre-visites, échéances.",
        "Idem : mission de prévention.",
    ),
    (
        "Information des maires et partenaires",
        "Cartes et listes de leur commune, sans texte confidentiel sauf champ marqué partageable.",
        "Idem ; partenariat local (CLSPD, cellule de veille).",
    ),
    (
        "Alertes aux commerçants abonnés",
        "SMS ou courriel ciblés par zone et métier, aux abonnés qui y ont consenti.",
        "Consentement de l'abonné (désinscription par STOP).",
    ),
    (
        "Contrôle interne",
        "Journal d'audit chaîné de chaque connexion, modification, export et purge.",
        "Traçabilité des accès (recommandation CNIL de 2021 sur la journalisation).",
    ),
)

# What each permission lets a role do, in French (a permission missing here shows its code).
PERMISSION_LABELS: dict[str, str] = {
    "record_diagnostic": "enregistrer et corriger des diagnostics",
    "review_observations": "consulter les observations de son périmètre",
    "command_map": "carte de commandement (noms des équipes et unités)",
    "mayor_page": "page de sa commune",
    "follow_up": "suivi : statut, attribution, commentaires",
    "partner_answers": "préconisations attribuées à son organisme",
    "manage_partners": "gérer les partenaires",
    "record_visit": "enregistrer une contre-visite",
    "reopen_diagnostic": "rouvrir un diagnostic clôturé",
    "export_snapshot": "exporter les cartes d'une commune (PNG, PDF, HTML, Excel)",
    "export_layers": "exporter les couches (GeoJSON, GeoPackage, CSV…)",
    "manage_accounts": "gérer les comptes",
    "manage_reference": "gérer les couches de référence",
    "read_audit": "lire et exporter le journal d'audit",
    "purge": "purger les données",
    "alerts": "rédiger et valider les alertes",
    "cellules": "préparer les cellules de veille, leurs ordres du jour et leurs décisions",
    "manage_subscribers": "gérer les abonnés aux alertes",
    "own_account": "régler son propre compte",
}
# Roles outside the forces: what they receive is redacted (diagnostics.redaction).
OUTSIDE_THE_FORCES = frozenset({auth.MAIRE, auth.PARTENAIRE})
FIELD_LABELS: dict[str, str] = {
    "id": "numéro",
    "observed_on": "date",
    "category": "catégorie",
    "severity": "gravité",
    "status": "statut",
    "commune_insee": "code INSEE",
    "commune_name": "commune",
    "shareable": "partageable (oui/non)",
    "shared_fields": "champs partagés",
    "participants": "participants",
    "context": "contexte",
    "summary": "synthèse",
    "author": "auteur",
    "description": "constat",
    "comment": "commentaires",
    "caption": "légendes de photos",
    "name": "noms",
    "phone": "numéros de téléphone",
    "email": "adresses électroniques",
}


@dataclass(frozen=True)
class Register:
    purposes: list[dict[str, str]]
    categories: list[dict[str, str]]
    recipients: list[dict[str, str]]
    retention: list[dict[str, str]]
    purged_note: str


def build_register() -> Register:
    return Register(
        purposes=[{"Finalité": a, "Ce que fait l'application": b, "Base": c} for a, b, c in PURPOSES],
        categories=_categories(),
        recipients=[_recipient(role, label) for role, label in auth.ROLES.items()],
        retention=_retention(),
        purged_note="Textes effacés par la purge : "
        + _labels(dict.fromkeys(retention.DIAGNOSTIC_TEXT + retention.OBSERVATION_TEXT))
        + " (diagnostics, observations), et leurs copies.",
    )


def _labels(codes) -> str:
    return ", ".join(FIELD_LABELS.get(code, code) for code in codes)


def _categories() -> list[dict[str, str]]:
    rows = [
        ("Diagnostics", "lieu, date, équipe, commune ; " + _labels(retention.DIAGNOSTIC_TEXT), "agents, commandants"),
        (
            "Observations",
            "géométrie (WGS84), catégorie, gravité, statut, préconisation ; " + _labels(retention.OBSERVATION_TEXT),
            "agents, commandants",
        ),
        ("Photos", "images JPEG (métadonnées retirées), légendes", "agents, commandants"),
        ("Suivi", "statuts, attributions, commentaires datés, contre-visites", "commandants"),
        (
            "Comptes et sessions",
            "identifiant, nom affiché, rôle, rattachement, courriel, empreinte du mot de "
            "passe, navigateur des sessions",
            "administrateurs",
        ),
        ("Abonnés aux alertes", "nom, téléphone, courriel, métier, communes, consentement", "administrateurs"),
        ("Courriels et alertes envoyés", "destinataire, objet, corps du message", "application"),
        (
            "Journal d'audit",
            "qui, quand, quoi, avant/après (textes libres scellés : "
            + _labels(sorted(audit_chain.PURGEABLE_KEYS))
            + ")",
            "administrateurs",
        ),
    ]
    return [{"Catégorie": a, "Données": b, "Saisies ou lues par": c} for a, b, c in rows]


def _recipient(role: str, label: str) -> dict[str, str]:
    granted = [PERMISSION_LABELS.get(code, code) for code, roles in auth.PERMISSIONS.items() if role in roles]
    if role in OUTSIDE_THE_FORCES:
        received = (
            f"toujours : {_labels(redaction.ALWAYS_SHARED)} ; si l'agent le marque partageable : "
            + ", ".join(label.lower() for label in redaction.SHAREABLE_FIELDS.values())
            + " ; jamais le nom des équipes ni des unités"
        )
    else:
        received = "toutes les données de son périmètre (équipe, départements ou ensemble)"
    return {"Rôle": label, "Code": role, "Peut": " ; ".join(granted) or "rien", "Reçoit": received}


def _retention() -> list[dict[str, str]]:
    days = config.retention_days()
    rows = [
        (
            "Noms et textes libres (diagnostics, observations, suivi, grilles, photos, brouillons, courriels)",
            f"{days} jours",
            "PSQ_RETENTION_DAYS",
            "anonymisés ou supprimés par la purge ; dates, lieux, catégories "
            "et préconisations restent pour les statistiques",
        ),
        (
            "Journal d'audit",
            _days(_safe(config.audit_retention_days)),
            "PSQ_AUDIT_RETENTION_DAYS",
            f"au plus {config.AUDIT_RETENTION_MAX_DAYS} jours ; lignes supprimées derrière un point de contrôle signé",
        ),
        (
            "Abonnés désinscrits",
            f"{config.subscriber_retention_days()} jours après le STOP",
            "PSQ_SUBSCRIBER_RETENTION_DAYS",
            "l'empreinte du numéro reste pour ne jamais le réinscrire",
        ),
        (
            "Sessions ouvertes",
            f"{config.session_idle_minutes()} minutes d'inactivité",
            "PSQ_SESSION_IDLE_MINUTES",
            f"les sessions terminées sont supprimées après {days} jours",
        ),
    ]
    return [{"Données": a, "Durée": b, "Réglage": c, "Ensuite": d} for a, b, c, d in rows]


def _safe(reader) -> int | str:
    try:
        return reader()
    except ValueError as exc:  # shown on the page rather than breaking it
        return str(exc)


def _days(value: int | str) -> str:
    return f"{value} jours" if isinstance(value, int) else value
