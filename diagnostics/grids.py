"""Diagnostic grids: a checklist of situational-prevention items, scored 1–5 or « sans objet ».

Pure: templates and answers are plain data (dicts, JSON in the database); no database here.

A template is a list of themes, each with items:

    {"name": "Grille prévention situationnelle", "themes": [
        {"code": "eclairage", "label": "Éclairage", "items": [
            {"code": "eclairage_fonctionnel", "label": "Les points lumineux fonctionnent"}, ...]}]}

An answer per item: {"score": 1..5 or None for « sans objet », "comment": "..."}. Scores read
1 = très défavorable … 5 = très favorable. A theme's score is the mean of its scored items; the
diagnostic's score is the mean of its themes' scores (each theme weighs the same, however many
items it has). Items not answered or « sans objet » count in neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCORES = (1, 2, 3, 4, 5)
SCORE_LABELS = {
    1: "1 — très défavorable",
    2: "2 — défavorable",
    3: "3 — moyen",
    4: "4 — favorable",
    5: "5 — très favorable",
}
NOT_APPLICABLE = "sans objet"
NOT_APPLICABLE_CHOICE = "SO"  # what the form offers beside the scores
CHOICES = (*SCORES, NOT_APPLICABLE_CHOICE)
MAX_COMMENT = 1000
MAX_ITEMS = 200

DEFAULT_TEMPLATE: dict = {
    "name": "Grille de prévention situationnelle",
    "themes": [
        {
            "code": "eclairage",
            "label": "Éclairage",
            "items": [
                {"code": "eclairage_fonctionne", "label": "Les points lumineux fonctionnent"},
                {"code": "eclairage_homogene", "label": "L'éclairage est homogène, sans zone d'ombre"},
                {"code": "eclairage_cheminements", "label": "Les cheminements piétons sont éclairés"},
            ],
        },
        {
            "code": "visibilite",
            "label": "Visibilité et surveillance naturelle",
            "items": [
                {"code": "visibilite_degagee", "label": "Vues dégagées (pas de masques, recoins, végétation)"},
                {"code": "visibilite_facades", "label": "Fenêtres et commerces donnent sur l'espace"},
                {"code": "visibilite_signaletique", "label": "Signalétique lisible (noms de rue, numéros)"},
            ],
        },
        {
            "code": "acces",
            "label": "Accès et cheminements",
            "items": [
                {"code": "acces_controles", "label": "Les accès aux halls et parkings sont contrôlés"},
                {"code": "acces_lisibles", "label": "Cheminements lisibles, sans impasse"},
                {"code": "acces_secours", "label": "Accès des secours et des patrouilles possible"},
            ],
        },
        {
            "code": "entretien",
            "label": "Entretien et propreté",
            "items": [
                {"code": "entretien_degradations", "label": "Absence de dégradations et de tags"},
                {"code": "entretien_proprete", "label": "Absence de dépôts sauvages"},
                {"code": "entretien_mobilier", "label": "Mobilier urbain en bon état"},
            ],
        },
        {
            "code": "videoprotection",
            "label": "Vidéoprotection",
            "items": [
                {"code": "video_couverture", "label": "Le lieu est couvert par des caméras"},
                {"code": "video_etat", "label": "Les caméras sont en état et non masquées"},
            ],
        },
        {
            "code": "usages",
            "label": "Usages et occupation",
            "items": [
                {"code": "usages_mixite", "label": "Usages variés à différentes heures"},
                {"code": "usages_regroupements", "label": "Absence de regroupements gênants"},
                {"code": "usages_stationnement", "label": "Stationnement et circulation apaisés"},
            ],
        },
    ],
}


class GridError(ValueError):
    """A template or an answer is not valid; `errors` lists French messages."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(" ; ".join(errors))


@dataclass(frozen=True)
class ThemeScore:
    code: str
    label: str
    score: float | None  # None when no item of the theme was scored
    scored: int
    not_applicable: int
    total: int


@dataclass(frozen=True)
class GridScore:
    themes: tuple[ThemeScore, ...]
    score: float | None

    @property
    def answered(self) -> int:
        return sum(t.scored + t.not_applicable for t in self.themes)

    @property
    def total(self) -> int:
        return sum(t.total for t in self.themes)


def score_grid(template: dict, answers: dict[str, dict]) -> GridScore:
    """Scores per theme and for the whole grid (means, rounded to one decimal)."""
    themes = []
    for theme in template["themes"]:
        scores, not_applicable = [], 0
        for item in theme["items"]:
            answer = answers.get(item["code"]) or {}
            if answer.get("na"):
                not_applicable += 1
            elif answer.get("score") in SCORES:
                scores.append(answer["score"])
        mean = round(sum(scores) / len(scores), 1) if scores else None
        themes.append(ThemeScore(theme["code"], theme["label"], mean, len(scores), not_applicable, len(theme["items"])))
    theme_scores = [t.score for t in themes if t.score is not None]
    overall = round(sum(theme_scores) / len(theme_scores), 1) if theme_scores else None
    return GridScore(tuple(themes), overall)


