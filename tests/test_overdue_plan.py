"""« En retard » is counted from its own index (migration 0022): the open statuses' ranges of
past due dates, each scope tested on the index's columns, no row read. Through the due dates'
index alone it read every row with a past due date, closed ones included: 8-12 s at 1,000,000."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.services import assignments
from diagnostics.synthetic import load_synthetic
from tests.conftest import ADMIN_ACTOR
from tests.test_box_plans import ROLES, last_statement

TODAY = dt.date(2026, 12, 3)


@pytest.fixture
def loaded(db):
    load_synthetic(db, ADMIN_ACTOR, 3_000, today=TODAY)
    if not db.is_sqlite:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE observations")  # index-only scans need the visibility map
    return db


def test_the_overdue_count_reads_its_index_alone_for_every_role(loaded):
    for role in ("admin", "commandant", "agent"):
        actor = ROLES[role]
        statement, parameters, counted = last_statement(
            loaded, lambda a=actor: assignments.count_overdue(loaded, a, today=TODAY)
        )
        plan = _plan(loaded, statement, parameters)
        if loaded.is_sqlite:
            assert "SEARCH observations USING COVERING INDEX ix_observations_overdue (status=? AND due_on<?)" in plan
        else:  # a small table: the index must still be the way, without the rows (heap)
            assert "Index Only Scan using ix_observations_overdue" in plan, plan
        assert counted == len(assignments.overdue_ids(loaded, actor, today=TODAY)) and (role != "admin" or counted > 0)


def _plan(db, statement, parameters) -> str:
    with db.engine.connect() as connection:
        if db.is_sqlite:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            return "\n".join(str(row[-1]) for row in rows)
        connection.exec_driver_sql("SET enable_seqscan = off")  # 3,000 rows: a scan would be cheaper
        rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        return "\n".join(str(row[0]) for row in rows)
