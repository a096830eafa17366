"""Accounts: argon2 hashes, login, throttling, single sign-on mapping."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import User
from diagnostics.services import accounts, audit
from diagnostics.services.accounts import NewAccount, add_user, authenticate
from tests.conftest import ADMIN_ACTOR, GRAY

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def maire(db):
    return add_user(
        db, ADMIN_ACTOR, NewAccount(login="maire.gray", role="maire", password=PASSWORD, commune_insee=GRAY[0])
    )


def test_a_created_account_logs_in_with_its_scope_and_its_hash_is_argon2(db, maire):
    actor = authenticate(db, "maire.gray", PASSWORD, now=T0)
    assert (actor.role, actor.commune_insee) == ("maire", GRAY[0])
    with db.session() as session:
        stored = session.scalar(select(User.password_hash).where(User.login == "maire.gray"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_wrong_password_and_an_unknown_login_get_the_same_message(db, maire):
    with pytest.raises(PermissionDenied) as wrong:
        authenticate(db, "maire.gray", "nope", now=T0)
    with pytest.raises(PermissionDenied) as unknown:
        authenticate(db, "nobody", "nope", now=T0)
    assert str(wrong.value) == str(unknown.value) == "Identifiant ou mot de passe incorrect."


def test_five_failures_lock_the_account_for_fifteen_minutes(db, maire):
    for _ in range(accounts.MAX_FAILED_LOGINS):
        with pytest.raises(PermissionDenied):
            authenticate(db, "maire.gray", "guess", now=T0)
    with pytest.raises(PermissionDenied, match="bloqué jusqu'à 11:15"):  # 10:15 UTC, shown in Paris time
        authenticate(db, "maire.gray", PASSWORD, now=T0 + dt.timedelta(minutes=5))  # even the right one
    assert authenticate(db, "maire.gray", PASSWORD, now=T0 + dt.timedelta(minutes=16)).login == "maire.gray"


def test_a_success_resets_the_failure_count(db, maire):
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        with pytest.raises(PermissionDenied):
            authenticate(db, "maire.gray", "guess", now=T0)
    authenticate(db, "maire.gray", PASSWORD, now=T0)
    with pytest.raises(PermissionDenied, match="incorrect"):
        authenticate(db, "maire.gray", "guess", now=T0)  # one failure, not the fifth


def test_a_disabled_account_cannot_log_in(db, maire):
    accounts.set_active(db, ADMIN_ACTOR, "maire.gray", False)
    with pytest.raises(PermissionDenied, match="incorrect"):
        authenticate(db, "maire.gray", PASSWORD, now=T0)


def test_logins_and_failures_are_audited(db, maire):
    authenticate(db, "maire.gray", PASSWORD, now=T0)
    with pytest.raises(PermissionDenied):
        authenticate(db, "maire.gray", "bad", now=T0)
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("login", "login_failed")))
    assert list(events["action"]) == ["login_failed", "login"]
    assert set(events["actor"]) == {"maire.gray"}


@pytest.mark.parametrize(
    ("account", "field"),
    [
        (NewAccount(login="../etc", role="admin", password=PASSWORD), "login"),
        (NewAccount(login="chef\n", role="admin", password=PASSWORD), "login"),  # `$` let this through
        (NewAccount(login="chef gray", role="admin", password=PASSWORD), "login"),
        (NewAccount(login="chef", role="commandant", password=PASSWORD, departments=("75",)), "departments"),
        (NewAccount(login="chef", role="general", password=PASSWORD), "role"),
        (NewAccount(login="chef", role="admin", password="short"), "password"),
        (NewAccount(login="maire2", role="maire", password=PASSWORD), "commune"),
        (NewAccount(login="agent2", role="agent", password=PASSWORD), "team"),
        (NewAccount(login="agent3", role="agent", password=PASSWORD, team_name="Inconnue"), "team"),
    ],
)
def test_invalid_accounts_are_refused(db, account, field):
    with pytest.raises(ValidationError) as refused:
        add_user(db, ADMIN_ACTOR, account)
    assert field in refused.value.errors


def test_a_login_is_unique(db, maire):
    with pytest.raises(ValidationError, match="existe déjà"):
        add_user(db, ADMIN_ACTOR, NewAccount(login="maire.gray", role="admin", password=PASSWORD))


def test_single_sign_on_maps_to_an_existing_active_account_only(db):
    add_user(db, ADMIN_ACTOR, NewAccount(login="chef@interieur.gouv.fr", role="commandant", departments=("70",)))
    assert accounts.actor_for_sso(db, "Chef@Interieur.gouv.fr").departments == ("70",)
    with pytest.raises(PermissionDenied, match="n'est pas autorisé"):
        accounts.actor_for_sso(db, "inconnu@example.org")
    with pytest.raises(PermissionDenied):
        authenticate(db, "chef@interieur.gouv.fr", "", now=T0)  # no password login for SSO accounts


def test_logins_are_case_insensitive(db, maire):
    with pytest.raises(ValidationError, match="existe déjà"):
        add_user(db, ADMIN_ACTOR, NewAccount(login="Maire.Gray", role="admin", password=PASSWORD))
    assert authenticate(db, "MAIRE.gray", PASSWORD, now=T0).login == "maire.gray"
    accounts.set_active(db, ADMIN_ACTOR, "Maire.GRAY", False)
    assert not accounts.list_users(db, ADMIN_ACTOR)[0]["active"]


def test_a_single_sign_on_account_created_with_capitals_signs_in(db):
    created = add_user(db, ADMIN_ACTOR, NewAccount(login="Jean.Dupont@Interieur.gouv.fr", role="admin"))
    assert created.login == "jean.dupont@interieur.gouv.fr"
    assert accounts.actor_for_sso(db, "jean.dupont@interieur.gouv.fr").login == created.login


def test_the_database_refuses_a_login_with_capitals(db):
    """The rule holds even for a writer that skips the service (a script, a future route)."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(User.__table__.insert().values(login="Chef", role="admin", departments=""))
