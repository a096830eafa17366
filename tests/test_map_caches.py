"""The commanders' map caches (issue 20): keyed by data version and by scope, not by user or time."""

from __future__ import annotations

import streamlit as st

from diagnostics.auth import COMMANDANT, Actor
from diagnostics.services import observations
from diagnostics.ui import carte_data, common
from tests.conftest import COMMANDANT_39, COMMANDANT_70, make_diagnostic, make_observation
from tests.test_app import app, log_in_as, open_page  # noqa: F401 (fixture)

OTHER_COMMANDANT_70 = Actor(login="autre.commandant70.test", role=COMMANDANT, departments=("70",))


def test_commanders_of_one_departement_share_one_cached_copy(db, team_id):
    computed = []

    @common.data_resource()
    def points(db, actor):
        computed.append(actor.login)
        return observations.observation_points(db, actor)

    st.cache_resource.clear()
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic)
    assert len(points(db, COMMANDANT_70)) == 1
    assert len(points(db, OTHER_COMMANDANT_70)) == 1
    assert computed == [COMMANDANT_70.login]  # same scope: one copy, whoever asks
    assert len(points(db, COMMANDANT_39)) == 0
    make_observation(db, diagnostic)  # a new data version: computed again
    assert len(points(db, OTHER_COMMANDANT_70)) == 2
    assert computed == [COMMANDANT_70.login, COMMANDANT_39.login, OTHER_COMMANDANT_70.login]


def test_lines_and_polygons_are_read_once_per_data_version(app, db, team_id, monkeypatch):  # noqa: F811
    reads = []
    real = observations.observations_frame

    def counted(*args, **kwargs):
        if kwargs.get("shapes_only"):
            reads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(observations, "observations_frame", counted)
    monkeypatch.setattr(carte_data, "observations_frame", counted)  # the Carte's reads (imported once)
    make_observation(db, make_diagnostic(db, team_id))
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    app.run()
    log_in_as(app, OTHER_COMMANDANT_70)
    app.run()
    assert not app.exception
    assert len(reads) == 1
