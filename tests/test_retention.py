"""Retention: `purge` anonymises what is older than the retention period."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.errors import PermissionDenied
from diagnostics.models import Diagnostic
from diagnostics.services import audit, retention
from diagnostics.services.observations import observations_frame
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, make_diagnostic, make_observation

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def old_and_new(db, team_id):
    old = make_diagnostic(
        db, team_id, visited_on=dt.date(2023, 1, 10), participants="Adjudant Dupont", context="Signalement de M. Martin"
    )
    new = make_diagnostic(db, team_id, visited_on=dt.date(2026, 11, 1), participants="Gendarme Durand")
    return {
        "old_observation": make_observation(db, old, description="Vu M. Martin au hall", recommendation="Éclairer"),
        "new_observation": make_observation(db, new, description="Tags récents"),
        "old": old,
    }


def test_dry_run_counts_and_changes_nothing(db, old_and_new):
    report = retention.purge(db, ADMIN_ACTOR, retention_days=365, dry_run=True, today=TODAY)
    assert (report.diagnostics, report.observations, report.cutoff) == (1, 1, dt.date(2025, 11, 23))
    assert str(report) == "à anonymiser : 1 diagnostic(s) et 1 observation(s) antérieurs au 23/11/2025"
    assert "Vu M. Martin au hall" in set(observations_frame(db, ADMIN_ACTOR)["description"])


def test_purge_blanks_names_and_free_text_and_keeps_the_rest(db, old_and_new):
    retention.purge(db, ADMIN_ACTOR, retention_days=365, dry_run=False, today=TODAY)
    frame = observations_frame(db, ADMIN_ACTOR).set_index("id")
    old = frame.loc[old_and_new["old_observation"]]
    assert (old.description, old.author, old.recommendation, old.category) == ("", "", "Éclairer", "eclairage")
    assert old.version == 2
    assert frame.loc[old_and_new["new_observation"], "description"] == "Tags récents"
    with db.session() as session:
        old_diagnostic = session.get(Diagnostic, old_and_new["old"])
        kept = (old_diagnostic.participants, old_diagnostic.context, old_diagnostic.place)
    assert kept == ("", "", "Quartier de l'île")
    again = retention.purge(db, ADMIN_ACTOR, retention_days=365, dry_run=True, today=TODAY)
    assert (again.diagnostics, again.observations) == (0, 0)
    purges = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("purge",)))
    assert len(purges) == 1 and purges["actor"].iloc[0] == ADMIN_ACTOR.login


def test_only_admins_purge(db, old_and_new):
    with pytest.raises(PermissionDenied):
        retention.purge(db, COMMANDANT_70, retention_days=365, dry_run=True, today=TODAY)
