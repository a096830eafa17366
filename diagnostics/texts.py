"""Every user-facing French message of the services, in one place (a translation starts here).

Page labels stay in their page modules, which are short; messages raised by services, which
pages and tests share, live here.
"""

from __future__ import annotations

# Importing files and editing reference layers (services/imports, services/reference_edits, io/).
IMPORTS: dict[str, str] = {
    # the file as a whole
    "extension": "Extension de fichier non reconnue : « {name} ». Extensions acceptées : {known}.",
    "too_large": "Fichier trop volumineux : {size} Mo pour {limit} Mo au plus (réglage PSQ_IMPORT_MAX_MB).",
    "file_empty": "Le fichier est vide.",
    "mismatch": "Le fichier « {name} » n'est pas ce que son nom annonce ({claimed}) : {seen}. Il est refusé.",
    "seen_format": "son contenu est un fichier {label}",
    "seen_text": "son contenu est du texte, pas un fichier {claimed}",
    "seen_binary": "son contenu est {what}",
    "seen_xml": "son contenu est du XML sans balise <{tag}>",
    "xml_declarations": (
        "Le fichier « {name} » déclare une DTD ou des entités XML (<!DOCTYPE, <!ENTITY), ce dont ni un GPX "
        "ni un KML n'a besoin : il est refusé."
    ),
    "seen_not_shp": "son contenu n'est pas celui d'un fichier .shp",
    "unreadable": "Fichier illisible ({format}) : {reason}",
    "nul_bytes": (
        "Le fichier contient des caractères nuls (octet 0) : ce n'est pas un CSV de tableur, ou il est "
        "abîmé. Enregistrez-le à nouveau depuis le tableur (CSV UTF-8)."
    ),
    "indirection": (
        "Le fichier « {name} » renvoie vers d'autres sources ({what}) : ce type de fichier est refusé. "
        "Exportez les données elles-mêmes (GeoJSON, GeoPackage, Shapefile, KML ou CSV)."
    ),
    "parser_crashed": (
        "La lecture du fichier a échoué (le lecteur s'est arrêté brutalement) : le fichier est abîmé ou "
        "malveillant. Il est refusé ; rien n'a été écrit."
    ),
    "reader_failed": "le lecteur a rencontré une erreur inattendue",
    "wrong_driver": "Le fichier n'a pas pu être lu comme un fichier {format} : il est refusé.",
    "parser_timeout": "La lecture du fichier a pris plus de {seconds} s : elle est abandonnée ; rien n'a été écrit.",
    "parser_memory": (
        "La lecture du fichier demande plus de {megabytes} Mo de mémoire : elle est abandonnée ; rien n'a été écrit."
    ),
    "no_position": (
        "Aucune colonne de position reconnue (latitude/longitude, X/Y Lambert-93 ou WKT). "
        "Colonnes du fichier : {columns}."
    ),
    "odk_recognised": "Export {tool} reconnu : position lue dans « {position} » ; {found}.",
    "odk_key": "identifiant de soumission « {column} » (une soumission déjà importée n'est pas ajoutée deux fois)",
    "submission_twice": "même identifiant de soumission qu'à la ligne {other} : importée une seule fois",
    "odk_date": "date de « {column} » (jour à Paris)",
    "encoding_detected": "Attributs du shapefile lus en {encoding} ({why}).",
    "encoding_utf8": "UTF-8 : le fichier .cpg manque, mais le texte est de l'UTF-8 valide",
    "encoding_cp1252": "Windows-1252 : le fichier .cpg manque et le texte n'est pas de l'UTF-8",
    "shp_needs_zip": (
        "Un shapefile est exporté en archive zip (.shp, .shx, .dbf, .prj ensemble) : « {name} » ne finit pas "
        "par .zip. Nommez le fichier, par exemple, « {suggested} »."
    ),
    # archives
    "zip_no_shp": "L'archive ne contient aucun fichier .shp.",
    "zip_too_many": "L'archive contient trop de fichiers ({count}, {limit} au plus).",
    "zip_too_large": "L'archive décompressée ferait {size} Mo ({limit} Mo au plus) : refusée.",
    "zip_lies": (
        "Le fichier « {name} » de l'archive est plus gros que ce que l'archive annonce : elle est refusée "
        "(archive piégée ou abîmée)."
    ),
    "zip_dangerous": "Nom de fichier dangereux dans l'archive : « {name} ». Elle est refusée.",
    "zip_symlink": "Lien symbolique dans l'archive : « {name} ». Elle est refusée.",
    "zip_twice": "Deux fichiers portent le nom « {name} » dans l'archive.",
    "zip_broken": "Archive zip illisible ou abîmée : {reason}",
    "track_times": "Trace GPX du {first} au {last} (heure de Paris)",
    "kmz_no_kml": "Le fichier KMZ ne contient aucun fichier KML (doc.kml).",
    "kmz_nested": "Le fichier KMZ contient un autre KMZ : il est refusé. Ouvrez-le et exportez un seul KMZ.",
    # spreadsheets (io/spreadsheet)
    "sheet_protected": (
        "Le classeur est protégé par un mot de passe (ou c'est un ancien fichier .xls) : enregistrez-le "
        "sans mot de passe au format .xlsx ou .ods, puis importez-le."
    ),
    "sheet_broken": "Classeur {format} illisible ou abîmé : {reason}",
    "sheet_not_workbook": "Le fichier n'est pas un classeur {format} lisible : il est refusé.",
    "sheet_unknown": "La feuille « {sheet} » n'existe pas dans ce classeur. Feuilles : {sheets}.",
    "sheet_empty": "La feuille « {sheet} » est vide : il faut une ligne d'en-tête et au moins une ligne.",
    "sheet_cell_too_long": (
        "Une valeur est trop longue pour une cellule de tableur ({length} caractères, {limit} au plus) : "
        "exportez cette couche en GeoPackage ou en GeoJSON."
    ),
    "sheet_option": "L'option --sheet ne vaut que pour un classeur (.xlsx ou .ods).",
    # rows
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
    "degrees_out_of_range": (
        "coordonnées impossibles (longitude {x:g}, latitude {y:g}) : en degrés, la latitude va de -90 à 90 "
        "et la longitude de -180 à 180 ; vérifiez ces colonnes"
    ),
    "degrees_as_metres": (
        "coordonnées en degrés ({x:.5f}, {y:.5f}) alors que le fichier annonce Lambert-93 : "
        "choisissez le système WGS84 (EPSG:4326)"
    ),
    "outside": "position hors de la Haute-Saône et du Jura (latitude {lat:.5f}, longitude {lon:.5f})",
    "outside_communes": "position hors des communes couvertes (latitude {lat:.5f}, longitude {lon:.5f})",
    "repaired": "géométrie invalide réparée ({reason})",
    "unrepairable": "géométrie invalide, non réparable sans risque ({reason})",
    "too_many_vertices": (
        "forme trop détaillée ({count} sommets, {limit} au plus) : simplifiez-la dans votre logiciel SIG "
        "avant de l'importer"
    ),
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
    "commune_or_name": "Code INSEE ou nom de commune",
    "dispositif": "dispositif « {value} » inconnu (participation citoyenne ou voisins solidaires)",
    "text_too_long": "{field} trop long ({length} caractères, {limit} au plus)",
    "number": "{field} « {value} » n'est pas un nombre entier",
    "commune_renamed": "la commune {insee} s'appelle « {old} » dans la base : elle sera renommée « {new} »",
    "commune_overlaps": (
        "nouvelle commune qui recouvre {names} déjà dans la base (fusion ou séparation de communes ?) : "
        "vérifiez avant d'importer"
    ),
    # the file's columns and coordinate system
    "crs_missing": (
        "Le fichier n'indique pas son système de coordonnées : {guess} est supposé d'après les valeurs. "
        "Choisissez-le s'il est différent."
    ),
    "crs_unknown": "Système de coordonnées inconnu : « {value} » (ex. EPSG:2154 pour Lambert-93).",
    "fields_kept": (
        "Colonnes absentes du fichier : {fields}. Pour les objets déjà dans la base, ces valeurs sont gardées "
        "telles quelles."
    ),
    # summary, commit
    "summary": (
        "{layer} : {count} objet(s) lu(s) dans « {name} » ({format}, {crs}) — {valid} valide(s) dont {fixed} "
        "réparé(s), {rejected} rejeté(s)."
    ),
    "actions": "Si vous importez : {added} ajout(s), {updated} mise(s) à jour, {same} inchangé(s).",
    "result": (
        "{layer} : {added} ajouté(s), {updated} mis à jour, {same} inchangé(s), "
        "{skipped} ligne(s) rejetée(s) non importée(s)."
    ),
    "refused": (
        "{count} ligne(s) rejetée(s) : rien n'a été écrit. Corrigez le fichier, ou choisissez "
        "d'importer seulement les {valid} ligne(s) valide(s)."
    ),
    "nothing": "Aucune ligne valide à importer.",
    "team_required": "Choisissez l'équipe à laquelle rattacher les observations importées.",
    "team_unknown": "Cette équipe n'existe pas.",
    "already_imported": "Ce fichier a déjà été importé (diagnostic {reference}) : rien n'a été écrit.",
    "already_imported_now": "Ce fichier a déjà été importé (par un import simultané) : rien n'a été écrit.",
    "layer_unknown": "Couche inconnue : « {value} ». Couches possibles : {choices}.",
    "empty": "Le fichier ne contient aucun objet.",
    "import_context": "Observations importées depuis « {name} » ({format}).",
    "import_place": "Import : {name}",
    # drawing on the map (reference_edits)
    "name_required": "Donnez un nom.",
    "name_taken": "Le nom « {name} » est déjà pris par un autre objet de cette couche.",
    "name_too_long": "Le nom est trop long ({length} caractères, {limit} au plus).",
    "polygon_required": "Dessinez un polygone (ou un rectangle) pour une zone ou un secteur.",
    "point_required": "Placez un point (marqueur) pour un site.",
    "geometry_invalid": "La forme dessinée n'est pas valide ({reason}) : redessinez-la sans que le contour se recoupe.",
    "drawn_outside": "La forme sort de la Haute-Saône et du Jura : dessinez-la sur le territoire couvert.",
    "object_unknown": "{layer} introuvable : « {key} ».",
    "drawn_commune_unknown": "Commune inconnue : {insee}.",
}