def answer_from_choice(choice: int | str | None, comment: str | None) -> dict:
    """An answer from the form: a score, « SO » (sans objet: no score, counted apart) or nothing."""
    not_applicable = choice == NOT_APPLICABLE_CHOICE
    return {"score": None if not_applicable else choice, "na": not_applicable, "comment": comment or ""}


def choice_of(answer: dict) -> int | str | None:
    """What the form shows for a stored answer."""
    return NOT_APPLICABLE_CHOICE if answer.get("na") else answer.get("score")


def clean_answers(template: dict, answers: dict[str, dict]) -> dict[str, dict]:
    """Only the template's items, each {"score": 1..5 | None, "na": bool, "comment": str}."""
    codes = {item["code"]: item["label"] for theme in template["themes"] for item in theme["items"]}
    cleaned, errors = {}, []
    for code, answer in (answers or {}).items():
        if code not in codes or not isinstance(answer, dict):
            continue
        score = answer.get("score")
        na = bool(answer.get("na"))
        comment = str(answer.get("comment") or "").strip()
        if score is not None and score not in SCORES:
            errors.append(f"« {codes[code]} » : note entre 1 et 5 ou « sans objet » attendue.")
        if len(comment) > MAX_COMMENT:
            errors.append(f"« {codes[code]} » : commentaire trop long ({len(comment)} caractères, {MAX_COMMENT} max).")
        if score is None and not na and not comment:
            continue
        cleaned[code] = {"score": None if na else score, "na": na, "comment": comment}
    if errors:
        raise GridError(errors)
    return cleaned


def validate_template(template: dict) -> dict:
    """A template checked and normalised (codes made from labels when missing); GridError if not."""
    errors: list[str] = []
    name = str((template or {}).get("name") or "").strip()
    if not name:
        errors.append("Donnez un nom à la grille.")
    themes_out, seen = [], set()
    for position, theme in enumerate((template or {}).get("themes") or [], start=1):
        label = str(theme.get("label") or "").strip()
        if not label:
            errors.append(f"Thème n° {position} : donnez-lui un intitulé.")
            continue
        theme_code = theme.get("code") or slug(label)
        items = []
        for item in theme.get("items") or []:
            item_label = str(item.get("label") or "").strip()
            if not item_label:
                continue
            code = item.get("code") or slug(f"{theme_code}_{item_label}")
            if code in seen:
                errors.append(f"Critère en double : « {item_label} ».")
                continue
            seen.add(code)
            items.append({"code": code, "label": item_label})
        if not items:
            errors.append(f"Thème « {label} » : ajoutez au moins un critère.")
        themes_out.append({"code": theme_code, "label": label, "items": items})
    if not themes_out:
        errors.append("La grille doit contenir au moins un thème.")
    if len(seen) > MAX_ITEMS:
        errors.append(f"Trop de critères ({len(seen)}, {MAX_ITEMS} au maximum).")
    if errors:
        raise GridError(errors)
    return {"name": name, "themes": themes_out}


def template_to_text(template: dict) -> str:
    """An editable plain-text form: « # Thème » lines, then one criterion per « - » line."""
    lines = []
    for theme in template["themes"]:
        lines.append(f"# {theme['label']}")
        lines += [f"- {item['label']}" for item in theme["items"]]
    return "\n".join(lines)


def template_from_text(name: str, text: str, previous: dict | None = None) -> dict:
    """Parse the plain-text form back; criteria keep their codes when their label is unchanged,
    so answers already given stay attached."""
    known = {}
    for theme in (previous or {}).get("themes", []):
        known[("theme", theme["label"])] = theme["code"]
        for item in theme["items"]:
            known[("item", item["label"])] = item["code"]
    themes: list[dict] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            label = line.lstrip("#").strip()
            themes.append({"code": known.get(("theme", label)), "label": label, "items": []})
        elif line.startswith(("-", "*", "•")):
            label = line[1:].strip()
            if not themes:
                themes.append({"label": "Général", "items": []})
            themes[-1]["items"].append({"code": known.get(("item", label)), "label": label})
        elif line:
            raise GridError([f"Ligne non comprise : « {line[:60]} » (commencez par « # » ou « - »)."])
    return validate_template({"name": name, "themes": themes})


def slug(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:60] or "x"
