"""Server sessions (services.sessions) on both backends: open, claim, resolve, idle expiry, logout,
account changes, and the administrators' list and revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from diagnostics.errors import NotFound, PermissionDenied
from diagnostics.models import AuditEvent, User, utcnow
from diagnostics.services import accounts, sessions
from diagnostics.services.accounts import NewAccount, add_user
from diagnostics.session_models import UserSession
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70

PASSWORD = "mot de passe solide"


@pytest.fixture
def agent_gray(db):
    add_user(
        db,
        ADMIN_ACTOR,
        NewAccount(login="agent.gray", role="agent", password=PASSWORD, team_name="Groupe de contact de Gray"),
    )
    return accounts.authenticate(db, "agent.gray", PASSWORD)


def rows(db) -> list[UserSession]:
    with db.session() as session:
        return list(session.scalars(select(UserSession).order_by(UserSession.id)))


def test_only_a_hash_of_the_token_is_stored_and_the_token_signs_in(db, agent_gray):
    opened = sessions.open_session(db, agent_gray, user_agent="Mozilla/5.0 Firefox")
    assert opened.token and opened.ticket is None and len(opened.token) >= 40
    (row,) = rows(db)
    assert row.token_hash == sessions.digest(opened.token) and opened.token not in (row.token_hash, row.ticket_hash)
    assert row.user_agent == "Mozilla/5.0 Firefox" and row.revoked_at is None
    resolved = sessions.resolve_token(db, opened.token)
    assert resolved.actor == agent_gray and resolved.session_id == opened.id and resolved.refusal is None
    assert sessions.resolve_token(db, opened.token + "x") == sessions.NOBODY
    assert sessions.resolve_token(db, None) == sessions.NOBODY


def test_a_page_ticket_is_exchanged_once_for_a_token_within_a_minute(db, agent_gray):
    opened = sessions.open_session(db, agent_gray, handoff=True)
    assert opened.token is None and opened.ticket
    assert sessions.resolve_id(db, opened.id).awaiting_claim
    token = sessions.claim(db, opened.ticket)
    assert token and sessions.resolve_token(db, token).actor == agent_gray
    assert not sessions.resolve_id(db, opened.id).awaiting_claim
    assert sessions.claim(db, opened.ticket) is None  # single use
    late = sessions.open_session(db, agent_gray, handoff=True)
    assert sessions.claim(db, late.ticket, now=utcnow() + dt.timedelta(seconds=61)) is None
    assert sessions.claim(db, "") is None


def test_an_idle_session_expires_and_activity_moves_the_expiry_on(db, agent_gray, monkeypatch):
    monkeypatch.setenv("PSQ_SESSION_IDLE_MINUTES", "10")
    start = utcnow()
    opened = sessions.open_session(db, agent_gray, now=start)
    assert sessions.resolve_token(db, opened.token, now=start + dt.timedelta(minutes=9)).actor == agent_gray
    # nine minutes later it was touched: ten more minutes from then
    later = start + dt.timedelta(minutes=18)
    assert sessions.resolve_token(db, opened.token, now=later).actor == agent_gray
    expired = sessions.resolve_token(db, opened.token, now=later + dt.timedelta(minutes=11))
    assert expired.actor is None and expired.refusal == sessions.EXPIRED.format(minutes=10)


def test_logout_ends_the_session_for_good_and_is_audited_once(db, agent_gray):
    opened = sessions.open_session(db, agent_gray)
    assert sessions.end_session(db, token=opened.token) == agent_gray
    assert sessions.end_session(db, token=opened.token) is None  # a second logout is no event
    refused = sessions.resolve_token(db, opened.token)
    assert refused.actor is None and refused.refusal is None  # one's own logout needs no notice
    with db.session() as session:
        logouts = session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).all()
    assert [(e.actor, e.entity_id) for e in logouts] == [("agent.gray", "agent.gray")]


def test_a_disabled_or_changed_account_ends_its_sessions_even_once_restored(db, agent_gray):
    first = sessions.open_session(db, agent_gray)
    second = sessions.open_session(db, agent_gray)
    accounts.set_active(db, ADMIN_ACTOR, "agent.gray", False)
    assert sessions.resolve_token(db, first.token).refusal == sessions.ACCOUNT_CHANGED
    accounts.set_active(db, ADMIN_ACTOR, "agent.gray", True)
    assert sessions.resolve_token(db, first.token).refusal == sessions.ACCOUNT_CHANGED  # ended for good
    with db.session() as session:
        session.execute(update(User).where(User.login == "agent.gray").values(role="commandant", departments="70"))
    assert sessions.resolve_token(db, second.token).refusal == sessions.ACCOUNT_CHANGED
    third = sessions.open_session(db, accounts.current_account(db, "agent.gray"))
    with db.session() as session:  # only the name shown changes: the session goes on, with it
        session.execute(update(User).where(User.login == "agent.gray").values(display_name="Agent Gray"))
    assert sessions.resolve_token(db, third.token).actor.display_name == "Agent Gray"


def test_administrators_list_open_sessions_and_revoke_one(db, agent_gray):
    add_user(db, ADMIN_ACTOR, NewAccount(login="chef", role="admin", password=PASSWORD))
    chef = accounts.authenticate(db, "chef", PASSWORD)
    kept = sessions.open_session(db, agent_gray, user_agent="Firefox")
    revoked = sessions.open_session(db, agent_gray, user_agent="Chromium")
    sessions.end_session(db, token=sessions.open_session(db, agent_gray).token)  # ended: not listed
    listed = sessions.open_sessions(db, chef)
    assert {s.id for s in listed} == {kept.id, revoked.id} and {s.login for s in listed} == {"agent.gray"}
    sessions.revoke_session(db, chef, revoked.id)
    refused = sessions.resolve_token(db, revoked.token)
    assert refused.actor is None and refused.refusal == sessions.REVOKED
    assert sessions.resolve_token(db, kept.token).actor == agent_gray
    assert [s.id for s in sessions.open_sessions(db, chef)] == [kept.id]
    with pytest.raises(NotFound):
        sessions.revoke_session(db, chef, revoked.id)
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "revoke")).one()
    assert (event.actor, event.entity, event.entity_id) == ("chef", "session", str(revoked.id))
    assert "agent.gray" in event.detail


def test_only_administrators_see_and_revoke_sessions_and_refusals_are_audited(db, agent_gray):
    opened = sessions.open_session(db, agent_gray)
    for actor in (agent_gray, COMMANDANT_70):
        with pytest.raises(PermissionDenied):
            sessions.open_sessions(db, actor)
        with pytest.raises(PermissionDenied):
            sessions.revoke_session(db, actor, opened.id)
    assert sessions.resolve_token(db, opened.token).actor == agent_gray
    with db.session() as session:
        refused = session.scalars(select(AuditEvent.entity).where(AuditEvent.action == "refused")).all()
    assert sorted(refused) == ["open_sessions", "open_sessions", "revoke_session", "revoke_session"]


def test_sessions_ended_long_ago_are_deleted_when_a_session_opens(db, agent_gray):
    sessions.open_session(db, agent_gray, now=utcnow() - dt.timedelta(days=40))
    sessions.open_session(db, agent_gray, now=utcnow() - dt.timedelta(days=2))  # ended, not long ago
    sessions.open_session(db, agent_gray)
    assert [row.created_at.date() for row in rows(db)] == [
        (utcnow() - dt.timedelta(days=2)).date(),
        utcnow().date(),
    ]
