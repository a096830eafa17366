"""Alertes › « Abonnés et métiers » (AppTest): administrators add, rename and retire trades, list the
subscribers with masked numbers and end a subscription after a confirmation; commanders see no such
tab and the services refuse them (issue 16)."""

from __future__ import annotations

import pytest

from diagnostics.errors import PermissionDenied
from diagnostics.services import subscribers
from tests.alert_helpers import add_people
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, app_as

PAGE = "diagnostics/ui/alertes.py"
TAB = "Abonnés et métiers"


def open_tab(actor):
    at = app_as(actor).switch_page(PAGE)
    at.session_state["alertes_tab"] = TAB
    at.run()
    return at


def submit(at, label):
    [button] = [b for b in at.button if b.label == label]
    button.click().run()


def pick(at):
    [box] = [b for b in at.selectbox if b.label == "Abonné"]
    return box


def confirm(at):
    [box] = [b for b in at.checkbox if b.label.startswith("Je confirme")]
    return box


def test_admin_edits_trades(db):
    at = open_tab(ADMIN_ACTOR)
    assert not at.exception
    at.text_input(key="category_new").set_value("Horlogerie *rare*")
    submit(at, "Ajouter le métier")
    assert not at.exception
    assert "Horlogerie *rare*" in subscribers.categories(db).values()
    assert r"Horlogerie \*rare\*" in at.success[0].value  # user text escaped in Markdown
    code = next(c for c, label in subscribers.categories(db).items() if label == "Horlogerie *rare*")

    at.selectbox(key="category_pick").set_value(code)
    at.text_input(key="category_rename").set_value("Horlogerie")
    submit(at, "Renommer")
    assert subscribers.categories(db)[code] == "Horlogerie"

    at.selectbox(key="category_pick").set_value(code)
    submit(at, "Retirer le métier")
    assert code not in subscribers.categories(db)

    at.text_input(key="category_new").set_value("")
    submit(at, "Ajouter le métier")
    assert "obligatoire" in at.error[0].value


def test_trade_in_use_is_not_retired(db):
    add_people(db)
    at = open_tab(ADMIN_ACTOR)
    at.selectbox(key="category_pick").set_value("bijouterie")
    submit(at, "Retirer le métier")
    assert "abonné(s) ont le métier" in at.error[0].value
    assert "bijouterie" in subscribers.categories(db)


def test_admin_lists_and_stops_a_subscriber_after_confirmation(db):
    ids = add_people(db)
    at = open_tab(ADMIN_ACTOR)
    [table] = [d.value for d in at.dataframe if "Numéro" in d.value.columns]
    assert len(table) == 5
    assert "+33612345601" not in table.to_string()  # masked even for administrators
    row = table[table["Nom"] == "Bijouterie de l'île"].iloc[0]
    assert row["Consentement le"] == "01/06/2026" and row["Métier"] == "Bijouterie"
    assert "Gray" in row["Commune(s)"]

    target = ids["+33612345601"]
    pick(at).set_value(target)
    submit(at, "Mettre fin à l'abonnement (STOP)")
    assert "Cochez la confirmation" in at.error[0].value
    assert all(s.opted_out_at is None for s in subscribers.list_subscribers(db, ADMIN_ACTOR))

    pick(at).set_value(target)
    confirm(at).check()
    submit(at, "Mettre fin à l'abonnement (STOP)")
    assert "terminé (STOP)" in at.success[0].value
    assert not confirm(at).value  # confirmed once, for that one only
    stopped = {s.id for s in subscribers.list_subscribers(db, ADMIN_ACTOR) if s.opted_out_at}
    assert stopped == {target}
    [table] = [d.value for d in at.dataframe if "Numéro" in d.value.columns]
    assert table[table["Nom"] == "Bijouterie de l'île"].iloc[0]["Désinscrit le"]
    options = pick(at).options
    assert len(options) == 4 and not [o for o in options if "Bijouterie de l'île" in o]


def test_commanders_have_no_subscriber_tab(db):
    add_people(db)
    at = app_as(COMMANDANT_70).switch_page(PAGE)
    at.run()
    assert not at.exception
    assert TAB not in [t.label for t in at.tabs]
    with pytest.raises(PermissionDenied):
        subscribers.list_subscribers(db, COMMANDANT_70)
    with pytest.raises(PermissionDenied):
        subscribers.stop_subscriber(db, COMMANDANT_70, 1)
    with pytest.raises(PermissionDenied):
        subscribers.save_category(db, COMMANDANT_70, "Horlogerie")
