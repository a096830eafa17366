"""What a notification says, for whom: pure functions from facts to a French subject and body.

The one rule: a reader outside the forces (a mayor, a partner, any role not listed in `FORCES`)
gets an observation through `redaction.redact_record` (free text only where the agent shared
that very field) and never the forces' own names (team, unit, author) nor their comments.
Anything a caller passes in `data` reaches such a reader only if its key is in `SHAREABLE_DATA`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from diagnostics import localtime, taxonomy
from diagnostics.auth import ADMIN, AGENT, COMMANDANT
from diagnostics.redaction import redact_record

FORCES = frozenset({AGENT, COMMANDANT, ADMIN})
KINDS: dict[str, str] = {
    "assignment": "Observation attribuée",
    "partner_answer": "Réponse d'un partenaire",
    "due_passed": "Échéance dépassée",
    "revisit_due": "Contre-visite à faire",
    "revisit_result": "Résultat de contre-visite",
    "delivery": "Carte mensuelle",
    "meeting_pack": "Dossier de réunion",
    "digest": "Résumé quotidien",
    "decision": "Décision de la cellule de veille",
    "decision_answer": "Réponse d'un partenaire à une décision",
    "decision_due": "Échéance d'une décision dépassée",
}
SUBJECT_PREFIX = "[PSQ]"
# `data` keys a reader outside the forces may read (codes, dates and the partner's own name).
# A decision's text is written by the commander for the partner it is given to.
SHAREABLE_DATA = frozenset(
    {
        "due_on",
        "answer",
        "finding",
        "partner_name",
        "visited_on",
        "period",
        "commune",
        "decision",
        "cellule",
        "meeting_on",
    }
)
DATA_LABELS: dict[str, str] = {
    "cellule": "Cellule",
    "decision": "Décision",
    "partner_name": "Partenaire",
    "due_on": "Échéance",
    "answer": "Réponse",
    "finding": "Constat de la contre-visite",
    "visited_on": "Date de la visite",
    "period": "Période",
    "commune": "Commune",
    "meeting_on": "Date de la réunion",
    "comment": "Commentaire",
    "reason": "Motif",
}
ANSWERS: dict[str, str] = {
    "pris_en_compte": "Pris en compte",
    "realise": "Réalisé",
    "hors_competence": "Hors de ma compétence",
}
FINDINGS: dict[str, str] = {
    "levee": "Levée",
    "partielle": "Partiellement levée",
    "non_levee": "Non levée",
}
# Where each role reads an observation in the app (url path of its page).
LINK_PATHS: dict[str, str] = {AGENT: "saisie", COMMANDANT: "carte", ADMIN: "carte"}
DEFAULT_LINK_PATH = "preconisations"  # mayors and partners: « Mes préconisations »
# Without an observation (the monthly map): each role's home page.
HOME_PATHS: dict[str, str] = {"maire": "commune"}
# A decision of a cellule (`?decision=N`): where each role reads it. Agents have no page with
# decisions: theirs link to their home page.
DECISION_PATHS: dict[str, str] = {COMMANDANT: "cellules", ADMIN: "cellules", "maire": "preconisations",
                                  "partenaire": "preconisations"}  # fmt: skip
FOOTER = (
    "Message automatique de l'application PSQ diagnostics : ne répondez pas à ce courriel.\n"
    "Vous pouvez choisir de recevoir ces messages immédiatement, en résumé quotidien ou pas du tout "
    "sur la page « Mon compte »."
)


@dataclass(frozen=True)
class Composed:
    subject: str
    body: str


def is_forces(role: str) -> bool:
    return role in FORCES


def compose(
    kind: str,
    role: str,
    *,
    observation: Mapping[str, object] | None,
    data: Mapping[str, object] | None,
    public_url: str,
) -> Composed:
    """The subject and plain-text body of a `kind` message for a reader of `role`."""
    title = KINDS[kind]
    facts = observation_lines(observation, role) if observation else []
    details = data_lines(data or {}, role)
    data = data or {}
    commune = observation.get("commune_name") if observation else data.get("commune")
    where = f" — {commune}" if commune else ""
    number = f" : observation n° {observation['id']}" if observation else ""
    when = f" — {data['period']}" if kind == "delivery" and data.get("period") else ""
    if kind == "meeting_pack" and data.get("cellule"):
        when = f" — {data['cellule']} — {_text(data.get('meeting_on') or '')}"
    subject = f"{SUBJECT_PREFIX} {title}{number}{where}{when}"
    lines = [_opening(kind, observation is not None, is_forces(role)), ""]
    lines += details + ([""] if details else []) + facts
    link = app_link(public_url, role, observation["id"] if observation else None, data.get("decision_id"))
    if link:
        lines += ["", f"Ouvrir dans l'application : {link}"]
    lines += ["", "--", FOOTER]
    return Composed(subject[:250], "\n".join(lines).strip() + "\n")


def _opening(kind: str, about_observation: bool, forces: bool) -> str:
    if kind == "assignment" and not forces:
        return "Une observation vous a été attribuée : indiquez dans l'application la suite que vous lui donnez."
    if kind == "decision":
        return (
            "La cellule de veille a pris une décision qui vous concerne : indiquez sur la page "
            "« Mes préconisations » la suite que vous lui donnez."
        )
    openings = {
        "assignment": "Une observation a été attribuée à un partenaire.",
        "partner_answer": "Un partenaire a répondu sur une observation.",
        "due_passed": "L'échéance de traitement de cette observation est dépassée.",
        "revisit_due": "Une contre-visite est à faire pour vérifier cette observation.",
        "revisit_result": "Une contre-visite a été enregistrée.",
        "decision_answer": "Un partenaire a répondu sur une décision de la cellule de veille.",
        "decision_due": "L'échéance de cette décision de la cellule de veille est dépassée : indiquez sur la page "
        "« Mes préconisations » où en est sa mise en œuvre.",
        "delivery": "Veuillez trouver ci-joint la carte des observations de votre commune pour la période.",
        "meeting_pack": "Veuillez trouver ci-joint le dossier de la réunion de la cellule de veille. "
        "Document confidentiel — diffusion restreinte aux membres de la cellule.",
    }
    return openings.get(kind, KINDS[kind] + ("." if about_observation else ""))


def observation_lines(observation: Mapping[str, object], role: str) -> list[str]:
    """The observation as the reader may read it: redacted and without the forces' names outside them."""
    values = dict(observation) if is_forces(role) else redact_record(observation)
    lines = [
        f"Observation n° {values['id']}",
        f"Commune : {values.get('commune_name') or '—'}",
        f"Catégorie : {taxonomy.category_label(str(values.get('category') or 'autre'))}",
        f"Gravité : {taxonomy.severity_label(int(values.get('severity') or 1))}",
        f"Statut : {taxonomy.status_label(str(values.get('status') or 'nouvelle'))}",
    ]
    if values.get("observed_on"):
        lines.append(f"Date du constat : {_text(values['observed_on'])}")
    for key, label in (("description", "Constat"), ("recommendation", "Mesures préconisées")):
        if values.get(key):
            lines.append(f"{label} : {values[key]}")
    if is_forces(role) and values.get("team_name"):
        lines.append(f"Équipe : {values['team_name']}")
    return lines


