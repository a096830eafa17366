"""The agenda of a cellule de veille (issue 17), from hand-made data since the previous meeting:
new observations by gravité and sector, open items past due per partner, re-visits due and their
results, alerts sent on the territory, the sectors that rose; commandants of the département and
administrators only; both backends."""

from __future__ import annotations

import datetime as dt

import pytest

from diagnostics.alert_models import Alert
from diagnostics.auth import COMMANDANT, Actor
from diagnostics.errors import NotFound, PermissionDenied, ValidationError
from diagnostics.models import Observation
from diagnostics.services import agenda, alerts, assignments, cellules
from diagnostics.services.alert_sending import send_alert
from diagnostics.visit_models import ObservationVisit
from tests.alert_helpers import add_people, gray_alert
from tests.conftest import (
    ADMIN_ACTOR,
    COMMANDANT_39,
    COMMANDANT_70,
    LONS,
    MAIRE_GRAY,
    make_diagnostic,
    make_observation,
    make_partner,
)

SECOND_39 = Actor(login="commandant39b.test", role=COMMANDANT, departments=("39",))
PREVIOUS = dt.date(2026, 11, 25)  # a Wednesday
MEETING = dt.date(2026, 12, 2)
MARJORIE = (46.679, 5.569)  # inside Lons-le-Saunier's one sector, La Marjorie (LONS itself is outside it)


def lons_cellule(db, partner_id: int) -> None:
    values = cellules.CelluleInput(
        name="Cellule de veille de Lons-le-Saunier",
        communes=(LONS[0],),
        rhythm="weekly",
        anchor_on=dt.date(2026, 1, 7),
        weekday=2,
        partner_ids=(partner_id,),
    )
    cellules.create_cellule(db, COMMANDANT_39, values)
    cellules.record_meeting(db, COMMANDANT_39, values.name, PREVIOUS, (partner_id,))


def observation(db, team_id: int, day: dt.date, severity: int, category: str = "eclairage", at=LONS[1:]) -> int:
    diagnostic_id = make_diagnostic(db, team_id, commune=LONS[0], visited_on=day, place="Centre")
    return make_observation(db, diagnostic_id, lat=at[0], lon=at[1], severity=severity, category=category)


def test_the_agenda_since_the_previous_meeting(db, team_id):
    partner_id = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],))
    lons_cellule(db, partner_id)
    name = "Cellule de veille de Lons-le-Saunier"
    assert cellules.next_meeting_of(db, name, PREVIOUS) == MEETING
    observation(db, team_id, dt.date(2026, 11, 20), 2, at=MARJORIE)  # the week before: the sector rose from 1
    late = observation(db, team_id, dt.date(2026, 11, 26), 3, at=MARJORIE)
    revisit = observation(db, team_id, dt.date(2026, 11, 27), 3, "depots", at=MARJORIE)
    visited = observation(db, team_id, dt.date(2026, 11, 30), 1, at=MARJORIE)
    observation(db, team_id, MEETING, 4)  # the day of the meeting: not yet in its agenda
    assignments.assign(db, ADMIN_ACTOR, late, partner_id, today=dt.date(2026, 10, 1))  # due 31/10
    with db.session() as session:
        session.get(Observation, revisit).status = "a_revoir"
        session.add(ObservationVisit(observation_id=visited, visited_on=dt.date(2026, 12, 1), finding="levee"))
    add_people(db)
    alert_id = alerts.create_alert(db, COMMANDANT_39, gray_alert(communes=(LONS[0],), categories=("bijouterie",)))
    alerts.approve_alert(db, SECOND_39, alert_id)
    send_alert(db, COMMANDANT_39, alert_id)
    with db.session() as session:
        session.get(Alert, alert_id).sent_at = dt.datetime(2026, 11, 28, 9)

    result = agenda.prepare_agenda(db, COMMANDANT_39, name, MEETING)

    assert (result.previous_meeting, result.since, result.communes) == (PREVIOUS, PREVIOUS, (LONS[0],))
    assert result.new_by_severity == {3: 2, 1: 1}
    assert sum(result.new_by_sector.values()) == 3
    [(partner, items)] = result.overdue.items()
    assert partner == "Mairie de Lons-le-Saunier"
    assert [(i.observation_id, i.due_on) for i in items] == [(late, dt.date(2026, 10, 31))]
    assert [line.observation_id for line in result.revisits_due] == [revisit]
    assert [(v.observation_id, v.finding) for v in result.revisit_results] == [(visited, "levee")]
    assert [a.id for a in result.alerts] == [alert_id]
    assert result.rising_sectors == [("La Marjorie", 1, 3)]
    # an administrator reads it too; a first meeting looks back four weeks
    assert agenda.prepare_agenda(db, ADMIN_ACTOR, name, PREVIOUS).since == PREVIOUS - dt.timedelta(days=28)


def test_only_the_departments_commanders_and_administrators(db):
    partner_id = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],))
    lons_cellule(db, partner_id)
    name = "Cellule de veille de Lons-le-Saunier"
    for outsider in (COMMANDANT_70, MAIRE_GRAY):
        with pytest.raises(PermissionDenied, match="commandants du département"):
            agenda.prepare_agenda(db, outsider, name, MEETING)
        with pytest.raises(PermissionDenied):
            cellules.record_meeting(db, outsider, name, MEETING)
    with pytest.raises(NotFound, match="Aucune cellule"):
        agenda.prepare_agenda(db, ADMIN_ACTOR, "Cellule inconnue", MEETING)
    with pytest.raises(ValidationError, match="déjà une réunion"):
        cellules.record_meeting(db, ADMIN_ACTOR, name, PREVIOUS)
    other = make_partner(db, "Habitat du Jura", kind="bailleur")
    with pytest.raises(ValidationError, match="membres de la cellule"):
        cellules.record_meeting(db, ADMIN_ACTOR, name, MEETING, (other,))
    errors = cellules.cellule_errors(cellules.CelluleInput("", (), "weekly", MEETING))
    assert set(errors) == {"name", "communes", "weekday"}


def test_what_no_sector_covers_is_counted_but_never_a_sector_that_rose(db, team_id):
    """« Hors secteur » is a count of the new observations, not a sector: a commander reading
    « Secteurs en hausse » expects places he can send a patrol to."""
    partner_id = make_partner(db, "Mairie de Lons-le-Saunier", communes=(LONS[0],))
    lons_cellule(db, partner_id)
    for day in (dt.date(2026, 11, 26), dt.date(2026, 11, 27)):
        observation(db, team_id, day, 2)  # outside La Marjorie: rose from 0 to 2
    observation(db, team_id, dt.date(2026, 11, 28), 2, at=MARJORIE)  # La Marjorie: from 0 to 1

    result = agenda.prepare_agenda(db, COMMANDANT_39, "Cellule de veille de Lons-le-Saunier", MEETING)

    assert result.new_by_sector == {agenda.NO_SECTOR: 2, "La Marjorie": 1}
    assert result.rising_sectors == [("La Marjorie", 0, 1)]
