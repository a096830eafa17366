"""Every user-facing French message of the services, in one place (a translation starts here).

Page labels stay in their page modules, which are short; messages raised by services, which
pages and tests share, live here.
"""

from __future__ import annotations

FR: dict[str, str] = {
    "database_lost": (
        "La base de données est momentanément inaccessible. Ce que vous avez saisi est conservé : "
        "réessayez dans un instant."
    ),
    "database_busy": (
        "La base de données est très sollicitée. Ce que vous avez saisi est conservé : réessayez dans un instant."
    ),
    "team_required": "Choisissez l'équipe qui réalise le diagnostic.",
    "team_unknown": "Cette équipe n'existe pas (ou plus) : choisissez-en une dans la liste.",
    "commune_required": "Choisissez la commune du diagnostic.",
    "commune_unknown": "Commune inconnue : {insee}.",
    "place_required": "Indiquez le lieu visité (rue, place, quartier…).",
    "date_required": "Indiquez la date du diagnostic.",
    "date_in_future": "La date du diagnostic ({date}) ne peut pas être dans le futur.",
    "date_too_old": "La date du diagnostic ({date}) est antérieure à 2000 : vérifiez-la.",
    "text_too_long": "Ce texte est trop long ({length} caractères, {limit} au maximum).",
    "diagnostic_unknown": "Diagnostic introuvable (n° {id}).",
    "category_required": "Choisissez une catégorie.",
    "severity_invalid": "Choisissez une gravité entre 1 (faible) et 4 (critique).",
    "description_required": "Décrivez ce qui a été observé.",
    "position_required": "Placez l'observation : cliquez sur la carte ou saisissez la latitude et la longitude.",
    "latitude_invalid": "Latitude invalide : un nombre en degrés décimaux entre -90 et 90 est attendu (ex. 47.4450).",
    "longitude_invalid": (
        "Longitude invalide : un nombre en degrés décimaux entre -180 et 180 est attendu (ex. 5.5922)."
    ),
    "geometry_invalid": "La forme dessinée n'est pas valide.",
    "outside_commune": (
        "Le point ({lat:.5f}, {lon:.5f}) est en dehors de la commune de {commune}. "
        "Cliquez à l'intérieur de la commune ou corrigez les coordonnées."
    ),
    # Follow-up of observations (issue 3)
    "observation_unknown": "Observation introuvable (n° {id}).",
    "status_invalid": "Choisissez un statut dans la liste.",
    "partner_kind_invalid": "Choisissez un type de partenaire dans la liste.",
    "partner_name_required": "Indiquez le partenaire précis (ex. « Commune de Gray », « Habitat 70 »).",
    "comment_date_in_future": "La date du commentaire ({date}) ne peut pas être dans le futur.",
    "nothing_to_save": "Rien à enregistrer : changez le statut, l'attribution, ou écrivez un commentaire.",
    "follow_up_conflict": (
        "L'observation n° {id} a été modifiée par {who} le {when} depuis que vous l'avez ouverte : "
        "votre modification n'a pas été enregistrée. Rechargez l'observation, vérifiez ses changements, "
        "puis refaites votre modification."
    ),
    "follow_up_conflict_unknown": (
        "L'observation n° {id} a été modifiée par quelqu'un d'autre depuis que vous l'avez ouverte : "
        "votre modification n'a pas été enregistrée. Rechargez l'observation puis refaites votre modification."
    ),
    # Field entry (issue 8)
    "diagnostic_closed": ("Le diagnostic n° {id} a été clôturé le {when} par {who} : il ne peut plus être modifié."),
    "diagnostic_already_closed": "Le diagnostic n° {id} est déjà clôturé.",
    "diagnostic_close_empty": "Ajoutez au moins une observation avant de clôturer le diagnostic.",
    # Corrections (issue 13)
    "correction_conflict_observation": (
        "L'observation n° {id} a été modifiée par {who} le {when} depuis que vous l'avez ouverte : vos "
        "changements n'ont pas été enregistrés. Ils restent dans le formulaire : enregistrez-les par-dessus "
        "la version enregistrée, ou annulez pour voir celle-ci."
    ),
    "correction_conflict_diagnostic": (
        "Le diagnostic n° {id} a été modifié par {who} le {when} depuis que vous l'avez ouvert : vos "
        "changements n'ont pas été enregistrés. Ils restent dans le formulaire : enregistrez-les par-dessus "
        "la version enregistrée."
    ),
    "correction_nothing_changed": "Rien à enregistrer : aucun champ n'a changé.",
    "photo_unknown": "Photo introuvable (n° {id}).",
    "diagnostic_not_closed": "Le diagnostic n° {id} n'est pas clôturé.",
    "reopen_reason_required": "Indiquez pourquoi le diagnostic est rouvert.",
}


def t(key: str, **values) -> str:
    """The French message for `key`, with its placeholders filled."""
    return FR[key].format(**values)
