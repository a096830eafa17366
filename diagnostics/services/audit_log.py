"""The audit log as evidence: verify its hash chain, export it to an append-only folder, and
delete rows older than its retention while leaving a signed checkpoint (diagnostics.audit_chain).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from diagnostics import audit_chain, config
from diagnostics.audit_models import AuditChainHead, AuditUnlock
from diagnostics.audit_writer import chained_hash
from diagnostics.db import Database
from diagnostics.models import AuditEvent, utcnow

CHECKPOINT_ENTITY = "audit_events"
EXPORT_COLUMNS = ("seq", "id", "at", "actor", "action", "entity", "entity_id", "prev_hash", "row_hash")
_BATCH = 2000


@dataclass(frozen=True)
class Problem:
    seq: int | None
    row_id: int | None
    message: str

    def __str__(self) -> str:
        where = f"ligne id {self.row_id} (position {self.seq})" if self.row_id is not None else "fin du journal"
        return f"{where} : {self.message}"


@dataclass(frozen=True)
class Verification:
    rows: int
    first_seq: int | None
    last_seq: int | None
    problem: Problem | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    def __str__(self) -> str:
        if self.problem:
            return f"journal d'audit ALTÉRÉ : première anomalie — {self.problem}"
        if not self.rows:
            return "journal d'audit vide : rien à vérifier"
        return f"journal d'audit intègre : {self.rows} ligne(s), positions {self.first_seq} à {self.last_seq}"


def verify(db: Database, key: str | None = None) -> Verification:
    """Walk the chain in insertion order and report the first row changed, removed or out of order."""
    key = config.audit_key() if key is None else key
    with db.session() as session:
        head = session.get(AuditChainHead, 1)
        rows = _rows(session)
        first = next(rows, None)
        if first is None:
            problem = None if head is None or head.seq == 0 else Problem(None, None, _missing_end(head.seq))
            return Verification(0, None, None, problem)
        problem = _start_problem(session, first, key)
        count, previous = 1, first
        if problem is None:
            problem = _row_problem(first, first.prev_hash, first.seq)
        for row in rows:
            if problem:
                break
            count += 1
            problem = _row_problem(row, previous.row_hash, (previous.seq or 0) + 1)
            previous = row
        if problem is None and head is not None and (head.seq, head.last_hash) != (previous.seq, previous.row_hash):
            problem = Problem(None, None, _missing_end(head.seq))
    return Verification(count, first.seq, previous.seq, problem)


def _rows(session: Session) -> Iterator[AuditEvent]:
    last_id = 0
    while True:
        batch = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(_BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        last_id = batch[-1].id
        session.expunge_all()


def _row_problem(row: AuditEvent, expected_prev: str, expected_seq: int) -> Problem | None:
    if row.seq is None or row.row_hash is None:
        return Problem(row.seq, row.id, "ligne insérée hors de la chaîne (sans position ni empreinte)")
    if row.seq > expected_seq:
        return Problem(row.seq, row.id, f"ligne(s) supprimée(s) avant elle (position {expected_seq} attendue)")
    if row.seq < expected_seq:
        return Problem(row.seq, row.id, f"ligne insérée hors de son ordre (position {expected_seq} attendue)")
    if row.prev_hash != expected_prev:
        return Problem(row.seq, row.id, "ne suit pas la ligne précédente (ligne précédente modifiée ou remplacée)")
    if chained_hash(row) != row.row_hash:
        return Problem(row.seq, row.id, "contenu modifié (son empreinte ne correspond plus)")
    return None


def _start_problem(session: Session, first: AuditEvent, key: str) -> Problem | None:
    """The chain starts at the genesis, or right after the rows a signed checkpoint says were purged."""
    if first.seq == 1 and first.prev_hash == audit_chain.GENESIS:
        return None
    if not key:
        return Problem(
            first.seq,
            first.id,
            "le début du journal a été purgé ; PSQ_AUDIT_KEY est nécessaire pour vérifier le point de contrôle signé",
        )
    for after in session.scalars(
        select(AuditEvent.after).where(AuditEvent.action == "purge", AuditEvent.entity == CHECKPOINT_ENTITY)
    ):
        point = json.loads(after or "{}")
        if (point.get("last_seq"), point.get("last_hash")) == ((first.seq or 0) - 1, first.prev_hash):
            if audit_chain.signature_valid(key, point["last_seq"], point["last_hash"], point.get("signature", "")):
                return None
            return Problem(first.seq, first.id, "point de contrôle de purge à la signature invalide")
    return Problem(first.seq, first.id, "début du journal supprimé sans point de contrôle signé")


def _missing_end(head_seq: int) -> str:
    return f"la tête de chaîne annonce {head_seq} ligne(s) : les dernières ont été supprimées ou la tête modifiée"


# --- Export to an append-only folder --------------------------------------------------------------


def export(db: Database, folder: Path, *, today: dt.date | None = None) -> int:
    """Append the rows not yet exported to FOLDER/audit-YYYY-MM-DD.jsonl; return how many.

    Files are only ever appended to. Payloads are written sealed (diagnostics.audit_chain): the
    export holds no text that retention erases, yet every line's hash verifies from the file alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    done = _last_exported_seq(folder)
    day = today or utcnow().date()
    written = 0
    with db.session() as session, open(folder / f"audit-{day:%Y-%m-%d}.jsonl", "a", encoding="utf-8") as out:
        for row in _rows(session):
            if row.seq is None or row.seq <= done:
                continue
            out.write(json.dumps(_exported(row), ensure_ascii=False, sort_keys=True) + "\n")
            written += 1
    return written


