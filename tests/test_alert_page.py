"""The « Alertes » page (AppTest): compose, see the count, save; a second commander approves and
sends; the author cannot approve; the sent tab shows sent / delivered / failed (issue 16)."""

from __future__ import annotations

import json

import streamlit as st

from diagnostics.services import alerts
from tests.alert_helpers import SECOND_70, add_people, gray_alert
from tests.conftest import COMMANDANT_70, GRAY, MAIRE_GRAY, app_as

PAGE = "diagnostics/ui/alertes.py"


def open_page(actor):
    at = app_as(actor).switch_page(PAGE)
    at.run()
    return at


def test_compose_approve_and_send(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PSQ_SMS_URL", f"file://{tmp_path / 'sms'}")
    add_people(db)
    at = open_page(COMMANDANT_70)
    assert not at.exception
    at.text_area(key="alert_text").set_value(gray_alert().text).run()
    assert "UCS-2 — 2 SMS" in " ".join(c.value for c in at.caption)
    at.multiselect(key="alert_categories").set_value(["bijouterie", "pharmacie"]).run()
    at.multiselect(key="alert_communes").set_value([GRAY[0]]).run()
    at.button(key="alert_preview").click().run()
    assert at.metric[0].value == "2"
    at.button(key="alert_save").click().run()
    assert "une autre personne doit la valider" in at.success[0].value
    [alert] = alerts.list_alerts(db, COMMANDANT_70)

    at = open_page(COMMANDANT_70)  # the author sees the alert but no approval button
    at.session_state["alertes_tab"] = "À valider et envoyer"
    at.run()
    assert not [b for b in at.button if b.key == f"approve_{alert.id}"]

    other = open_page(SECOND_70)
    other.session_state["alertes_tab"] = "À valider et envoyer"
    other.run()
    other.button(key=f"approve_{alert.id}").click().run()
    assert "2 destinataire(s)" in other.success[0].value
    other.run()
    other.button(key=f"send_{alert.id}").click().run()
    assert "2 envoyé(s)" in other.success[0].value
    [path] = (tmp_path / "sms").iterdir()
    assert {json.loads(line)["to"] for line in path.read_text().splitlines()} == {"+33612345601", "+33612345602"}
    st.cache_resource.clear()


def test_mayors_do_not_open_the_page(db):
    at = open_page(MAIRE_GRAY)
    assert not at.exception
    assert not [b for b in at.button if b.key == "alert_preview"]
