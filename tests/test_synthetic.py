"""Synthetic observations: deterministic, realistic, inside their commune, loaded in bulk."""

from __future__ import annotations

import datetime as dt
import shutil

from sqlalchemy import func, select, text

from diagnostics import taxonomy
from diagnostics.auth import system_actor
from diagnostics.db import open_database
from diagnostics.models import AuditEvent, Commune, Diagnostic, Observation, Team
from diagnostics.synthetic import load_synthetic

TODAY = dt.date(2026, 11, 20)


def _rows(db):
    with db.session() as session:
        return session.execute(
            select(Observation.commune_insee, Observation.category, Observation.severity, Observation.lon).order_by(
                Observation.id
            )
        ).all()


def test_the_same_seed_gives_the_same_observations(template_database, tmp_path):
    """Two fresh SpatiaLite copies loaded with the same seed hold the same rows."""
    databases = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copyfile(template_database, path)
        databases.append(open_database(f"sqlite:///{path}"))
    try:
        for database in databases:
            load_synthetic(database, system_actor(), 300, today=TODAY)
        first, second = (_rows(database) for database in databases)
        assert first == second and len(first) == 300
    finally:
        for database in databases:
            database.dispose()


def test_observations_are_realistic_and_spread(db):
    assert load_synthetic(db, system_actor(), 2000, today=TODAY) == 2000
    with db.session() as session:
        categories = set(session.scalars(select(Observation.category).distinct()))
        severities = set(session.scalars(select(Observation.severity).distinct()))
        statuses = set(session.scalars(select(Observation.status).distinct()))
        first, last = session.execute(
            select(func.min(Observation.observed_on), func.max(Observation.observed_on))
        ).one()
        wrong_date = session.scalar(
            select(func.count(Observation.id))
            .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
            .where(Diagnostic.visited_on != Observation.observed_on)
        )
        wrong_team = session.scalar(
            select(func.count(Observation.id))
            .join(Diagnostic, Diagnostic.id == Observation.diagnostic_id)
            .join(Team, Team.id == Diagnostic.team_id)
            .join(Commune, Commune.insee == Observation.commune_insee)
            .where(Team.department != Commune.department)
        )
    assert categories == {c.code for c in taxonomy.CATEGORIES}
    assert severities == {1, 2, 3, 4} and statuses == set(taxonomy.STATUSES)
    assert first >= TODAY - dt.timedelta(days=3 * 365) and last <= TODAY and (last - first).days > 900
    assert wrong_date == 0 and wrong_team == 0


def test_every_point_lies_in_its_commune_and_has_its_drawing_point(db):
    load_synthetic(db, system_actor(), 1000, today=TODAY)
    with db.engine.connect() as connection:
        outside = connection.execute(
            text(
                "SELECT count(*) FROM observations o JOIN communes c ON c.insee = o.commune_insee "
                "WHERE NOT ST_Covers(c.geom, o.geom) OR abs(ST_X(o.geom) - o.lon) > 1e-9 "
                "OR abs(ST_Y(o.geom) - o.lat) > 1e-9"
            )
        ).scalar()
    assert outside == 0


def test_assigned_rows_have_the_dates_the_app_would_give_them(db):
    """Assigned some days after the visit (never after today), due by the delay of their gravité:
    the partners' measures and « En retard » count them as they would count real work."""
    from diagnostics.services.partners import DEFAULT_DUE_DAYS

    load_synthetic(db, system_actor(), 2000, today=TODAY)
    with db.session() as session:
        rows = session.execute(
            select(Observation.observed_on, Observation.severity, Observation.assigned_at, Observation.due_on).where(
                Observation.partner_id.is_not(None)
            )
        ).all()
        unassigned_with_dates = session.scalar(
            select(func.count(Observation.id)).where(
                Observation.partner_id.is_(None),
                (Observation.assigned_at.is_not(None)) | (Observation.due_on.is_not(None)),
            )
        )
    assert len(rows) > 500 and unassigned_with_dates == 0
    lags = set()
    for observed_on, severity, assigned_at, due_on in rows:
        lag = (assigned_at.date() - observed_on).days
        assert observed_on <= assigned_at.date() <= TODAY and (lag >= 1 or assigned_at.date() == TODAY)
        assert lag <= 14 and due_on == assigned_at.date() + dt.timedelta(days=DEFAULT_DUE_DAYS[severity])
        lags.add(lag)
    assert len(lags) > 7  # spread over the fortnight, not one day for all
    assert any(due_on < TODAY for *_, due_on in rows) and any(due_on >= TODAY for *_, due_on in rows)


def test_a_bulk_load_writes_one_audit_event(db):
    load_synthetic(db, system_actor(), 500, today=TODAY)
    with db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "observation")).all()
    assert len(events) == 1 and '"observations": 500' in events[0].after


def test_the_command_line_adds_synthetic_observations(db_url, capsys):
    from diagnostics.__main__ import main

    assert main(["init", "--demo", "--observations", "250"]) == 0
    assert "250 observation(s) synthétique(s) ajoutée(s)" in capsys.readouterr().out
