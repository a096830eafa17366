"""What each role can and cannot read or change, proven through the services (not the pages)."""

from __future__ import annotations

import pytest

from diagnostics.auth import Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import audit, fieldwork
from diagnostics.services.exports import commune_snapshot, export_layer
from diagnostics.services.observations import observations_frame
from diagnostics.services.reference import list_teams
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    LONS,
    MAIRE_GRAY,
    VESOUL,
    make_diagnostic,
    make_observation,
)


@pytest.fixture
def recorded(db, team_id):
    """Gray (team of the agent): one shareable and one confidential observation; Vesoul and Lons: one each."""
    teams = {t.name: t.id for t in list_teams(db)}
    gray = make_diagnostic(db, team_id)
    vesoul = make_diagnostic(db, teams["Groupe VTT de Vesoul"], commune=VESOUL[0], place="Centre")
    lons = make_diagnostic(db, teams["Commissariat de Lons-le-Saunier"], commune=LONS[0], place="La Marjorie")
    return {
        "gray_shared": make_observation(db, gray, description="Haie haute", shareable=True),
        "gray_secret": make_observation(db, gray, description="Guetteurs au hall B", category="stupefiants"),
        "vesoul": make_observation(db, vesoul, lat=VESOUL[1], lon=VESOUL[2]),
        "lons": make_observation(db, lons, lat=LONS[1], lon=LONS[2]),
        "gray_diagnostic": gray,
        "vesoul_diagnostic": vesoul,
        "vesoul_team": teams["Groupe VTT de Vesoul"],
    }


def visible(db, actor: Actor) -> set[int]:
    return set(observations_frame(db, actor)["id"])


# --- agent ----------------------------------------------------------------------------------


def test_an_agent_reads_and_records_for_their_team_only(db, agent, recorded):
    assert visible(db, agent) == {recorded["gray_shared"], recorded["gray_secret"]}
    assert [d.id for d in fieldwork.list_diagnostics(db, agent)] == [recorded["gray_diagnostic"]]
    make_observation(db, recorded["gray_diagnostic"], actor=agent)
    with pytest.raises(PermissionDenied, match="autre équipe"):
        make_observation(db, recorded["vesoul_diagnostic"], actor=agent, lat=VESOUL[1], lon=VESOUL[2])
    with pytest.raises(PermissionDenied, match="autre équipe"):
        make_diagnostic(db, recorded["vesoul_team"], actor=agent, commune=VESOUL[0])


def test_an_agent_exports_nothing_and_reads_no_audit(db, agent, recorded, tmp_path):
    with pytest.raises(PermissionDenied):
        export_layer(db, agent, "observations", tmp_path / "o.geojson")
    with pytest.raises(PermissionDenied):
        commune_snapshot(db, agent, GRAY[0], "png")
    with pytest.raises(PermissionDenied):
        audit.audit_events(db, agent)
    assert not (tmp_path / "o.geojson").exists()


# --- commandant -----------------------------------------------------------------------------


def test_a_commandant_reads_every_observation_of_their_departement_only(db, recorded):
    assert visible(db, COMMANDANT_70) == {recorded["gray_shared"], recorded["gray_secret"], recorded["vesoul"]}
    assert visible(db, COMMANDANT_39) == {recorded["lons"]}
    secret = observations_frame(db, COMMANDANT_70).set_index("id").loc[recorded["gray_secret"]]
    assert secret.description == "Guetteurs au hall B"  # the forces read everything


def test_a_commandant_exports_snapshots_of_their_departement_only(db, recorded):
    assert commune_snapshot(db, COMMANDANT_70, GRAY[0], "png").startswith(b"\x89PNG")
    with pytest.raises(PermissionDenied, match="périmètre"):
        commune_snapshot(db, COMMANDANT_70, LONS[0], "png")


def test_a_commandant_cannot_manage_accounts_or_read_the_audit_log(db):
    from diagnostics.services.accounts import NewAccount, add_user

    with pytest.raises(PermissionDenied):
        add_user(db, COMMANDANT_70, NewAccount(login="intrus", role="admin", password="x" * 12))
    with pytest.raises(PermissionDenied):
        audit.audit_events(db, COMMANDANT_70)


# --- maire ----------------------------------------------------------------------------------


def test_a_maire_reads_only_their_commune_and_only_shareable_text(db, recorded):
    frame = observations_frame(db, MAIRE_GRAY).set_index("id")
    assert set(frame.index) == {recorded["gray_shared"], recorded["gray_secret"]}
    assert frame.loc[recorded["gray_shared"], "description"] == "Haie haute"
    assert frame.loc[recorded["gray_secret"], "description"] == ""
    assert "author" not in frame.columns and "team_name" not in frame.columns  # the forces' own data


def test_a_maire_downloads_their_snapshot_but_no_other_and_records_nothing(db, recorded, team_id, tmp_path):
    assert commune_snapshot(db, MAIRE_GRAY, GRAY[0], "png").startswith(b"\x89PNG")
    with pytest.raises(PermissionDenied, match="votre commune"):
        commune_snapshot(db, MAIRE_GRAY, VESOUL[0], "png")
    with pytest.raises(PermissionDenied):
        make_diagnostic(db, team_id, actor=MAIRE_GRAY)
    with pytest.raises(PermissionDenied):
        fieldwork.list_diagnostics(db, MAIRE_GRAY)
    with pytest.raises(PermissionDenied):
        export_layer(db, MAIRE_GRAY, "observations", tmp_path / "o.geojson")


# --- admin ----------------------------------------------------------------------------------


def test_an_admin_reads_everything_and_the_audit_log(db, recorded):
    assert len(visible(db, ADMIN_ACTOR)) == 4
    events = audit.audit_events(db, ADMIN_ACTOR)
    assert (events["action"] == "create").sum() == 7  # 3 diagnostics + 4 observations


def test_the_label_names_the_role_once():
    assert Actor("commandant.39", "commandant", display_name="Commandant (39)").label == "Commandant (39)"
    assert Actor("maire.gray", "maire", display_name="Mairie de Gray").label == "Mairie de Gray (Maire)"
    assert Actor("admin.psq", "admin").label == "admin.psq (Administrateur)"
