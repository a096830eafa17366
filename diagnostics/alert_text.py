"""The text of an alert: the template a commander fills, and the warnings about naming a shop or a person.

The victims are never named (« Alerte commerces » since 2010): a text that looks like it names a
shop (« bijouterie Martin », « SARL … ») or a person (« M. Dupont », « Madame … ») gets a warning,
as does one that contains the name of a subscriber. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

STOP_NOTICE = "STOP au numéro d'envoi pour ne plus recevoir."

_PERSON = re.compile(r"\b(?:M\.|Mme|Mlle|Mr|Monsieur|Madame|Mademoiselle)\s+[A-ZÀ-Ý][\w'-]+")
_SHOP_WORDS = (
    r"bijouterie|pharmacie|boulangerie|p[âa]tisserie|tabac|presse|garage|magasin|boutique|sup[ée]rette|"
    r"[ée]picerie|bar|caf[ée]|restaurant|h[ôo]tel|station|ferme|exploitation|entreprise|soci[ée]t[ée]|"
    r"[ée]tablissements?|ets|sarl|sas|sasu|eurl|gaec|earl|carrefour|leclerc|intermarch[ée]|lidl|aldi|auchan"
)
_SHOP_CAPITAL = re.compile(rf"\b(?:{_SHOP_WORDS})\s+(?:du |de la |de l'|des |de |d')?(?P<name>[\w'-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Template:
    zone: str = ""
    when: str = ""  # « 01/12/2026 vers 15 h »
    modus: str = ""
    vehicle: str = ""
    advice: str = ""


def compose(template: Template) -> str:
    """The proposed text: « ALERTE PSQ – zone, quand : mode opératoire. Véhicule. Conseil. STOP… »."""
    head = "ALERTE PSQ"
    place = ", ".join(part for part in (template.zone.strip(), template.when.strip()) if part)
    text = head + (f" – {place}" if place else "")
    if template.modus.strip():
        text += f" : {template.modus.strip().rstrip('.')}."
    if template.vehicle.strip():
        text += f" {template.vehicle.strip().rstrip('.')}."
    if template.advice.strip():
        text += f" {template.advice.strip().rstrip('.')}."
    return f"{text} {STOP_NOTICE}"


def naming_warnings(text: str, names: tuple[str, ...] = ()) -> list[str]:
    """French warnings when `text` looks like it names a person or a shop; `names` are the subscribers'."""
    warnings = []
    person = _PERSON.search(text)
    if person:
        warnings.append(
            f"Le texte semble nommer une personne (« {person.group(0)} ») : les victimes ne sont jamais nommées."
        )
    shop = next((m for m in _SHOP_CAPITAL.finditer(text) if m["name"][:1].isupper()), None)
    if shop:
        warnings.append(
            f"Le texte semble nommer un commerce (« {shop.group(0)} ») : le commerce victime n'est jamais nommé."
        )
    folded = text.casefold()
    for name in names:
        if len(name) >= 5 and name.casefold() in folded:
            warnings.append(
                f"Le texte contient le nom d'un abonné (« {name} ») : le commerce victime n'est jamais nommé."
            )
            break
    return warnings
