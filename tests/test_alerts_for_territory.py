"""`alerts_for_territory`: the alerts sent on a territory since a date, for the cellules de veille
(issues 16 and 17): sent only, since the date, overlapping the communes (a shared boundary is not
enough), within the commander's départements, refused to mayors."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.alert_models import Alert
from diagnostics.errors import PermissionDenied
from diagnostics.models import utcnow
from diagnostics.services import alerts
from diagnostics.services.alert_sending import send_alert
from tests.alert_helpers import SECOND_70, add_people, gray_alert
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, COMMANDANT_70, GRAY, MAIRE_GRAY, PUSEY, VESOUL


def sent(db, communes, text, *, send=True) -> int:
    alert_id = alerts.create_alert(db, COMMANDANT_70, gray_alert(communes=communes, text=text))
    alerts.approve_alert(db, SECOND_70, alert_id)
    if send:
        send_alert(db, COMMANDANT_70, alert_id)
    return alert_id


def test_alerts_sent_on_a_territory_since_a_date(db):
    add_people(db)
    old = sent(db, (GRAY[0],), "Alerte PSQ : ancienne alerte a Gray.")
    with db.session() as session:
        session.get(Alert, old).sent_at = utcnow() - dt.timedelta(days=40)
    gray = sent(db, (GRAY[0],), "Alerte PSQ : vols a Gray.")
    both = sent(db, (GRAY[0], VESOUL[0]), "Alerte PSQ : Gray et Vesoul.")
    pusey = sent(db, (PUSEY[0],), "Alerte PSQ : Pusey.")  # Vesoul's neighbour: a shared boundary only
    sent(db, (GRAY[0],), "Alerte PSQ : pas encore envoyee.", send=False)
    since = utcnow() - dt.timedelta(days=7)

    found = alerts.alerts_for_territory(db, COMMANDANT_70, (GRAY[0],), since)
    assert [a.id for a in found] == [gray, both]  # oldest first; neither the old one nor the unsent one
    assert found[0].text == "Alerte PSQ : vols a Gray." and found[0].status == "sent"
    assert found[0].recipient_count == 2 and found[0].counts["pending"] == 2  # queued, gateway not run
    assert [a.id for a in alerts.alerts_for_territory(db, ADMIN_ACTOR, [VESOUL[0]], since)] == [both]
    assert {a.id for a in alerts.alerts_for_territory(db, ADMIN_ACTOR, (VESOUL[0], PUSEY[0]), since)} == {both, pusey}
    longer = alerts.alerts_for_territory(db, ADMIN_ACTOR, (GRAY[0],), utcnow() - dt.timedelta(days=60))
    assert [a.id for a in longer] == [old, gray, both]
    assert alerts.alerts_for_territory(db, ADMIN_ACTOR, (), since) == []
    assert alerts.alerts_for_territory(db, ADMIN_ACTOR, ("99999",), since) == []


def test_alerts_for_territory_respects_the_departments(db):
    add_people(db)
    sent(db, (GRAY[0],), "Alerte PSQ : vols a Gray.")
    since = utcnow() - dt.timedelta(days=1)
    assert alerts.alerts_for_territory(db, COMMANDANT_39, (GRAY[0],), since) == []
    with pytest.raises(PermissionDenied):
        alerts.alerts_for_territory(db, MAIRE_GRAY, (GRAY[0],), since)
