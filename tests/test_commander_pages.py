"""The commanders' pages (issue 13): filters in the URL and shared by Carte and Analyse, a click on a
point opens its follow-up, a refused comment is kept to resend, tables as people read them."""

from __future__ import annotations

import pandas as pd

from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from diagnostics.ui import filters
from tests.conftest import COMMANDANT_70, make_diagnostic, make_observation, open_carte_table
from tests.test_app import app, errors, log_in_as, open_page  # noqa: F401 (fixture)
from tests.test_carte_follow_up import open_observation, submit


def test_filters_come_from_the_url_and_go_back_to_it(app, db, team_id):  # noqa: F811
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic, severity=4)
    make_observation(db, diagnostic, severity=1, category="depots")
    log_in_as(app, COMMANDANT_70)
    app.query_params["grav"] = "4"
    app.query_params["cat"] = "eclairage,inconnue"
    open_page(app, "carte")
    assert not app.exception and not errors(app)
    assert app.multiselect(key="f_severities").value == [4]
    assert app.multiselect(key="f_categories").value == ["eclairage"]  # unknown codes dropped
    assert any(c.value.startswith("1 observation(s) retenue(s)") for c in app.caption)
    app.multiselect(key="f_severities").set_value([1, 4]).run()
    assert app.query_params["grav"] == "1,4"
    # The same filters on the analysis page.
    app.switch_page("diagnostics/ui/analyse.py").run()
    assert not app.exception
    assert app.multiselect(key="f_severities").value == [1, 4]
    assert app.caption[0].value.startswith("1 observation(s)")  # catégorie still éclairage


def test_url_values_round_trip():
    assert filters.encode("severities", [1, 4]) == "1,4"
    assert filters.encode("period_choice", "all") == "" and filters.encode("period_choice", "3m") == "3m"
    assert filters.encode("heat", True) == "1" and filters.encode("heat", False) == ""
    import datetime as dt

    assert filters.encode("period", (dt.date(2026, 1, 2), dt.date(2026, 3, 4))) == "2026-01-02_2026-03-04"


def test_a_click_on_a_point_opens_its_follow_up(app, db, team_id):  # noqa: F811
    observation_id = make_observation(db, make_diagnostic(db, team_id), description="Candélabre éteint")
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    app.session_state["command_map"] = {"last_object_clicked_tooltip": f"N° {observation_id}"}
    app.run()
    assert not app.exception
    assert app.number_input(key="fu_id").value == observation_id
    assert "Candélabre éteint" in [text.value for text in app.text]  # the whole text, as text


def test_a_refused_comment_is_kept_to_resend(app, db, team_id):  # noqa: F811
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    open_observation(app, observation_id)
    # someone else, meanwhile
    save_follow_up(db, COMMANDANT_70, observation_id, 1, FollowUp("traitee", comment="Réparé, constaté."))
    app.text_area(key=f"fu_comment_{observation_id}_1").input("Appel au bailleur le 3.")
    submit(app)
    assert any("conservé" in message for message in errors(app))
    next(button for button in app.button if button.label == "Recharger l'observation").click()
    app.run()
    assert app.text_area(key=f"fu_comment_{observation_id}_2").value == "Appel au bailleur le 3."
    submit(app)
    assert not errors(app)
    assert "Appel au bailleur le 3." in list(observation_history(db, COMMANDANT_70, observation_id)["comment"])
    assert observation_detail(db, COMMANDANT_70, observation_id).status == "traitee"  # theirs kept


def test_the_table_reads_as_french_with_no_none(app, db, team_id):  # noqa: F811
    make_observation(db, make_diagnostic(db, team_id), partner="")
    log_in_as(app, COMMANDANT_70)
    open_carte_table(open_page(app, "carte"))
    table: pd.DataFrame = app.dataframe[0].value
    assert table["Date"].str.fullmatch(r"\d\d/\d\d/\d{4}").all()
    assert "None" not in table.astype(str).to_numpy()


def test_history_times_are_paris_time_with_no_none():
    import datetime as dt

    from diagnostics.ui.follow_up import history_table

    history = pd.DataFrame(
        {
            "at": [dt.datetime(2026, 12, 1, 23, 47)],  # stored naive UTC
            "actor": ["commandant.70"],
            "kind": ["comment"],
            "old_value": [None],
            "new_value": [None],
            "comment": ["Appel"],
            "dated": [dt.date(2026, 12, 2)],
        }
    )
    table = history_table(history)
    assert table["Enregistré le"][0] == "02/12/2026 00:47" and table["Date du commentaire"][0] == "02/12/2026"
    assert "None" not in table.astype(str).to_numpy()