def _exported(row: AuditEvent) -> dict:
    line = {name: getattr(row, name) for name in EXPORT_COLUMNS}
    line["at"] = audit_chain.at_text(row.at)
    line["before"] = audit_chain.purged_payload(row.before, row.nonce)
    line["after"] = audit_chain.purged_payload(row.after, row.nonce)
    line["detail"] = audit_chain.purged_detail(row.detail, row.nonce)
    return line


def _last_exported_seq(folder: Path) -> int:
    last = 0
    for path in sorted(folder.glob("audit-*.jsonl")):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if line.strip():
                    last = max(last, int(json.loads(line)["seq"]))
    return last


# --- Retention of the log itself --------------------------------------------------------------


@dataclass(frozen=True)
class AuditPurge:
    deleted: int
    last_seq: int | None
    last_hash: str | None


def rows_older_than(session: Session, cutoff: dt.datetime) -> tuple[int, int | None]:
    """How many rows lie before the first row at or after `cutoff`, and the last of them (its seq)."""
    keep_from = session.scalar(select(func.min(AuditEvent.seq)).where(AuditEvent.at >= cutoff))
    older = select(func.count(), func.max(AuditEvent.seq)).where(AuditEvent.seq.is_not(None))
    if keep_from is not None:
        older = older.where(AuditEvent.seq < keep_from)
    count, last = session.execute(older).one()
    return count, last


def delete_before(session: Session, last_seq: int, reason: str) -> AuditPurge:
    """Delete the rows up to `last_seq` through the controlled path (audit_unlocks)."""
    last_hash = session.scalar(select(AuditEvent.row_hash).where(AuditEvent.seq == last_seq))
    with unlocked(session, reason):
        deleted = session.execute(delete(AuditEvent).where(AuditEvent.seq <= last_seq)).rowcount
    return AuditPurge(deleted, last_seq, last_hash)


class unlocked:
    """Within the session's transaction, let the append-only triggers pass; lock again on exit."""

    def __init__(self, session: Session, reason: str):
        self.session, self.reason = session, reason[:200]

    def __enter__(self) -> None:
        self.id = self.session.execute(
            insert(AuditUnlock).values(reason=self.reason, at=utcnow()).returning(AuditUnlock.id)
        ).scalar_one()

    def __exit__(self, *_exc) -> None:
        self.session.execute(delete(AuditUnlock).where(AuditUnlock.id == self.id))


def checkpoint(purged: AuditPurge, key: str) -> dict:
    """What the checkpoint row states: the last purged position and hash, signed with PSQ_AUDIT_KEY."""
    signature = audit_chain.checkpoint_signature(key, purged.last_seq, purged.last_hash)
    return {
        "deleted": purged.deleted,
        "last_seq": purged.last_seq,
        "last_hash": purged.last_hash,
        "signature": signature,
    }
