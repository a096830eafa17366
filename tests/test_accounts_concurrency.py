"""Login lock-out under concurrent attempts: every failure counts, no success slips past a lock.

Each attempt runs in its own thread with its own engine (its own connection pool), as separate
Streamlit sessions or processes do, on both backends.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, update

from diagnostics.db import open_database
from diagnostics.errors import PermissionDenied
from diagnostics.models import User
from diagnostics.services import accounts, audit
from diagnostics.services.accounts import NewAccount, add_user, authenticate
from tests.conftest import ADMIN_ACTOR

PASSWORD = "correct horse battery"
T0 = dt.datetime(2026, 11, 23, 10, 0)


@pytest.fixture
def account(db):
    add_user(db, ADMIN_ACTOR, NewAccount(login="chef.gray", role="admin", password=PASSWORD))
    return "chef.gray"


def attempts_in_parallel(db_url: str, passwords: list[str], *, spacing_s: float = 0.0) -> list[str]:
    """One thread and one engine per attempt, all released together (or `spacing_s` apart)."""
    start = threading.Barrier(len(passwords))

    def attempt(index: int) -> str:
        database = open_database(db_url)
        try:
            start.wait()
            time.sleep(index * spacing_s)
            try:
                return authenticate(database, "chef.gray", passwords[index], now=T0).login
            except PermissionDenied as refusal:
                return str(refusal)
        finally:
            database.dispose()

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(attempt, range(len(passwords))))


def stored_counters(db) -> tuple[int, dt.datetime | None]:
    with db.session() as session:
        failed, until = session.execute(
            select(User.failed_logins, User.locked_until).where(User.login == "chef.gray")
        ).one()
    return failed, until


@pytest.mark.parametrize("spacing_s", [0.0, 0.25], ids=["simultaneous", "250ms-apart"])
def test_concurrent_wrong_passwords_lock_the_account(db, db_url, account, spacing_s):
    outcomes = attempts_in_parallel(db_url, ["guess"] * 8, spacing_s=spacing_s)
    failures, locked = accounts.MAX_FAILED_LOGINS, 8 - accounts.MAX_FAILED_LOGINS
    assert sorted(outcomes).count(accounts.BAD_CREDENTIALS) == failures
    assert sum("bloqué jusqu'à" in outcome for outcome in outcomes) == locked
    assert stored_counters(db) == (0, T0 + accounts.LOCK_DURATION)
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("login_failed",)))
    assert list(events["detail"]).count("bloqué") == locked and len(events) == 8


def test_the_right_password_after_concurrent_failures_is_refused(db, db_url, account):
    attempts_in_parallel(db_url, ["guess"] * (accounts.MAX_FAILED_LOGINS + 1))
    with pytest.raises(PermissionDenied, match="bloqué"):
        authenticate(db, "chef.gray", PASSWORD, now=T0 + dt.timedelta(minutes=1))


def test_a_lock_set_while_the_password_is_checked_wins(db, db_url, account, monkeypatch):
    """The right password, but another attempt locks the account during the (slow) argon2 check."""
    verify = accounts._verify

    def verify_while_locked_elsewhere(password_hash: str, password: str) -> bool:
        other = open_database(db_url)
        try:
            with other.session() as session:
                session.execute(
                    update(User).where(User.login == "chef.gray").values(locked_until=T0 + dt.timedelta(minutes=15))
                )
        finally:
            other.dispose()
        return verify(password_hash, password)

    monkeypatch.setattr(accounts, "_verify", verify_while_locked_elsewhere)
    with pytest.raises(PermissionDenied, match="bloqué"):
        authenticate(db, "chef.gray", PASSWORD, now=T0)
    assert stored_counters(db)[1] == T0 + dt.timedelta(minutes=15)
