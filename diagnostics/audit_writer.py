"""Appending to the audit log's hash chain, at the end of each transaction.

`append` only queues the event on the session; just before the transaction commits, the queued
events take the next positions of the chain: the chain's head row is updated first (a row lock
on PostGIS, the database's write lock on SQLite), so concurrent writers, in any number of
processes, append one after the other and never fork the chain. Taking that lock last, at commit,
keeps it short and out of any lock cycle with the rows the use case changed.
"""

from __future__ import annotations

from sqlalchemy import event, insert, update
from sqlalchemy.orm import Session, sessionmaker

from diagnostics import audit_chain
from diagnostics.audit_models import AuditChainHead
from diagnostics.models import AuditEvent, utcnow

_PENDING = "audit_pending"


def install(sessions: sessionmaker) -> None:
    event.listen(sessions, "before_commit", _write_pending)
    event.listen(sessions, "after_soft_rollback", _forget_pending)


def append(session: Session, **fields) -> None:
    """Queue an event (actor, action, entity, entity_id, before, after, detail as stored strings)."""
    fields.setdefault("at", utcnow())
    session.info.setdefault(_PENDING, []).append(fields)


def _write_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    head = session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(seq=AuditChainHead.seq + len(pending))
        .returning(AuditChainHead.seq, AuditChainHead.last_hash)
    ).one()
    seq, previous = head.seq - len(pending), head.last_hash
    rows = []
    for fields in pending:
        seq += 1
        row = {**fields, "seq": seq, "prev_hash": previous, "nonce": audit_chain.new_nonce()}
        row["row_hash"] = chained_hash(row)
        rows.append(row)
        previous = row["row_hash"]
    session.execute(insert(AuditEvent), rows)
    session.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(last_hash=previous))


def chained_hash(row) -> str:
    """The hash a row must carry (a mapping or an object with the audit columns)."""
    get = row.get if isinstance(row, dict) else lambda name: getattr(row, name)
    digest = audit_chain.payload_digest(get("before"), get("after"), get("detail") or "", get("nonce"))
    return audit_chain.row_hash(
        get("prev_hash"), get("seq"), get("at"), get("actor"), get("action"), get("entity"), get("entity_id"), digest
    )


def _forget_pending(session: Session, _previous_transaction) -> None:
    session.info.pop(_PENDING, None)
