"""Hostile input: script, backtick and ${…} payloads in every text that is rendered, SQL fragments in
filters, `../` in file names. None may have any effect beyond being shown as text."""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from diagnostics import maps
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import Observation
from diagnostics.services import accounts, audit, reference
from diagnostics.services.exports import commune_snapshot, export_layer, snapshot_file_name
from diagnostics.services.observations import ObservationFilter, count_observations, observations_frame
from tests.conftest import ADMIN_ACTOR, GRAY, MAIRE_GRAY, app_as, make_diagnostic, make_observation, open_carte_table
from tests.maps.samples import Layers, review_map_of

SCRIPT = "<script>alert('psq')</script>"
TEMPLATE = "`${alert(document.cookie)}`"
IMG = '<img src=x onerror="alert(1)">'
TAG = '<b id="psq-injected">'
PAYLOAD = f"{SCRIPT} {TEMPLATE} {IMG} \\ {TAG}"
SQL = "'; DROP TABLE observations; --"


@pytest.fixture
def hostile(db, team_id):
    diagnostic_id = make_diagnostic(db, team_id, place=PAYLOAD, participants=PAYLOAD, context=PAYLOAD)
    for shareable in (True, False):
        make_observation(
            db, diagnostic_id, description=PAYLOAD, recommendation=PAYLOAD, partner=PAYLOAD, shareable=shareable
        )
    return diagnostic_id


def assert_inert_html(page: str) -> None:
    for live in ("<script>alert", "${alert", "<img src=x", 'onerror="alert', TAG):
        assert live not in page, live


def test_the_command_and_field_maps_show_payloads_as_text(db, hostile):
    observations = observations_frame(db, ADMIN_ACTOR)
    layers = Layers(
        reference.communes_frame(db, (GRAY[0],)),
        reference.sectors_frame(db),
        reference.patrol_zones_frame(db),
        reference.sites_frame(db),
        observations,
    )
    for m in (review_map_of(layers), maps.build_field_map(layers.communes, observations)):
        page = m.get_root().render()
        assert_inert_html(page)
        assert "alert(document.cookie)" in page  # still there, as text


def test_geojson_export_carries_payloads_as_data(db, hostile, tmp_path):
    path = tmp_path / "observations.geojson"
    export_layer(db, ADMIN_ACTOR, "observations", path)
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert {feature["properties"]["description"] for feature in features} == {PAYLOAD}


@pytest.mark.parametrize("fmt", ["html", "pdf", "png"])
def test_mayor_snapshots_render_payloads_as_text(db, hostile, fmt):
    content = commune_snapshot(db, MAIRE_GRAY, GRAY[0], fmt)
    if fmt == "html":
        assert_inert_html(content.decode("utf-8"))
    elif fmt == "pdf":
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
        assert "alert" in text  # the préconisation is printed, verbatim, as text
    else:
        assert content.startswith(b"\x89PNG")


def test_sql_fragments_in_filters_match_nothing_and_harm_nothing(db, hostile):
    for criteria in (
        ObservationFilter(categories=(SQL,)),
        ObservationFilter(communes=("70279' OR '1'='1",)),
        ObservationFilter(statuses=("nouvelle' --",)),
    ):
        assert count_observations(db, ADMIN_ACTOR, criteria) == 0
    assert audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actor="' OR '1'='1")).empty
    with db.session() as session:
        assert session.scalar(select(func.count(Observation.id))) == 2


def test_sql_fragments_in_logins_are_refused(db):
    with pytest.raises(PermissionDenied, match="incorrect"):
        accounts.authenticate(db, "' OR 1=1 --", "x")
    with pytest.raises(ValidationError):
        accounts.add_user(db, ADMIN_ACTOR, accounts.NewAccount(login=SQL, role="admin", password="x" * 12))


def test_file_names_never_climb_out_of_their_folder():
    for hostile_name in ("../../etc/passwd", "..\\..\\windows", "/absolute", "a/../../b", PAYLOAD):
        name = snapshot_file_name("70279", hostile_name, "pdf")
        assert "/" not in name and "\\" not in name and ".." not in name and name.endswith(".pdf")


def test_the_audit_log_stores_payloads_as_data(db, hostile):
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actions=("create",)))
    assert any(PAYLOAD in json.loads(after).get("description", "") for after in events["after"])


def test_tables_show_payloads_verbatim(db_url, db, hostile):
    import streamlit as st

    at = app_as(ADMIN_ACTOR).run()
    at.switch_page("diagnostics/ui/carte.py").run()
    open_carte_table(at)
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["Description"]) == {PAYLOAD} and set(table["Lieu"]) == {PAYLOAD}
    st.cache_resource.clear()
