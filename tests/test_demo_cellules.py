"""The demo cellules de veille (issue 17): Lons-le-Saunier weekly on Wednesday, Dole every three
weeks, with their Jura partners and a past meeting each; loading twice adds nothing; their agenda
can be prepared."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from diagnostics.cellule_models import Cellule, CellulePartner, Meeting, MeetingPartner
from diagnostics.demo import load_demo
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.models import ObservationEvent
from diagnostics.partner_models import Partner
from diagnostics.services import agenda, cellules
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39


def test_the_demo_cellules_of_the_jura(db):
    load_demo(db, ADMIN_ACTOR)
    assert load_demo_cellules(db, ADMIN_ACTOR) == 0  # already there
    with db.session() as session:
        rows = {c.name: c for c in session.scalars(select(Cellule))}
        lons, dole = rows["Cellule de veille de Lons-le-Saunier"], rows["Cellule de veille de Dole"]
        assert (lons.rhythm, lons.weekday, dole.rhythm, dole.interval_weeks) == ("weekly", 2, "every_n_weeks", 3)
        members = set(
            session.scalars(
                select(Partner.name)
                .join(CellulePartner, CellulePartner.partner_id == Partner.id)
                .where(CellulePartner.cellule_id == dole.id)
            )
        )
        assert {"Mairie de Dole", "Grand Dole Habitat", "TGD — Transports du Grand Dole"} <= members
        assert "Délégué du préfet — Préfecture du Jura" in members
        meetings = {m.cellule_id: m for m in session.scalars(select(Meeting))}
        assert set(meetings) == {lons.id, dole.id}
        assert meetings[lons.id].held_on == dt.date(2026, 11, 25) and meetings[lons.id].held_on.weekday() == 2
        present = session.scalars(select(MeetingPartner).where(MeetingPartner.meeting_id == meetings[dole.id].id))
        assert len(list(present)) == 3
    assert cellules.next_meeting_of(db, "Cellule de veille de Dole", dt.date(2026, 11, 12)) == dt.date(2026, 12, 3)
    prepared = agenda.prepare_agenda(db, COMMANDANT_39, "Cellule de veille de Lons-le-Saunier", dt.date(2026, 12, 2))
    assert prepared.previous_meeting == dt.date(2026, 11, 25)


def test_the_demo_has_recent_jura_observations_for_the_next_agendas(db):
    from diagnostics import localtime
    from diagnostics.demo_recent import load_demo_recent

    load_demo(db, ADMIN_ACTOR)
    assert load_demo_recent(db, ADMIN_ACTOR) == 0  # already there: loading twice adds nothing
    today = localtime.now_paris().date()
    lons = cellules.next_meeting_of(db, "Cellule de veille de Lons-le-Saunier", today)
    prepared = agenda.prepare_agenda(db, COMMANDANT_39, "Cellule de veille de Lons-le-Saunier", lons)
    assert sum(prepared.new_by_severity.values()) == 2
    [overdue] = prepared.overdue["OPH du Jura"]
    assert overdue.due_on < today
    dole = cellules.next_meeting_of(db, "Cellule de veille de Dole", today)
    prepared = agenda.prepare_agenda(db, COMMANDANT_39, "Cellule de veille de Dole", dole)
    assert sum(prepared.new_by_severity.values()) == 2
    assert any(line.category == "videoprotection" for line in prepared.outside_cameras)
    with db.session() as session:
        comments = session.scalars(select(ObservationEvent.comment).where(ObservationEvent.kind == "comment")).all()
    assert any("Témoin à recontacter" in comment for comment in comments)  # an internal comment
