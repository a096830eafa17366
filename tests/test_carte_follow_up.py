"""The commanders' map page: heatmap and out-of-zone toggles, follow-up form, refused second save."""

from __future__ import annotations

from diagnostics.services.follow_up import FollowUp, observation_detail, observation_history, save_follow_up
from tests.conftest import COMMANDANT_70, LONS, make_diagnostic, make_observation, make_partner, open_carte_table
from tests.test_app import app, errors, log_in_as, open_page  # noqa: F401 (fixture)


def submit(at):
    next(button for button in at.button if button.label == "Enregistrer le suivi").click()
    return at.run()


def open_observation(at, observation_id: int):
    at.number_input(key="fu_id").set_value(observation_id)
    return at.run()


def test_a_commander_changes_status_and_assignment_from_the_page(app, db, team_id):  # noqa: F811
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    gray = make_partner(db)
    log_in_as(app, COMMANDANT_70)
    open_carte_table(open_page(app, "carte"))
    open_observation(app, observation_id)
    suffix = f"{observation_id}_1"
    app.selectbox(key=f"fu_status_{suffix}").set_value("transmise")
    app.selectbox(key=f"fu_partner_{suffix}").set_value(gray)
    app.text_area(key=f"fu_comment_{suffix}").input("Courrier au maire.")
    submit(app)
    assert not app.exception and not errors(app)
    assert any("enregistré" in message.value for message in app.success)
    detail = observation_detail(db, COMMANDANT_70, observation_id)
    assert (detail.status, detail.partner_name, detail.version) == ("transmise", "Commune de Gray", 2)
    assert list(observation_history(db, COMMANDANT_70, observation_id)["kind"]) == ["status", "assignment", "comment"]
    assert app.dataframe[0].value["Statut"].tolist() == ["Transmise"]  # the table shows it at once


def test_the_second_commander_is_told_and_nothing_is_overwritten(app, db, team_id):  # noqa: F811
    observation_id = make_observation(db, make_diagnostic(db, team_id))
    log_in_as(app, COMMANDANT_70)
    open_page(app, "carte")
    open_observation(app, observation_id)
    # someone else, meanwhile
    save_follow_up(db, COMMANDANT_70, observation_id, 1, FollowUp("traitee", comment="Réparé, constaté."))
    app.selectbox(key=f"fu_status_{observation_id}_1").set_value("classee")
    submit(app)
    assert any("n'a pas été enregistrée" in message for message in errors(app))
    assert observation_detail(db, COMMANDANT_70, observation_id).status == "traitee"


def test_heatmap_and_out_of_zone_list_can_be_switched_on(app, db, team_id):  # noqa: F811
    make_observation(db, make_diagnostic(db, team_id))
    lons = make_diagnostic(db, team_id, commune=LONS[0], place="Centre")
    make_observation(db, lons, lat=LONS[1], lon=LONS[2])
    open_carte_table(open_page(app, "carte"))
    app.toggle(key="f_heat").set_value(True)
    app.toggle(key="f_outside").set_value(True).run()
    assert not app.exception and not errors(app)
    assert any("1 observation(s) sur 2 hors de toute zone" in caption.value for caption in app.caption)
    assert app.dataframe[1].value["Commune"].tolist() == ["Lons-le-Saunier"]


def test_a_maire_reads_the_follow_up_but_gets_no_form(app, db, team_id):  # noqa: F811
    from tests.conftest import MAIRE_GRAY

    observation_id = make_observation(db, make_diagnostic(db, team_id))
    log_in_as(app, MAIRE_GRAY)
    open_page(app, "carte")  # a maire lands on a page of their own; this one is not for them
    if any(widget.key == "fu_id" for widget in app.number_input):
        open_observation(app, observation_id)
    assert not app.exception
    assert not [button for button in app.button if button.label == "Enregistrer le suivi"]
