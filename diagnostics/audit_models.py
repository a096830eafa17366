"""The audit log's two helper tables (issue 18), kept apart from models.py (long enough).

- `audit_chain_head`: one row, the last position and hash of the chain. Every append updates it
  first, which serialises appends on both backends (a row lock on PostGIS, the write lock on
  SQLite) and lets `audit verify` notice rows removed from the end of the log.
- `audit_unlocks`: the one controlled way past the append-only triggers. The purge inserts a row
  (why), blanks or deletes what retention allows, and deletes its row, all in one transaction: no
  other transaction ever sees the log unlocked, and the purge is itself written to the log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from diagnostics.models import Base, utcnow


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class AuditUnlock(Base):
    __tablename__ = "audit_unlocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
