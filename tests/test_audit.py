"""The audit log: what is recorded, that it cannot be altered, its CSV export."""

from __future__ import annotations

import csv
import io
import json

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from diagnostics.services import audit
from diagnostics.services.exports import commune_snapshot, export_layer
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, GRAY, make_diagnostic, make_observation


def events(db, **criteria):
    return audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(**criteria))


def test_creations_carry_who_and_what(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id, actor=COMMANDANT_70)
    make_observation(db, diagnostic_id, actor=COMMANDANT_70, description="Tag sur l'abribus")
    created = events(db, actions=("create",))
    assert list(created["entity"]) == ["observation", "diagnostic"]
    assert set(created["actor"]) == {COMMANDANT_70.login}
    assert json.loads(created["after"].iloc[0])["description"] == "Tag sur l'abribus"


def test_exports_are_audited(db, team_id, tmp_path):
    make_observation(db, make_diagnostic(db, team_id))
    commune_snapshot(db, COMMANDANT_70, GRAY[0], "png")
    export_layer(db, ADMIN_ACTOR, "observations", tmp_path / "o.geojson")
    exported = events(db, actions=("export",))
    assert list(exported["entity"]) == ["observations", "commune"]
    assert list(exported["actor"]) == [ADMIN_ACTOR.login, COMMANDANT_70.login]


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"])
def test_the_log_is_append_only_in_the_database_itself(db, team_id, statement):
    make_diagnostic(db, team_id)
    with pytest.raises(DatabaseError, match="append-only"), db.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(events(db)) == 1


def test_filters_and_csv_export(db, team_id):
    make_diagnostic(db, team_id, actor=COMMANDANT_70, place='=HYPERLINK("http://x")')
    make_diagnostic(db, team_id, place="Quai")
    assert len(events(db, actor=COMMANDANT_70.login)) == 1
    csv_text = audit.audit_csv(events(db)).decode("utf-8")
    assert csv_text.startswith("\ufeffat;actor;action;")
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 3 and rows[0] == list(audit.AUDIT_COLUMNS)


def test_csv_cells_a_spreadsheet_would_evaluate_stay_text():
    frame = pd.DataFrame({"detail": ["=1+1", "+33 6", "-2", "@SUM(A1)", "ok"]})
    rows = list(csv.reader(io.StringIO(audit.audit_csv(frame).decode("utf-8").lstrip("\ufeff")), delimiter=";"))
    assert [row[0] for row in rows[1:]] == ["'=1+1", "'+33 6", "'-2", "'@SUM(A1)", "ok"]


def test_refused_attempts_are_audited_once_with_who_what_and_why(db, tmp_path):
    from diagnostics.errors import PermissionDenied
    from diagnostics.services.exports import commune_snapshot
    from tests.conftest import COMMANDANT_39, MAIRE_GRAY, VESOUL

    with pytest.raises(PermissionDenied):
        commune_snapshot(db, MAIRE_GRAY, VESOUL[0], "pdf")  # another commune's export
    with pytest.raises(PermissionDenied):
        commune_snapshot(db, COMMANDANT_39, GRAY[0], "png")  # outside the commandant's départements
    with pytest.raises(PermissionDenied):
        export_layer(db, MAIRE_GRAY, "observations", tmp_path / "obs.geojson")
    refused = events(db, actions=("refused",))
    assert list(refused["actor"]) == [MAIRE_GRAY.login, COMMANDANT_39.login, MAIRE_GRAY.login][::-1]
    assert list(refused["entity_id"]) == ["observations", GRAY[0], VESOUL[0]]
    assert refused["detail"].iloc[-1] == "Vous n'avez accès qu'aux données de votre commune."
    assert set(refused["entity"]) == {"snapshot_layers", "export_layer"}  # the inner use case, once each
    assert not events(db, actions=("export",)).shape[0]  # and nothing was exported
