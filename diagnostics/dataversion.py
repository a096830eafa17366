"""Data versions: a counter per kind of data, bumped inside the transaction that changes it.

Every session of a `Database` listens to its own flushes and ORM statements: when a row of a
table below is added, changed or deleted, the counter of that table's scope is incremented in
SQL (`version = version + 1`, never read-modify-write), in the same transaction. A reader
keys its cache by the counter, so a change made by any process (an administrator's import, an
agent's save) is seen at the next rerun everywhere, and nothing is recomputed otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, sessionmaker

from diagnostics.models import DataVersion

REFERENCE = "reference"
OBSERVATIONS = "observations"

# Which counter a change of each table bumps. Tables not listed (accounts, audit, drafts…)
# feed no cache.
SCOPE_OF_TABLE: dict[str, str] = {
    "communes": REFERENCE,
    "sectors": REFERENCE,
    "patrol_zones": REFERENCE,
    "sites": REFERENCE,
    "cameras": REFERENCE,
    "teams": REFERENCE,
    "commune_dispositifs": REFERENCE,
    "grid_templates": REFERENCE,
    "diagnostics": OBSERVATIONS,
    "observations": OBSERVATIONS,
    "observation_events": OBSERVATIONS,
    "photos": OBSERVATIONS,
    "diagnostic_closures": OBSERVATIONS,
    "diagnostic_grids": OBSERVATIONS,
    "observation_visits": OBSERVATIONS,
    "observation_visit_photos": OBSERVATIONS,
}


def install(sessions: sessionmaker) -> None:
    """Make every session of `sessions` bump the counters of what it changes."""
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _after_statement)


def current(session: Session, scope: str) -> int:
    """The counter of `scope` (0 when the database predates the counters)."""
    value = session.execute(select(DataVersion.version).where(DataVersion.scope == scope)).scalar()
    return value or 0


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Increment the counters of `scopes` in the session's transaction."""
    wanted = sorted(set(scopes))  # a fixed order: two writers never wait on each other crosswise
    if wanted:
        session.connection().execute(
            update(DataVersion).where(DataVersion.scope.in_(wanted)).values(version=DataVersion.version + 1)
        )


def _scopes_of(tables: Iterable[str]) -> set[str]:
    return {SCOPE_OF_TABLE[name] for name in tables if name in SCOPE_OF_TABLE}


def _after_flush(session: Session, _flush_context) -> None:
    # after_flush still sees the pre-flush new/dirty/deleted collections.
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    bump(session, _scopes_of(getattr(o, "__tablename__", "") for o in changed))


def _after_statement(state) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the flush (retention purge, synthetic data).
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    table = state.bind_mapper.local_table.name
    if table in SCOPE_OF_TABLE:
        bump(state.session, _scopes_of([table]))
