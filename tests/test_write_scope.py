"""Every write is scoped by the actor's départements (issue 12): a commandant of the Jura cannot
start, fill, photograph, close or follow up a diagnostic of Haute-Saône, and is not offered to."""

from __future__ import annotations

import pytest

from diagnostics.errors import NotFound, PermissionDenied
from diagnostics.field_models import Photo
from diagnostics.io.photos import prepare_photo
from diagnostics.models import AuditEvent, Diagnostic, Observation
from diagnostics.services import checklists, closures, follow_up, photos, scope
from diagnostics.services.reference import list_teams
from tests.conftest import COMMANDANT_39, COMMANDANT_70, LONS, VESOUL, make_diagnostic, make_observation
from tests.test_photos import jpeg_with_exif


@pytest.fixture
def vesoul_diagnostic(db, team_id) -> int:
    return make_diagnostic(db, team_id, commune=VESOUL[0], place="Quartier du Montmarin")


def _counts(db) -> tuple[int, ...]:
    with db.session() as session:
        return tuple(session.query(model).count() for model in (Diagnostic, Observation, Photo, AuditEvent))


def _team(db, department: str) -> int:
    return next(team.id for team in list_teams(db) if team.department == department)


def test_a_jura_commandant_cannot_start_a_diagnostic_in_haute_saone(db):
    before = _counts(db)
    with pytest.raises(PermissionDenied, match="périmètre"):
        make_diagnostic(db, _team(db, "39"), commune=VESOUL[0], actor=COMMANDANT_39)
    with pytest.raises(PermissionDenied, match="périmètre"):  # nor lend a Haute-Saône team to Lons
        make_diagnostic(db, _team(db, "70"), commune=LONS[0], actor=COMMANDANT_39)
    assert _counts(db) == before
    assert make_diagnostic(db, _team(db, "39"), commune=LONS[0], actor=COMMANDANT_39)


def test_a_jura_commandant_cannot_write_to_a_vesoul_diagnostic(db, vesoul_diagnostic, tmp_path, monkeypatch):
    monkeypatch.setenv("PSQ_PHOTO_DIR", str(tmp_path / "photos"))
    observation_id = make_observation(db, vesoul_diagnostic, lat=VESOUL[1], lon=VESOUL[2])
    before = _counts(db)
    writes = {
        "observation": lambda: make_observation(
            db, vesoul_diagnostic, lat=VESOUL[1], lon=VESOUL[2], actor=COMMANDANT_39
        ),
        "photo": lambda: photos.store_photo(
            db, COMMANDANT_39, vesoul_diagnostic, prepare_photo(jpeg_with_exif(gps=False))
        ),
        "grid": lambda: checklists.save_answers(db, COMMANDANT_39, vesoul_diagnostic, {}),
        "close": lambda: closures.close_diagnostic(db, COMMANDANT_39, vesoul_diagnostic),
    }
    for name, write in writes.items():
        with pytest.raises(PermissionDenied, match="périmètre"):
            write()
        assert _counts(db) == before, name
    with pytest.raises(NotFound):
        follow_up.save_follow_up(db, COMMANDANT_39, observation_id, 1, follow_up.FollowUp(status="transmise"))
    assert not (tmp_path / "photos").exists() or not list((tmp_path / "photos").iterdir())
    # The commandant of Haute-Saône may.
    make_observation(db, vesoul_diagnostic, lat=VESOUL[1], lon=VESOUL[2], actor=COMMANDANT_70)
    closures.close_diagnostic(db, COMMANDANT_70, vesoul_diagnostic)


def test_the_new_diagnostic_form_offers_only_the_actors_teams_and_communes(db, agent):
    teams, communes = scope.new_diagnostic_choices(db, COMMANDANT_39)
    departments = {team.id: team.department for team in list_teams(db)}
    assert teams and {departments[team_id] for team_id in teams} == {"39"}
    assert LONS[0] in communes and VESOUL[0] not in communes
    assert all(insee.startswith("39") for insee in communes)
    agent_teams, agent_communes = scope.new_diagnostic_choices(db, agent)
    assert list(agent_teams) == [agent.team_id] and VESOUL[0] in agent_communes and LONS[0] in agent_communes
