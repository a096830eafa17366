"""The analysis page (charts, month by month, coverage), run on its own with AppTest."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from diagnostics.config import PROJECT_ROOT
from tests.conftest import COMMANDANT_70, LONS, MAIRE_GRAY, make_diagnostic, make_observation
from tests.test_app import errors, log_in_as

PAGE = str(PROJECT_ROOT / "diagnostics" / "ui" / "analyse.py")


@pytest.fixture
def page(db_url):
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(PAGE, default_timeout=120)
    st.cache_resource.clear()


def test_the_analysis_shows_charts_months_and_coverage(page, db, team_id):
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic, severity=4)
    make_observation(db, make_diagnostic(db, team_id, visited_on=dt.date(2026, 6, 3)), category="depots")
    log_in_as(page, COMMANDANT_70).run()
    assert not page.exception and not errors(page)
    assert page.caption[0].value.startswith("2 observation(s)")
    assert len(page.get("vega_lite_chart")) == 3
    page.session_state["f_view"] = "months"
    page.run()
    assert len(page.get("vega_lite_chart")) == 1
    assert page.select_slider(key="f_month").options == [
        "juin 2026",
        "juillet 2026",
        "août 2026",
        "septembre 2026",
    ]  # French month names
    page.session_state["f_view"] = "coverage"
    page.run()
    assert not page.exception and [metric.value for metric in page.metric][:2] == ["2", "0"]


def test_out_of_zone_observations_are_listed(page, db, team_id):
    make_observation(db, make_diagnostic(db, team_id, commune=LONS[0], place="Centre"), lat=LONS[1], lon=LONS[2])
    log_in_as(page, COMMANDANT_70.__class__(login="cdt", role="commandant", departments=("39",)))
    page.session_state["f_view"] = "coverage"
    page.run()
    assert not page.exception
    assert [metric.value for metric in page.metric][:2] == ["1", "1"]


def test_a_maire_cannot_open_the_analysis(page, db):
    log_in_as(page, MAIRE_GRAY).run()
    assert any("commandants" in message for message in errors(page))
