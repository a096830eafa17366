"""Login before any page, pages per role, logout and idle expiry, through AppTest."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from diagnostics.config import PROJECT_ROOT
from diagnostics.services.accounts import NewAccount, add_user
from tests.conftest import ADMIN_ACTOR, GRAY, app_as

APP = str(PROJECT_ROOT / "streamlit_app.py")
PASSWORD = "mot de passe solide"


@pytest.fixture
def app(db, team_id):
    add_user(db, ADMIN_ACTOR, NewAccount(login="maire.gray", role="maire", password=PASSWORD, commune_insee=GRAY[0]))
    add_user(
        db,
        ADMIN_ACTOR,
        NewAccount(login="agent.gray", role="agent", password=PASSWORD, team_name="Groupe de contact de Gray"),
    )
    add_user(db, ADMIN_ACTOR, NewAccount(login="chef", role="admin", password=PASSWORD))
    yield app_as(None)
    st.cache_resource.clear()


def log_in(at: AppTest, login: str, password: str) -> AppTest:
    at.text_input(key="login_name").input(login)
    at.text_input(key="login_password").input(password)
    at.button[0].click()
    return at.run()


def page_titles(at: AppTest) -> list[str]:
    return [title.value for title in at.title]


def test_nothing_but_the_login_page_before_logging_in(app):
    app.run()
    assert page_titles(app) == ["PSQ diagnostics — Connexion"]
    app.switch_page("diagnostics/ui/carte.py").run()  # a bookmark: registered, but behind the login form
    assert page_titles(app) == ["PSQ diagnostics — Connexion"] and not app.exception
    assert "« Carte de commandement »" in app.info[0].value


def test_after_login_the_page_asked_for_opens(app):
    app.run()
    app.switch_page("diagnostics/ui/export_maire.py").run()
    log_in(app, "maire.gray", PASSWORD)
    assert not app.exception and page_titles(app)[0] == "Export maire"


@pytest.mark.parametrize(
    ("login", "first_page", "allowed"),
    [
        ("agent.gray", "Saisie terrain", {"saisie", "carte"}),
        ("maire.gray", "Ma commune — Gray", {"export_maire"}),
        ("chef", "Administration", {"saisie", "carte", "export_maire", "admin"}),
    ],
)
def test_each_role_lands_on_its_page_and_is_told_which_it_may_not_open(app, login, first_page, allowed):
    log_in(app.run(), login, PASSWORD)
    assert not app.exception and page_titles(app)[0] == first_page
    for page in ("saisie", "carte", "export_maire", "admin"):
        if page not in allowed:
            app.switch_page(f"diagnostics/ui/{page}.py").run()
            assert not app.exception and page_titles(app) == []
            assert "n'est pas ouverte au rôle" in app.error[0].value


def test_a_disabled_account_loses_its_open_session(app, db):
    from diagnostics.services import accounts

    log_in(app.run(), "agent.gray", PASSWORD)
    accounts.set_active(db, ADMIN_ACTOR, "agent.gray", False)
    app.run()
    assert page_titles(app) == ["PSQ diagnostics — Connexion"]
    assert "désactivé ou modifié" in app.warning[0].value and "actor" not in app.session_state


def test_a_changed_role_ends_the_session_and_a_changed_name_does_not(app, db):
    from sqlalchemy import update

    from diagnostics.models import User

    log_in(app.run(), "chef", PASSWORD)
    with db.session() as session:
        session.execute(update(User).where(User.login == "chef").values(display_name="Chef PSQ"))
    app.run()
    assert app.session_state["actor"].display_name == "Chef PSQ"
    with db.session() as session:
        session.execute(update(User).where(User.login == "chef").values(role="maire", commune_insee=GRAY[0]))
    app.run()
    assert page_titles(app) == ["PSQ diagnostics — Connexion"] and "actor" not in app.session_state


def test_logout_returns_to_the_login_page(app):
    log_in(app.run(), "chef", PASSWORD)
    next(b for b in app.sidebar.button if b.label == "Se déconnecter").click().run()
    assert page_titles(app) == ["PSQ diagnostics — Connexion"]
    assert "actor" not in app.session_state


def test_an_idle_session_expires(app, db):
    from sqlalchemy import update

    from diagnostics.session_models import UserSession

    log_in(app.run(), "chef", PASSWORD)
    hours_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=3)
    with db.session() as session:  # the server session has been idle for three hours
        session.execute(update(UserSession).values(last_seen_at=hours_ago, expires_at=hours_ago))
    app.run()
    assert page_titles(app) == ["PSQ diagnostics — Connexion"]
    assert "expiré" in app.warning[0].value


def test_the_admin_page_lists_accounts_and_the_audit_log(app):
    log_in(app.run(), "chef", PASSWORD)
    app.switch_page("diagnostics/ui/admin.py").run()
    assert not app.exception and page_titles(app) == ["Administration"]
    accounts_table, audit_table = app.dataframe[0].value, app.dataframe[2].value
    assert {"maire.gray", "agent.gray", "chef"} <= set(accounts_table["Identifiant"])
    assert "Groupe de contact de Gray" in set(accounts_table["Équipe"])
    assert "Connexion" in set(audit_table["Action"])


def test_an_admin_edits_the_diagnostic_grid_template(app, db):
    from diagnostics.services import checklists

    log_in(app.run(), "chef", PASSWORD)
    app.switch_page("diagnostics/ui/admin.py").run()
    text = app.text_area(key="grid_text").value
    assert text.startswith("# ")
    app.text_area(key="grid_text").input(text + "\n# Abords des commerces\n- Vitrines protégées")
    next(b for b in app.button if b.label == "Enregistrer la grille").click().run()
    assert not app.exception and "Grille enregistrée" in app.success[0].value
    themes = [theme["label"] for theme in checklists.active_template(db)[1]["themes"]]
    assert themes[-1] == "Abords des commerces"
    app.text_area(key="grid_text").input("pas de dièse ni de tiret")
    next(b for b in app.button if b.label == "Enregistrer la grille").click().run()
    assert any("Ligne non comprise" in error.value for error in app.error)


def test_an_administrator_closes_a_session_and_its_user_is_out_at_the_next_click(app, db):
    from tests.conftest import app_as as fresh_app

    log_in(app.run(), "agent.gray", PASSWORD)
    assert page_titles(app) == ["Saisie terrain"]
    admin = log_in(fresh_app(None).run(), "chef", PASSWORD)
    admin.switch_page("diagnostics/ui/admin.py").run()
    table = admin.dataframe[1].value
    assert set(table.columns) == {"Compte", "Nom", "Ouverte le", "Dernière activité", "Expire le", "Navigateur"} | {
        "Connexion"
    }
    assert {"agent.gray", "chef (cette session)"} == set(table["Compte"])
    assert all(re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d", value) for value in table["Dernière activité"])
    choice = admin.selectbox(key="sessions_choice")
    agent_session = next(option for option in choice.options if option.startswith("agent.gray"))
    choice.select(agent_session).run()
    next(b for b in admin.button if b.label == "Fermer la session").click().run()
    assert not admin.exception and "Session de agent.gray fermée" in admin.success[0].value
    assert list(admin.dataframe[1].value["Compte"]) == ["chef (cette session)"]
    app.run()  # the agent's next click
    assert page_titles(app) == ["PSQ diagnostics — Connexion"] and "actor" not in app.session_state
    assert "fermée par un administrateur" in app.warning[0].value


class DirectoryUser:
    """What `st.user` holds after an OpenID Connect sign-in."""

    is_logged_in = True

    def __init__(self, email: str) -> None:
        self.email = email

    def get(self, key, default=None):
        return self.email if key == "email" else default


def test_single_sign_on_opens_a_server_session_and_logout_ends_it(app, db, monkeypatch):
    from sqlalchemy import select

    from diagnostics.session_models import UserSession
    from diagnostics.ui import session

    add_user(db, ADMIN_ACTOR, NewAccount(login="chef@interieur.gouv.fr", role="admin"))  # directory only
    logouts = []
    monkeypatch.setattr(session, "sso_configured", lambda: True)
    monkeypatch.setattr(st, "user", DirectoryUser("Chef@Interieur.gouv.fr"))
    monkeypatch.setattr(st, "logout", lambda: logouts.append(True))
    app.run()
    assert not app.exception and page_titles(app) == ["Administration"]
    with db.session() as s:
        (row,) = s.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all()
    assert row.via == "sso" and app.session_state["server_session"] == row.id and row.ticket_hash
    next(b for b in app.sidebar.button if b.label == "Se déconnecter").click().run()
    with db.session() as s:
        assert s.get(UserSession, row.id).revoked_at is not None
    assert logouts == [True]