def imports_text(key: str, **values) -> str:
    """The French message `key` of imports and reference edits, with its placeholders filled."""
    return IMPORTS[key].format(**values)


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
    "form_token_reused": "Ce formulaire a déjà servi pour un autre diagnostic : rechargez la page.",
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
    # Contre-visites (issue 15)
    "visit_other_team": (
        "L'observation n° {id} appartient à une autre équipe : seule son équipe (ou un commandant) "
        "en fait la contre-visite."
    ),
    "visit_closed": "L'observation n° {id} est déjà {status} : il n'y a plus de contre-visite à faire.",
    "visit_finding_required": "Choisissez le constat : levée, partiellement levée ou non levée.",
    "visit_date_required": "Indiquez la date de la contre-visite.",
    "visit_date_future": "La date de la contre-visite ({date}) ne peut pas être dans le futur.",
    "visit_date_before": "La contre-visite ({date}) ne peut pas précéder l'observation ({observed}).",
    "visit_event": "Contre-visite du {date} : {finding}.",
    "closing_reason_required": (
        "Une observation ne devient « traitée » que par une contre-visite qui la constate levée, ou par "
        "un commandant qui écrit pourquoi : indiquez le motif dans le commentaire."
    ),
}


def t(key: str, **values) -> str:
    """The French message for `key`, with its placeholders filled."""
    return FR[key].format(**values)
