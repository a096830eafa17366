"""The table of signed-in sessions (issue 14: staying signed in across reloads).

Kept apart from models.py (which is long enough); models.py imports it at its end, so that
`Base.metadata` always holds this table too.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow


class UserSession(Base):
    """A signed-in browser (or API client). The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the table opens no session.

    A password login on the Streamlit page cannot set an HttpOnly cookie: it opens the session
    with a one-time `ticket` (also stored hashed, valid a minute), which the browser exchanges at
    /api/session/claim for the cookie (diagnostics.web.auth). `scope` is the account's role,
    team, commune and départements at login: a change of any of them ends the session.
    """

    __tablename__ = "user_sessions"
    __table_args__ = (CheckConstraint("via IN ('password', 'sso', 'api')", name="ck_user_sessions_via"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # None until claimed
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    ticket_expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    scope: Mapped[str] = mapped_column(String(200), default="")
    via: Mapped[str] = mapped_column(String(10), default="password")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # idle expiry, moved on by activity
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str] = mapped_column(String(120), default="")
