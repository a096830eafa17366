"""The measures the hierarchy asks for (issue 15): a pure computation over hand-made frames
(medians, ties, an empty partner, the share on time), the CSV, and the rows read from a database."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from diagnostics.auth import AGENT, PARTENAIRE, Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import assignments, partner_answers, revisits
from diagnostics.services.partner_measures import (
    ROW_COLUMNS,
    assignment_rows,
    measures,
    measures_csv,
    partners_in_scope,
)
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    GRAY,
    LONS,
    make_diagnostic,
    make_observation,
    make_partner,
)

TODAY = dt.date(2026, 11, 20)
D = dt.date
T = dt.datetime


def rows(*values) -> pd.DataFrame:
    return pd.DataFrame(list(values), columns=list(ROW_COLUMNS))


HAND_MADE = rows(
    # id, partner, commune, status, assigned_at, due_on, taken_at, levee_on
    (1, "Habitat 70", "Gray", "traitee", T(2026, 10, 1, 9), D(2026, 10, 31), T(2026, 10, 3, 9), D(2026, 10, 20)),
    (2, "Habitat 70", "Gray", "traitee", T(2026, 10, 1, 9), D(2026, 10, 31), T(2026, 10, 5, 9), D(2026, 11, 10)),
    (3, "Habitat 70", "Vesoul", "en_cours", T(2026, 10, 1, 9), D(2026, 11, 1), None, None),
    (4, "Commune de Gray", "Gray", "a_revoir", T(2026, 11, 1, 9), D(2026, 12, 1), T(2026, 11, 2, 21), None),
)


def test_medians_with_an_even_count_take_the_mean_of_the_middle_two():
    table = measures(HAND_MADE, "partner", TODAY).set_index("Partenaire")
    habitat = table.loc["Habitat 70"]
    assert habitat["Observations attribuées"] == 3
    assert habitat["Médiane jours → « pris en compte »"] == 3.0  # 2 and 4 days: tie broken by the mean
    assert habitat["Médiane jours → levée constatée"] == 29.5  # 19 and 40 days
    assert (habitat["Ouvertes"], habitat["En retard"]) == (1, 1)  # n° 3 past 01/11
    assert habitat["Part levée dans les délais (%)"] == pytest.approx(33.3)  # 1 of 3 known outcomes
    gray = table.loc["Commune de Gray"]
    assert gray["Médiane jours → « pris en compte »"] == 1.5  # 36 hours
    assert pd.isna(gray["Médiane jours → levée constatée"]) and pd.isna(gray["Part levée dans les délais (%)"])
    assert (gray["Ouvertes"], gray["En retard"]) == (1, 0)


def test_per_commune_and_a_partner_with_nothing_assigned():
    communes = measures(HAND_MADE, "commune", TODAY).set_index("Commune")
    assert communes["Observations attribuées"].to_dict() == {"Gray": 3, "Vesoul": 1}
    assert communes.loc["Gray", "Part levée dans les délais (%)"] == 50.0
    table = measures(HAND_MADE, "partner", TODAY, groups=("Mobigo",)).set_index("Partenaire")
    assert list(table.index) == ["Commune de Gray", "Habitat 70", "Mobigo"]
    mobigo = table.loc["Mobigo"]
    assert (mobigo["Observations attribuées"], mobigo["Ouvertes"], mobigo["En retard"]) == (0, 0, 0)
    assert pd.isna(mobigo["Médiane jours → « pris en compte »"])
    empty = measures(rows(), "partner", TODAY, groups=("Mobigo",))
    assert empty["Partenaire"].tolist() == ["Mobigo"]


def test_the_csv_has_french_headers_semicolons_a_bom_and_decimal_commas():
    data = measures_csv(measures(HAND_MADE, "partner", TODAY)).decode("utf-8")
    assert data.startswith("\ufeffPartenaire;Observations attribuées;")
    assert "Habitat 70;3;1;1;3,0;29,5;33,3" in data
    assert "Commune de Gray;1;1;0;1,5;;" in data


def test_rows_come_from_assignments_answers_and_visits_in_scope(db, team_id, agent):
    habitat = make_partner(db, "Habitat 70", "bailleur")
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)
    partner = Actor(login="habitat70", role=PARTENAIRE, partner_id=habitat)
    partner_answers.answer(db, partner, observation_id, "pris_en_compte", "")
    partner_answers.answer(db, partner, observation_id, "realise", "Lampes changées.")
    revisits.record_visit(db, agent, observation_id, revisits.VisitReport(TODAY, "levee"), today=TODAY)
    [row] = assignment_rows(db, COMMANDANT_70).itertuples()
    assert (row.partner, row.commune, row.status, row.levee_on) == ("Habitat 70", "Gray", "traitee", TODAY)
    assert row.taken_at is not None and row.due_on is not None
    assert assignment_rows(db, COMMANDANT_39).empty


def test_the_partners_listed_with_nothing_assigned_are_those_of_the_actors_territory(db, team_id):
    make_partner(db, "Mobigo", "transporteur", communes=(GRAY[0],))
    make_partner(db, "OPH du Jura", "bailleur", communes=(LONS[0],))
    make_partner(db, "Préfecture", "prefecture")  # covers no commune: only an administrator lists it
    assert partners_in_scope(db, COMMANDANT_70) == ("Mobigo",)
    assert partners_in_scope(db, COMMANDANT_39) == ("OPH du Jura",)
    assert partners_in_scope(db, ADMIN_ACTOR) == ("Mobigo", "OPH du Jura", "Préfecture")
    with pytest.raises(PermissionDenied):
        partners_in_scope(db, Actor(login="agent.test", role=AGENT, team_id=team_id))


def test_analyse_shows_the_partners_measures_with_a_csv(db, team_id, db_url):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.test_analyse_page import PAGE
    from tests.test_app import errors, log_in_as

    habitat = make_partner(db, "Habitat 70", "bailleur")
    make_partner(db, "Mobigo", "transporteur", communes=(GRAY[0],))
    make_partner(db, "OPH du Jura", "bailleur", communes=(LONS[0],))  # another département's partner
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    assignments.assign(db, COMMANDANT_70, observation_id, habitat, today=TODAY)
    st.cache_data.clear()
    st.cache_resource.clear()
    page = AppTest.from_file(PAGE, default_timeout=120)
    log_in_as(page, COMMANDANT_70)
    page.session_state["f_view"] = "partners"
    page.run()
    assert not page.exception and not errors(page)
    table = page.dataframe[0].value.set_index("Partenaire")
    assert table.loc["Habitat 70", "Observations attribuées"] == 1
    assert table.loc["Mobigo", "Observations attribuées"] == 0  # a partner with nothing assigned
    assert "OPH du Jura" not in table.index  # the Jura's partnership is not the 70's commander's
    assert any(button.label == "Télécharger (CSV)" for button in page.get("download_button"))
    # what « En retard » counts is said: a commander preparing a cellule finds late decisions elsewhere
    assert any("décisions des cellules de veille n'y sont pas comptées" in c.value for c in page.caption)
    page.radio(key="an_partners_by").set_value("commune").run()
    assert page.dataframe[0].value["Commune"].tolist() == ["Gray"]
    st.cache_resource.clear()
