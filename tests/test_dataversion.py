"""Data versions: every change bumps its scope's counter in its own transaction, and page caches
keyed by it see a change made through another connection (another process) at the next call."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from shapely.geometry import Polygon
from sqlalchemy import text, update

from diagnostics import dataversion
from diagnostics.db import open_database
from diagnostics.models import Diagnostic, Observation, ObservationEvent
from diagnostics.services import audit, observations, reference, reference_edits, retention
from diagnostics.ui import common
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    LONS,
    make_diagnostic,
    make_observation,
)

ZONE = Polygon([(5.58, 47.44), (5.60, 47.44), (5.60, 47.45), (5.58, 47.45)])


def versions(db) -> tuple[int, int]:
    return db.data_version(dataversion.REFERENCE), db.data_version(dataversion.OBSERVATIONS)


def cached_count(reads: list[str]):
    """The scope's count through the Carte's cache, noting in `reads` each actor it is computed for."""

    @common.data_cache()
    def count(reader: common.Reader) -> int:
        reads.append(reader.actor.login)
        return observations.count_observations(reader.db, reader.actor)

    return count


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


# --- per département ----------------------------------------------------------------------------


def by_department(db) -> dict[str, int]:
    return dict(db.observation_versions(("39", "70")))


def jura_diagnostic(db, team_id) -> int:
    return make_diagnostic(db, team_id, commune=LONS[0], place="La Marjorie")


def test_a_change_in_the_jura_bumps_the_jura_only(db, team_id):
    diagnostic = jura_diagnostic(db, team_id)
    before, everything = by_department(db), db.data_version(dataversion.OBSERVATIONS)
    make_observation(db, diagnostic, lat=LONS[1], lon=LONS[2])
    after = by_department(db)
    assert after["observations:39"] > before["observations:39"]
    assert after["observations:70"] == before["observations:70"]
    assert db.data_version(dataversion.OBSERVATIONS) > everything  # every observation's counter too


def test_the_haute_saone_commanders_cache_stays_through_a_jura_save(db, team_id):
    reads: list[str] = []
    count = cached_count(reads)
    st.cache_data.clear()
    gray, lons = make_diagnostic(db, team_id), jura_diagnostic(db, team_id)
    make_observation(db, gray)
    assert count(common.Reader(db, COMMANDANT_70)) == 1
    assert count(common.Reader(db, COMMANDANT_39)) == 0
    make_observation(db, lons, lat=LONS[1], lon=LONS[2])
    assert count(common.Reader(db, COMMANDANT_70)) == 1  # from the cache: nothing changed in the 70
    assert count(common.Reader(db, COMMANDANT_39)) == 1
    assert reads == [COMMANDANT_70.login, COMMANDANT_39.login, COMMANDANT_39.login]
    make_observation(db, gray)
    assert count(common.Reader(db, COMMANDANT_70)) == 2
    assert count(common.Reader(db, ADMIN_ACTOR)) == 3


def test_moving_an_observation_between_departements_bumps_both(db, team_id, admin):
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    before = by_department(db)
    with db.session() as session:  # a commune corrected (as an import's fix-up would)
        session.get(Observation, observation_id).commune_insee = LONS[0]
    after = by_department(db)
    assert after["observations:70"] > before["observations:70"]
    assert after["observations:39"] > before["observations:39"]


def test_a_status_change_bumps_the_observations_departement(db, team_id, admin):
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    before = by_department(db)
    with db.session() as session:
        observation = session.get(Observation, observation_id)
        session.add(
            ObservationEvent(observation_id=observation_id, actor="x", kind="status", old_value="", new_value="")
        )
        observation.status = "en_cours"
    after = by_department(db)
    assert (
        after["observations:70"] > before["observations:70"] and after["observations:39"] == before["observations:39"]
    )


def test_an_edited_diagnostic_bumps_the_departements_of_its_observations(db, team_id):
    diagnostic_id = jura_diagnostic(db, team_id)
    observation_id = make_observation(db, diagnostic_id, lat=LONS[1], lon=LONS[2])
    with db.session() as session:  # one of its points counted in the 70 (written outside the ORM)
        session.execute(
            text("UPDATE observations SET commune_insee = :c WHERE id = :i"), {"c": GRAY[0], "i": observation_id}
        )
    before = by_department(db)
    with db.session() as session:
        session.get(Diagnostic, diagnostic_id).place = "Autre lieu"  # shown on its observations' rows
    after = by_department(db)
    assert after["observations:70"] > before["observations:70"]
    assert after["observations:39"] > before["observations:39"]


def test_bulk_statements_and_the_purge_bump_every_departement(db, team_id, admin):
    make_diagnostic(db, team_id, visited_on=dt.date(2001, 1, 1))
    before = by_department(db)
    retention.purge(db, admin, today=dt.date(2026, 12, 1), retention_days=365, dry_run=False)
    after = by_department(db)
    assert all(after[scope] > before[scope] for scope in before)
    with db.session() as session:
        session.execute(update(Observation).where(Observation.id < 0).values(description=""))
    assert all(value > after[scope] for scope, value in by_department(db).items())


def test_a_scope_without_departements_reads_the_counter_of_all(db, team_id):
    assert db.observation_versions(()) == ((dataversion.OBSERVATIONS, db.data_version(dataversion.OBSERVATIONS)),)


def test_a_save_through_another_process_shows_in_its_departement_only(db, db_url, team_id):
    """Another process (here another engine) saves in the 70: the 70's cached count follows at
    the next call, the 39's stays cached."""
    reads: list[str] = []
    count = cached_count(reads)
    st.cache_data.clear()
    assert (count(common.Reader(db, COMMANDANT_70)), count(common.Reader(db, COMMANDANT_39))) == (0, 0)
    other = open_database(db_url)
    try:
        make_observation(other, make_diagnostic(other, team_id))
    finally:
        other.dispose()
    assert (count(common.Reader(db, COMMANDANT_70)), count(common.Reader(db, COMMANDANT_39))) == (1, 0)
    assert reads == [COMMANDANT_70.login, COMMANDANT_39.login, COMMANDANT_70.login]
