"""The server warms the map's caches as it starts (diagnostics/web/warmup.py): the reference
layers and the unfiltered grid of every commander's scope are ready before the first reader."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading

import pytest
import streamlit as st

from diagnostics.auth import ADMIN, COMMANDANT, MAIRE
from diagnostics.services import viewport
from diagnostics.services.accounts import NewAccount, add_user, set_active
from diagnostics.web import map_api, warmup
from tests.asgi import request
from tests.conftest import ADMIN_ACTOR
from tests.test_map_api import APP, BOTH, PASSWORD, actor_of, cookie, loaded  # noqa: F401 - fixture

TODAY = dt.date(2026, 12, 1)


@pytest.fixture
def readers(loaded):  # noqa: F811 - the fixture imported above
    add_user(loaded, ADMIN_ACTOR, NewAccount("cdt.7039", COMMANDANT, PASSWORD, departments=("70", "39")))
    add_user(loaded, ADMIN_ACTOR, NewAccount("cdt.closed", COMMANDANT, PASSWORD, departments=("70", "39", "70")))
    set_active(loaded, ADMIN_ACTOR, "cdt.closed", False)  # a closed account: no grid for it
    return loaded


def test_one_reader_per_commander_scope_then_the_administrators(readers):
    scopes = [(actor.role, actor.departments) for actor in warmup.map_readers(readers)]
    assert scopes == [(COMMANDANT, ("39",)), (COMMANDANT, ("39", "70")), (COMMANDANT, ("70",)), (ADMIN, ())]
    assert MAIRE not in {role for role, _ in scopes}


def test_after_the_warm_up_the_first_views_compute_nothing(readers, monkeypatch):
    viewport.forget_grids()
    map_api.forget()
    warmup.warm(readers)
    assert len(viewport._grids) == 4

    def not_again(*_args, **_kwargs):
        raise AssertionError("computed again")

    monkeypatch.setattr(viewport, "_cells_frame", not_again)
    monkeypatch.setattr(map_api, "_reference_json", not_again)
    sent = {"host": "127.0.0.1:8501", "cookie": f"psq_session={cookie(readers, 'cdt.70')}"}
    for kind in map_api.REFERENCE_LAYERS:
        assert request(APP, f"{map_api.REFERENCE_PATH}/{kind}", headers=sent).status == 200
    view = request(APP, f"{map_api.PATH}?bbox={','.join(map(str, BOTH))}&zoom=8", headers=sent)
    assert view.status == 200 and view.json()["mode"] == "cells"
    # the same data as a cold server computes it
    cold = viewport.view_data(
        readers, actor_of(readers, "cdt.70"), viewport.ObservationFilter(), viewport.View(BOTH, 8)
    )
    assert view.json()["total"] == cold.total > 0


def test_ready_says_503_while_the_server_warms_then_200(readers, monkeypatch):
    viewport.forget_grids()
    map_api.forget()
    gate, entered = threading.Event(), threading.Event()
    real_warm = warmup.warm

    def slow_warm(db):  # the warm-up held open until the test has asked
        entered.set()
        gate.wait(30)
        real_warm(db)

    monkeypatch.setattr(warmup, "warm", slow_warm)
    monkeypatch.setattr(warmup, "database", lambda: readers)
    monkeypatch.setattr(warmup, "_runtime_started", lambda: False)  # no Streamlit runtime in this test
    thread = warmup.start()
    assert entered.wait(30)
    during = request(APP, "/api/ready")
    assert during.status == 503 and during.json() == {"statut": "préchauffage en cours"}
    assert during.headers["retry-after"] == "1"
    gate.set()
    thread.join(60)
    after = request(APP, "/api/ready")
    assert after.status == 200 and after.json() == {"statut": "prêt"}
    assert len(viewport._grids) == 4  # it did warm


def test_a_failed_warm_up_still_ends_ready(readers, monkeypatch):
    def broken(_db):
        raise RuntimeError("boom")

    monkeypatch.setattr(warmup, "warm", broken)
    monkeypatch.setattr(warmup, "database", lambda: readers)
    warmup.start().join(30)
    assert warmup.ready() and request(APP, "/api/ready").status == 200


def test_after_the_pages_warm_up_the_carte_first_open_reads_nothing(readers, monkeypatch):
    from diagnostics.ui import carte_data, common

    st.cache_data.clear()
    st.cache_resource.clear()
    warmup.warm_pages(readers, today=TODAY)

    def not_again(*_args, **_kwargs):
        raise AssertionError("read again")

    for name in ("count_observations", "observations_frame"):
        monkeypatch.setattr(carte_data, name, not_again)
    monkeypatch.setattr(carte_data.assignments, "count_overdue", not_again)
    monkeypatch.setattr(carte_data.viewport, "extent", not_again)
    monkeypatch.setattr(carte_data.maps, "prepare_base", not_again)
    commander = actor_of(readers, "cdt.70")  # a person of a warmed scope, not the warm-up's reader
    carte_data.warm(readers, commander, TODAY)
    assert carte_data.count(common.Reader(readers, commander), carte_data.ObservationFilter()) > 0


def test_the_pages_modules_do_not_declare_the_map_component_outside_a_page_run():
    # Declared outside a page's run (the warm-up's thread), streamlit-folium's component would
    # never be served: the Carte's reads must not import it.
    code = "import sys, diagnostics.ui.carte_data; print('streamlit_folium' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"
