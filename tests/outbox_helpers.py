"""Accounts with e-mail addresses, and the outbox as a test reads it."""

from __future__ import annotations

from sqlalchemy import select

from diagnostics.auth import Actor
from diagnostics.db import Database
from diagnostics.models import User
from diagnostics.outbox_models import OutboxMessage
from diagnostics.services import outbox
from tests.conftest import ADMIN_ACTOR


def make_account(db: Database, actor: Actor, email: str, frequency: str = "immediate") -> int:
    """The account `actor` describes, with its address and frequency; its user id."""
    with db.session() as session:
        user = session.scalar(select(User).where(User.login == actor.login)) or User(login=actor.login)
        user.role, user.team_id, user.commune_insee = actor.role, actor.team_id, actor.commune_insee
        user.departments, user.display_name, user.active = ",".join(actor.departments), actor.display_name, True
        user.partner_id = actor.partner_id
        session.add(user)
        session.flush()
        user_id = user.id
    outbox.set_preference_for(db, ADMIN_ACTOR, actor.login, email, frequency)
    return user_id


def messages(db: Database) -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def notify_now(db: Database, kind: str, recipients, **options) -> list[int]:
    with db.session() as session:
        return outbox.notify(session, kind, recipients=recipients, **options)
