"""Subscribers and alerts the alert tests share."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from diagnostics.auth import COMMANDANT, Actor
from diagnostics.services import subscribers
from diagnostics.services.alerts import AlertDraft
from diagnostics.services.subscribers import SubscriberDraft
from tests.conftest import ADMIN_ACTOR, GRAY, LONS, VESOUL

SECOND_70 = Actor(login="commandant2.test", role=COMMANDANT, departments=("70",))

# (name, number, trade, communes, e-mail)
PEOPLE = (
    ("Bijouterie de l'île", "+33612345601", "bijouterie", (GRAY[0],), "bijou@example.fr"),
    ("Pharmacie du pont", "+33612345602", "pharmacie", (GRAY[0],), ""),
    ("Boulangerie centre", "+33612345603", "boulangerie", (GRAY[0],), ""),
    ("Bijouterie Vesoul", "+33612345604", "bijouterie", (VESOUL[0],), ""),
    ("Bijouterie Lons", "+33612345605", "bijouterie", (LONS[0],), ""),
)
GRAY_JEWELLERS = {"33612345601", "33612345602"}  # what the SMSC sees (no +)


def add_people(db) -> dict[str, int]:
    ids = {}
    for name, phone, trade, communes, email in PEOPLE:
        draft = SubscriberDraft(name, phone, trade, dt.date(2026, 6, 1), email=email, communes=communes)
        ids[phone] = subscribers.add_subscriber(db, ADMIN_ACTOR, draft)
    return ids


GRAY_ALERT = AlertDraft(
    text="ALERTE PSQ – Gray, 01/12/2026 vers 15 h : faux agents des eaux. Utilitaire blanc. Ne les faites pas entrer.",
    categories=("bijouterie", "pharmacie"),
    target_kind="communes",
    communes=(GRAY[0],),
)


def gray_alert(**changes) -> AlertDraft:
    return replace(GRAY_ALERT, **changes)
