"""Administration page (AppTest): accounts created show at once, the form empties, départements for
commandants, and an audit log in French (labels, Paris time, readable changes)."""

from __future__ import annotations

import re

from diagnostics.services import accounts
from tests.conftest import ADMIN_ACTOR
from tests.test_app_login import PASSWORD, app, log_in  # noqa: F401  (app is a fixture)


def open_admin(at):
    log_in(at.run(), "chef", PASSWORD)
    assert not at.exception and at.title[0].value == "Administration"  # an administrator lands here
    return at


def create(at, **fields):
    for key, value in fields.items():
        widget = at.text_input(key=key) if key in ("acc_login", "acc_name", "acc_password") else None
        if widget is not None:
            widget.input(value)
        elif key == "acc_departments":
            at.multiselect(key=key).set_value(value)
        else:
            at.selectbox(key=key).set_value(value)
    next(b for b in at.button if b.label == "Créer le compte").click()
    return at.run()


def test_a_created_account_is_listed_at_once_and_the_form_is_emptied(app, db):  # noqa: F811
    at = open_admin(app)
    create(
        at,
        acc_login="Chef.Jura",
        acc_name="Cne Martin",
        acc_role="commandant",
        acc_departments=["39"],
        acc_password="mot de passe solide",
    )
    assert not at.exception and "Compte chef.jura créé (Commandant, mot de passe)." in at.success[0].value
    table = at.dataframe[0].value
    row = table[table["Identifiant"] == "chef.jura"].iloc[0]
    assert (row["Rôle"], row["Départements"], row["Actif"]) == ("Commandant", "Jura (39)", "oui")
    assert at.text_input(key="acc_password").value == "" and at.text_input(key="acc_login").value == ""
    assert accounts.current_account(db, "chef.jura").departments == ("39",)
    assert "None" not in table.to_string()


def test_a_refused_account_says_why_under_the_field_and_forgets_the_password(app):  # noqa: F811
    at = open_admin(app)
    create(at, acc_login="x", acc_role="maire", acc_password="mot de passe solide")
    messages = [error.value for error in at.error]
    assert any(message.startswith("Identifiant invalide") for message in messages)
    assert any("rattaché à une commune" in message for message in messages)
    assert at.text_input(key="acc_login").value == "x" and at.text_input(key="acc_password").value == ""


def test_disabling_an_account_shows_in_the_list(app):  # noqa: F811
    at = open_admin(app)
    at.selectbox(key="acc_toggle").set_value("maire.gray").run()
    next(b for b in at.button if b.label == "Désactiver").click().run()
    assert "Compte maire.gray désactivé" in at.success[0].value
    table = at.dataframe[0].value
    assert table[table["Identifiant"] == "maire.gray"]["Actif"].iloc[0] == "non"


def test_the_audit_log_reads_in_french_with_paris_times(app, db):  # noqa: F811
    accounts.set_active(db, ADMIN_ACTOR, "agent.gray", False)
    at = open_admin(app)
    log = at.dataframe[2].value
    assert list(log.columns) == ["Date", "Qui", "Action", "Objet", "N°", "Changement", "Détail"]
    assert all(re.fullmatch(r"\d\d/\d\d/20\d\d \d\d:\d\d", date) for date in log["Date"])
    disabled = log[(log["Action"] == "Modification") & (log["N°"] == "agent.gray")].iloc[0]
    assert (disabled["Objet"], disabled["Changement"]) == ("Compte", "actif : oui → non")
    created = log[(log["Action"] == "Création") & (log["N°"] == "agent.gray")].iloc[0]
    assert created["Changement"] == "rôle : Agent de terrain ; équipe : Groupe de contact de Gray"
    assert "None" not in log.to_string() and "{" not in log.to_string()


def test_empty_cells_of_the_admin_tables_are_empty_not_none():
    import datetime as dt

    import pandas as pd

    from diagnostics.ui.admin_accounts import accounts_table
    from diagnostics.ui.tables import readable

    users = pd.DataFrame(
        [
            {"login": "agent.x", "role": "agent", "display_name": None, "team_id": 1, "commune": None},
            {"login": "maire.x", "role": "maire", "display_name": "M.", "team_id": None, "commune": "70279"},
        ]
    ).assign(
        departments=[None, ""], active=[True, False], sso_only=False, last_login_at=[None, dt.datetime(2026, 1, 1)]
    )
    table = accounts_table(users, {1: "Brigade"}, {"70279": "Gray"})
    assert list(table["Commune"]) == ["", "Gray"] and list(table["Actif"]) == ["oui", "non"]
    assert list(table["Équipe"]) == ["Brigade", ""] and list(table["Nom"]) == ["", "M."]
    history = readable(pd.DataFrame({"Avant": [None, "x"], "Approx.": [True, False], "N": [1, 2]}))
    assert history.to_dict("list") == {"Avant": ["", "x"], "Approx.": ["oui", "non"], "N": [1, 2]}
    assert not {"None", "nan", "NaN", "NaT", "True", "False"} & {str(cell) for cell in table.to_numpy().ravel()}
