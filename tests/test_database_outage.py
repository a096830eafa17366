"""A database that goes away mid-use: a clear message, nothing half-written, recovery when it returns."""

from __future__ import annotations

import pytest
import streamlit as st

from diagnostics.errors import DatabaseUnavailable
from diagnostics.services.observations import observations_frame
from tests.conftest import ADMIN_ACTOR, app_as, make_diagnostic, make_observation, open_carte_table
from tests.postgres_cluster import wait_until_accepting

pytestmark = pytest.mark.parametrize("backend", ["postgis"], indirect=True)  # a server that can be stopped


@pytest.fixture
def outage(postgres):
    """Stop the PostgreSQL server for the test's middle part; always start it again."""

    class Outage:
        def begin(self):
            postgres.stop("immediate")

        def end(self):
            postgres.start()
            wait_until_accepting(postgres)

    control = Outage()
    yield control
    if not _accepting(postgres):
        control.end()


def _accepting(postgres) -> bool:
    import socket

    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", postgres.port)) == 0


def test_services_say_the_database_is_away_then_recover(db, team_id, outage):
    make_observation(db, make_diagnostic(db, team_id))
    outage.begin()
    with pytest.raises(DatabaseUnavailable, match="momentanément inaccessible"):
        observations_frame(db, ADMIN_ACTOR)
    with pytest.raises(DatabaseUnavailable):
        make_diagnostic(db, team_id, place="Pendant la panne")
    outage.end()
    frame = observations_frame(db, ADMIN_ACTOR)  # the same engine reconnects
    assert len(frame) == 1
    assert "Pendant la panne" not in set(frame["place"])


def test_pages_show_a_french_message_during_the_outage_and_work_after(db, team_id, outage):
    make_observation(db, make_diagnostic(db, team_id))
    at = app_as(ADMIN_ACTOR).run()
    open_carte_table(at.switch_page("diagnostics/ui/carte.py").run())
    assert len(at.dataframe[0].value) == 1
    outage.begin()
    at.run()
    assert not at.exception
    assert any("momentanément inaccessible" in error.value for error in at.error)
    outage.end()
    at.run()
    assert not at.exception and not at.error
    assert len(at.dataframe[0].value) == 1
    st.cache_resource.clear()
