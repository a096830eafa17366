"""Twenty people recording at the same time lose nothing, on each backend.

Each session has its own `Database` (as separate Streamlit processes behind a proxy would) and
records its diagnostic and observations through the services, all threads released together.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from diagnostics.db import open_database
from diagnostics.models import AuditEvent, Diagnostic, Observation
from tests.conftest import GRAY, make_diagnostic, make_observation

SESSIONS = 20
OBSERVATIONS_EACH = 5


def test_twenty_sessions_recording_together_lose_nothing(db_url, db, team_id):
    start = threading.Barrier(SESSIONS)

    def field_session(number: int) -> list[int]:
        own = open_database(db_url)
        try:
            start.wait()
            diagnostic_id = make_diagnostic(own, team_id, place=f"Rue {number}")
            return [
                make_observation(
                    own,
                    diagnostic_id,
                    lat=GRAY[1] + i * 1e-4,
                    lon=GRAY[2],
                    description=f"session {number} observation {i}",
                )
                for i in range(OBSERVATIONS_EACH)
            ]
        finally:
            own.dispose()

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        results = list(pool.map(field_session, range(SESSIONS)))

    assert sum(len(ids) for ids in results) == SESSIONS * OBSERVATIONS_EACH
    with db.session() as session:
        assert session.scalar(select(func.count(Diagnostic.id))) == SESSIONS
        assert session.scalar(select(func.count(Observation.id))) == SESSIONS * OBSERVATIONS_EACH
        descriptions = set(session.scalars(select(Observation.description)))
        expected = {f"session {n} observation {i}" for n in range(SESSIONS) for i in range(OBSERVATIONS_EACH)}
        assert descriptions == expected
        created = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "create"))
        assert created == SESSIONS * (1 + OBSERVATIONS_EACH)