def data_lines(data: Mapping[str, object], role: str) -> list[str]:
    lines = []
    for key, value in data.items():
        if value in (None, "") or (not is_forces(role) and key not in SHAREABLE_DATA):
            continue
        label = DATA_LABELS.get(key)
        if label is None:
            continue  # unknown keys are never printed: a caller cannot leak by a new key
        shown = ANSWERS.get(str(value)) or FINDINGS.get(str(value)) or _text(value)
        lines.append(f"{label} : {shown}")
    return lines


def app_link(public_url: str, role: str, observation_id: int | None, decision_id: object = None) -> str:
    """Where the message opens the app: the observation, else the decision, else the home page."""
    if not public_url:
        return ""
    if observation_id:
        path, query = LINK_PATHS.get(role, DEFAULT_LINK_PATH), {"observation": observation_id}
    elif decision_id and role in DECISION_PATHS:
        path, query = DECISION_PATHS[role], {"decision": decision_id}
    else:
        path, query = HOME_PATHS.get(role, ""), {}
    return f"{public_url.rstrip('/')}/{path}" + (f"?{urlencode(query)}" if query else "")


def digest(day: dt.date, parts: list[tuple[str, str]]) -> Composed:
    """One e-mail holding a day's messages (subject, body), in the order they were written."""
    subject = f"{SUBJECT_PREFIX} Résumé du {localtime.format_date(day)} : {len(parts)} message(s)"
    sections = [f"{index}. {title}\n\n{_without_footer(body)}" for index, (title, body) in enumerate(parts, 1)]
    body = "\n\n".join(sections) + "\n\n--\n" + FOOTER + "\n"
    return Composed(subject, body)


def _without_footer(body: str) -> str:
    return body.split("\n--\n", 1)[0].strip()


def _text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return localtime.format_datetime(value)
    if isinstance(value, dt.date):
        return localtime.format_date(value)
    return str(value)
