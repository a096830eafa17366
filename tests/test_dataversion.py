"""Data versions: every change bumps its scope's counter in its own transaction, and page caches
keyed by it see a change made through another connection (another process) at the next call."""

from __future__ import annotations

import datetime as dt

from shapely.geometry import Polygon

from diagnostics import dataversion
from diagnostics.db import open_database
from diagnostics.services import audit, reference, reference_edits, retention
from diagnostics.ui import common
from tests.conftest import GRAY, make_diagnostic, make_observation

ZONE = Polygon([(5.58, 47.44), (5.60, 47.44), (5.60, 47.45), (5.58, 47.45)])


def versions(db) -> tuple[int, int]:
    return db.data_version(dataversion.REFERENCE), db.data_version(dataversion.OBSERVATIONS)


def test_recording_bumps_observations_only(db, team_id):
    before = versions(db)
    diagnostic = make_diagnostic(db, team_id)
    after_diagnostic = versions(db)
    make_observation(db, diagnostic)
    after_observation = versions(db)
    assert after_diagnostic[0] == before[0] and after_diagnostic[1] > before[1]
    assert after_observation[0] == before[0] and after_observation[1] > after_diagnostic[1]


def test_a_drawn_zone_bumps_reference(db, admin):
    before = versions(db)
    reference_edits.save_drawn(db, admin, reference_edits.ReferenceDraft("zones", "Zone test", ZONE))
    after = versions(db)
    assert after[0] > before[0] and after[1] == before[1]


def test_writes_to_unversioned_tables_bump_nothing(db, admin):
    before = versions(db)
    with db.session() as session:
        audit.record(session, admin, "login", entity="user", entity_id=admin.login)
    assert versions(db) == before


def test_bulk_statements_bump_their_scope(db, team_id, admin):
    make_diagnostic(db, team_id, visited_on=dt.date(2001, 1, 1))
    before = versions(db)
    retention.purge(db, admin, today=dt.date(2026, 12, 1), retention_days=365, dry_run=False)
    assert versions(db)[1] > before[1]


def test_a_rolled_back_change_leaves_the_counter(db, team_id):
    before = versions(db)
    try:
        with db.session() as session:
            dataversion.bump(session, [dataversion.OBSERVATIONS])
            raise RuntimeError("the use case failed")
    except RuntimeError:
        pass
    assert versions(db) == before


def test_cached_layers_follow_a_change_made_elsewhere(db, db_url, admin, monkeypatch):
    """Another process (here another engine) draws a zone: the cached loader sees it next call."""
    loads = []
    real = reference.patrol_zones_frame
    monkeypatch.setattr(reference, "patrol_zones_frame", lambda database: loads.append(1) or real(database))
    common.context_layers.clear()
    first = common.context_layers(db)[1]
    common.context_layers(db)
    assert len(loads) == 1  # cached while nothing changed
    other = open_database(db_url)
    try:
        reference_edits.save_drawn(other, admin, reference_edits.ReferenceDraft("zones", "Zone d'ailleurs", ZONE))
    finally:
        other.dispose()
    zones = common.context_layers(db)[1]
    assert len(loads) == 2
    assert "Zone d'ailleurs" in set(zones["name"]) and "Zone d'ailleurs" not in set(first["name"])


def test_gray_is_a_commune(db):
    assert GRAY[0] in common.commune_choices(db)
