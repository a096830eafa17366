"""Signed-in sessions kept in the database: open, resolve, end; administrators list and revoke.

The browser holds a random token in an HttpOnly cookie (diagnostics.web.auth); the database keeps
only its SHA-256. Each page run and each API request resolves the token: a revoked or idle
session, a disabled account, or one whose role, team, commune or départements changed since the
login is refused. Logins themselves (password check, lock-out, audit) stay in services.accounts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from diagnostics import config, localtime
from diagnostics.auth import Actor, require
from diagnostics.db import Database
from diagnostics.errors import NotFound
from diagnostics.models import User, utcnow
from diagnostics.services import audit
from diagnostics.services.accounts import actor_of
from diagnostics.session_models import UserSession

TICKET_LIFETIME = dt.timedelta(seconds=60)
# Activity moves the idle expiry on, but writing on every click would make each rerun a write:
# last_seen_at is refreshed at most this often (the idle expiry is that precise).
TOUCH_EVERY = dt.timedelta(seconds=30)
# Ended sessions are kept this long (the administrators' view, investigations), then deleted.
KEEP_ENDED = dt.timedelta(days=30)
USER_AGENT_LENGTH = UserSession.__table__.c.user_agent.type.length
SYSTEM = "système"  # revoked_by when the account itself changed

EXPIRED = "Votre session a expiré après {minutes} minutes d'inactivité : reconnectez-vous."
ACCOUNT_CHANGED = "Votre compte a été désactivé ou modifié par un administrateur : reconnectez-vous."
REVOKED = "Votre session a été fermée par un administrateur : reconnectez-vous."
NOT_SIGNED_IN = "Vous n'êtes pas connecté : connectez-vous."
UNKNOWN_SESSION = "Session inconnue : elle a peut-être déjà été fermée."


@dataclass(frozen=True)
class Opened:
    """A new session. `token` goes into the cookie now (API login); `ticket` is exchanged for
    it by the browser (page login, see `claim`). Exactly one of them is set."""

    id: int
    token: str | None = None
    ticket: str | None = None


@dataclass(frozen=True)
class Resolved:
    """What a cookie (or a page's session id) stands for now.

    `actor` is set when signed in. Otherwise `refusal` says why in French when the user should be
    told (expired, revoked by an administrator, account changed); None when there was nothing to
    refuse (no cookie, unknown token, the user's own logout).
    """

    actor: Actor | None
    session_id: int | None = None
    refusal: str | None = None
    awaiting_claim: bool = False  # opened by a page whose ticket has not been exchanged yet


NOBODY = Resolved(None)


@dataclass(frozen=True)
class OpenSession:
    """A row of the administrators' list (times are naive UTC, as stored)."""

    id: int
    login: str
    display_name: str
    via: str
    user_agent: str
    created_at: dt.datetime
    last_seen_at: dt.datetime
    expires_at: dt.datetime


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _idle() -> dt.timedelta:
    return dt.timedelta(minutes=config.session_idle_minutes())


def scope_of(actor: Actor) -> str:
    """What may not change under an open session: role, team, commune, départements, partner."""
    scope = "|".join(
        (actor.role, str(actor.team_id or ""), actor.commune_insee or "", ",".join(sorted(actor.departments)))
    )
    # Appended only when set, so that the sessions opened before partners existed stay valid.
    return f"{scope}|p{actor.partner_id}" if actor.partner_id is not None else scope


def open_session(
    db: Database,
    actor: Actor,
    *,
    user_agent: str = "",
    via: str = "password",
    handoff: bool = False,
    now: dt.datetime | None = None,
) -> Opened:
    """A session for `actor`, who has just proved who they are (services.accounts).

    `handoff=True` for a Streamlit page, which cannot set an HttpOnly cookie: the session starts
    without a token and with a one-time ticket, which /api/session/claim exchanges for one.
    """
    now = now or utcnow()
    secret = secrets.token_urlsafe(32)
    with db.session() as session:
        session.execute(delete(UserSession).where(UserSession.expires_at < now - KEEP_ENDED))
        user_id = session.scalar(select(User.id).where(User.login == actor.login))
        if user_id is None:
            raise NotFound(f"Compte inconnu : {actor.login}")
        row = UserSession(
            user_id=user_id,
            token_hash=None if handoff else digest(secret),
            ticket_hash=digest(secret) if handoff else None,
            ticket_expires_at=now + TICKET_LIFETIME if handoff else None,
            scope=scope_of(actor),
            via=via,
            user_agent=user_agent[:USER_AGENT_LENGTH],
            created_at=now,
            last_seen_at=now,
            expires_at=now + _idle(),
        )
        session.add(row)
        session.flush()
        return Opened(row.id, ticket=secret) if handoff else Opened(row.id, token=secret)


def claim(db: Database, ticket: str, *, now: dt.datetime | None = None) -> str | None:
    """The cookie token for a page's one-time ticket; None when the ticket is unknown, used,
    older than TICKET_LIFETIME, or its session has ended.

    One UPDATE: two claims of the same ticket, in any processes, cannot both succeed.
    """
    if not ticket:
        return None
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    with db.session() as session:
        claimed = session.execute(
            update(UserSession)
            .where(
                UserSession.ticket_hash == digest(ticket),
                UserSession.ticket_expires_at > now,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
            .values(token_hash=digest(token), ticket_hash=None, ticket_expires_at=None)
            .returning(UserSession.id)
        ).one_or_none()
    return token if claimed is not None else None


def resolve_token(db: Database, token: str | None, *, now: dt.datetime | None = None) -> Resolved:
    """Who the cookie `token` signs in, touching the session; NOBODY for no or an unknown token."""
    if not token:
        return NOBODY
    with db.session() as session:
        row = session.scalar(select(UserSession).where(UserSession.token_hash == digest(token)))
        return _resolve(session, row, now or utcnow())


def resolve_id(db: Database, session_id: int, *, now: dt.datetime | None = None) -> Resolved:
    """The same for the session a Streamlit page opened itself (its id is in the page's memory)."""
    with db.session() as session:
        return _resolve(session, session.get(UserSession, session_id), now or utcnow())


def _resolve(session: Session, row: UserSession | None, now: dt.datetime) -> Resolved:
    if row is None:
        return NOBODY
    user = session.get(User, row.user_id)
    if row.revoked_at is not None:
        own_logout = user is not None and row.revoked_by == user.login
        return Resolved(None, refusal=None if own_logout else _revoked_message(row))
    if row.expires_at <= now:
        return Resolved(None, refusal=EXPIRED.format(minutes=config.session_idle_minutes()))
    actor = actor_of(user) if user is not None and user.active else None
    if actor is None or scope_of(actor) != row.scope:
        # Ended for good: enabling the account again, or restoring its role, opens nothing.
        row.revoked_at, row.revoked_by = now, SYSTEM
        return Resolved(None, refusal=ACCOUNT_CHANGED)
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at, row.expires_at = now, now + _idle()
    awaiting = row.token_hash is None and row.ticket_expires_at is not None and row.ticket_expires_at > now
    return Resolved(actor, row.id, awaiting_claim=awaiting)


def _revoked_message(row: UserSession) -> str:
    return ACCOUNT_CHANGED if row.revoked_by == SYSTEM else REVOKED


def end_session(
    db: Database, *, session_id: int | None = None, token: str | None = None, now: dt.datetime | None = None
) -> Actor | None:
    """« Se déconnecter »: the session (by id or cookie token) ends, audited as a logout.

    Returns who was signed out; None when the session was unknown or had already ended (then
    nothing is written: a second logout, or a logout with a stale cookie, is not an event).
    """
    if session_id is None and not token:
        return None
    now = now or utcnow()
    with db.session() as session:
        where = UserSession.id == session_id if session_id is not None else UserSession.token_hash == digest(token)
        row = session.scalar(select(UserSession).where(where, UserSession.revoked_at.is_(None)))
        if row is None:
            return None
        user = session.get(User, row.user_id)
        row.revoked_at, row.revoked_by = now, user.login
        audit.record(session, user.login, "logout", entity="user", entity_id=user.login)
        return actor_of(user)


@audit.refusals_recorded
def open_sessions(db: Database, actor: Actor, *, now: dt.datetime | None = None) -> list[OpenSession]:
    """Sessions neither ended nor idle for too long, the most recently active first."""
    require(actor, "manage_accounts")
    now = now or utcnow()
    with db.session() as session:
        rows = session.execute(
            select(UserSession, User.login, User.display_name)
            .join(User, User.id == UserSession.user_id)
            .where(UserSession.revoked_at.is_(None), UserSession.expires_at > now)
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        ).all()
        return [
            OpenSession(
                id=row.id,
                login=login,
                display_name=display_name,
                via=row.via,
                user_agent=row.user_agent,
                created_at=row.created_at,
                last_seen_at=row.last_seen_at,
                expires_at=row.expires_at,
            )
            for row, login, display_name in rows
        ]


@audit.refusals_recorded
def revoke_session(db: Database, actor: Actor, session_id: int, *, now: dt.datetime | None = None) -> None:
    """An administrator ends someone's session: refused at their next click or request."""
    require(actor, "manage_accounts")
    now = now or utcnow()
    with db.session() as session:
        row = session.scalar(
            select(UserSession).where(
                UserSession.id == session_id,
                UserSession.revoked_at.is_(None),
                UserSession.expires_at > now,
            )
        )
        if row is None:
            raise NotFound(UNKNOWN_SESSION)
        login = session.scalar(select(User.login).where(User.id == row.user_id))
        row.revoked_at, row.revoked_by = now, actor.login
        audit.record(
            session,
            actor,
            "revoke",
            entity="session",
            entity_id=session_id,
            detail=f"session de {login} ouverte le {localtime.format_datetime(row.created_at)}",
        )
