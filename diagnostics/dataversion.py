"""Data versions: counters per kind of data, bumped inside the transaction that changes it.

Every session of a `Database` listens to its own flushes and ORM statements: when a row of a
table below is added, changed or deleted, the counter of that table's scope is incremented in
SQL (`version = version + 1`, never read-modify-write), in the same transaction. A reader
keys its cache by the counter, so a change made by any process (an administrator's import, an
agent's save) is seen at the next rerun everywhere, and nothing is recomputed otherwise.

Observations have a counter per département besides the one for all of them (scope
`observations:70`): a change bumps `observations` and the counter of every département it
touches (the observation's commune before and after the change; for a diagnostic, a photo or
an event, the communes of the observations it belongs to). A reader whose scope is a set of
départements (a commandant) keys its caches by theirs: a save in the Jura leaves the
Haute-Saône commander's caches alone. Statements that bypass the flush (retention purge, bulk
loads) may touch any row: they bump every département's counter.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import event, inspect, select, union
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from diagnostics.models import Commune, DataVersion, Diagnostic, Observation
from diagnostics.visit_models import ObservationVisit

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
# How a changed row of an observations table names its départements, most precise first: the
# first of these attributes it has (its old and new values both count).
_LINKS = ("commune_insee", "observation_id", "visit_id", "diagnostic_id")


def department_scope(department: str) -> str:
    """The counter of the observations of one département (`observations:70`)."""
    return f"{OBSERVATIONS}:{department}"


def install(sessions: sessionmaker) -> None:
    """Make every session of `sessions` bump the counters of what it changes."""
    event.listen(sessions, "after_flush", _after_flush)
    event.listen(sessions, "do_orm_execute", _after_statement)


def current(session: Session, scope: str) -> int:
    """The counter of `scope` (0 when nothing bumped it yet)."""
    value = session.execute(select(DataVersion.version).where(DataVersion.scope == scope)).scalar()
    return value or 0


def observation_versions(session: Session, departments: Iterable[str] = ()) -> tuple[tuple[str, int], ...]:
    """What observations read in `departments` depend on: their counters (one indexed read);
    for no département (every observation), the counter of all observations."""
    scopes = sorted({department_scope(d) for d in departments}) or [OBSERVATIONS]
    found = dict(
        session.execute(select(DataVersion.scope, DataVersion.version).where(DataVersion.scope.in_(scopes)))
        .tuples()
        .all()
    )
    return tuple((scope, found.get(scope, 0)) for scope in scopes)


def bump(session: Session, scopes: Iterable[str]) -> None:
    """Increment the counters of `scopes` in the session's transaction (a missing one starts at 1)."""
    wanted = sorted(set(scopes))  # a fixed order: two writers never wait on each other crosswise
    if not wanted:
        return
    connection = session.connection()
    insert = sqlite_insert if connection.dialect.name == "sqlite" else postgresql_insert
    statement = insert(DataVersion).values([{"scope": scope, "version": 1} for scope in wanted])
    statement = statement.on_conflict_do_update(
        index_elements=[DataVersion.scope], set_={"version": DataVersion.version + 1}
    )
    connection.execute(statement)


def bump_all_observations(session: Session) -> None:
    """Increment the counter of all observations and of every département (a change that may
    touch any row: a bulk statement)."""
    departments = session.connection().execute(select(Commune.department).distinct()).scalars()
    bump(session, [OBSERVATIONS, *(department_scope(d) for d in departments)])


def _after_flush(session: Session, _flush_context) -> None:
    # after_flush still sees the pre-flush new/dirty/deleted collections and attribute history.
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    scopes = {SCOPE_OF_TABLE.get(getattr(o, "__tablename__", "")) for o in changed} - {None}
    observed = [o for o in changed if SCOPE_OF_TABLE.get(getattr(o, "__tablename__", "")) == OBSERVATIONS]
    if observed:
        scopes |= {department_scope(d) for d in _departments_of(session, observed)}
    bump(session, scopes)


def _departments_of(session: Session, rows: list) -> set[str]:
    """The départements whose observations these changed rows belong to, before or after."""
    links: dict[str, set] = {name: set() for name in _LINKS}
    for row in rows:
        for name in _LINKS:
            found = _values(row, name) if hasattr(row, name) else set()
            if found:
                links[name] |= found
                break
        if isinstance(row, Diagnostic) and row.id is not None:  # its team and place show on its observations
            links["diagnostic_id"].add(row.id)
    queries = []
    if links["commune_insee"]:
        queries.append(select(Commune.department).where(Commune.insee.in_(links["commune_insee"])))
    observations = select(Commune.department).join(Observation, Observation.commune_insee == Commune.insee)
    if links["observation_id"]:
        queries.append(observations.where(Observation.id.in_(links["observation_id"])))
    if links["visit_id"]:
        visited = select(ObservationVisit.observation_id).where(ObservationVisit.id.in_(links["visit_id"]))
        queries.append(observations.where(Observation.id.in_(visited)))
    if links["diagnostic_id"]:
        queries.append(observations.where(Observation.diagnostic_id.in_(links["diagnostic_id"])))
    if not queries:
        return set()
    return set(session.connection().execute(union(*queries)).scalars())


def _values(row, name: str) -> set:
    """The attribute's values in this flush, new and old (an observation moved to another
    commune counts in both départements); read from the history, never loaded."""
    history = inspect(row).attrs[name].history
    return {value for value in (*history.unchanged, *history.added, *history.deleted) if value is not None}


def _after_statement(state) -> None:
    # Bulk INSERT/UPDATE/DELETE statements bypass the flush (retention purge, synthetic data).
    if not (state.is_insert or state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    scope = SCOPE_OF_TABLE.get(state.bind_mapper.local_table.name)
    if scope == OBSERVATIONS:
        bump_all_observations(state.session)
    elif scope is not None:
        bump(state.session, [scope])
