"""Cameras of a centre de supervision urbain (issue 17): the field of view (a sector computed in
Lambert-93), saving and editing a camera (versioned, refused with French messages), the
observations outside every camera's view asked of the database, the agenda's list; both backends."""

from __future__ import annotations

import datetime as dt

import pytest
from shapely.geometry import Point, Polygon
from sqlalchemy import func, select

from diagnostics.camera_geometry import field_of_view
from diagnostics.camera_models import Camera
from diagnostics.errors import PermissionDenied, ValidationError
from diagnostics.models import ReferenceChange, Site
from diagnostics.services import agenda, cameras, cellules
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, MAIRE_GRAY, make_diagnostic, make_observation, make_partner

DOLE = ("39198", 47.0917, 5.4964)
METRE = 1 / 111_320  # about a metre of latitude in degrees


def ahead(lat: float, lon: float, bearing: float, metres: float) -> tuple[float, float]:
    """(lat, lon) `metres` from (lat, lon) towards `bearing` (a flat approximation, enough at 100 m)."""
    import math

    north = metres * math.cos(math.radians(bearing)) * METRE
    east = metres * math.sin(math.radians(bearing)) * METRE / math.cos(math.radians(lat))
    return lat + north, lon + east


# --- Geometry (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize("bearing", [0, 90, 200, 359])
def test_the_field_of_view_holds_what_is_in_front_within_range_only(bearing):
    lat, lon = DOLE[1], DOLE[2]
    view = field_of_view(lon, lat, bearing, 60, 100)
    assert isinstance(view, Polygon) and view.is_valid
    inside = ahead(lat, lon, bearing, 80)
    behind = ahead(lat, lon, bearing + 180, 20)
    beyond = ahead(lat, lon, bearing, 120)
    aside = ahead(lat, lon, bearing + 45, 50)  # outside the 60° cone (30° each side)
    edge = ahead(lat, lon, bearing + 25, 50)  # inside it
    assert view.contains(Point(inside[1], inside[0]))
    assert view.contains(Point(edge[1], edge[0]))
    for lat_, lon_ in (behind, beyond, aside):
        assert not view.contains(Point(lon_, lat_))


def test_a_360_degree_camera_sees_a_disc_and_the_sector_has_its_area():
    import math

    import geopandas as gpd

    disc = field_of_view(DOLE[2], DOLE[1], 0, 360, 50)
    behind = ahead(DOLE[1], DOLE[2], 180, 40)
    assert disc.contains(Point(behind[1], behind[0]))
    sector = field_of_view(DOLE[2], DOLE[1], 90, 90, 100)
    area = gpd.GeoSeries([sector], crs="EPSG:4326").to_crs("EPSG:2154").area.iloc[0]
    assert area == pytest.approx(math.pi * 100**2 / 4, rel=0.01)
    with pytest.raises(ValueError):
        field_of_view(DOLE[2], DOLE[1], 0, 60, 0)


# --- Saving and editing --------------------------------------------------------------------


def camera_draft(name="Caméra test — Place Grévy", bearing=90.0, **overrides) -> cameras.CameraDraft:
    values = dict(
        name=name, position=Point(DOLE[2], DOLE[1]), bearing=bearing, angle=60.0, range_m=100.0, source="test"
    )
    values.update(overrides)
    return cameras.CameraDraft(**values)


def test_a_camera_is_a_site_with_its_field_of_view_versioned(db):
    owner = make_partner(db, "Mairie de Dole", communes=(DOLE[0],))
    assert cameras.save_camera(db, ADMIN_ACTOR, camera_draft(owner_partner_id=owner))
    frame = cameras.cameras_frame(db, ADMIN_ACTOR)
    [row] = frame.to_dict("records")
    assert (row["kind"], row["commune_insee"], row["owner_name"], row["drawn"]) == (
        "camera",
        DOLE[0],
        "Mairie de Dole",
        False,
    )
    east = ahead(DOLE[1], DOLE[2], 90, 60)
    assert row["field_of_view"].contains(Point(east[1], east[0]))

    assert not cameras.save_camera(
        db, ADMIN_ACTOR, camera_draft(bearing=-90, owner_partner_id=owner), original_name=row["name"]
    )
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    west = ahead(DOLE[1], DOLE[2], 270, 60)
    assert row["bearing"] == 270 and row["field_of_view"].contains(Point(west[1], west[0]))
    assert not row["field_of_view"].contains(Point(east[1], east[0]))
    # The same values again: nothing versioned.
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft(bearing=270, owner_partner_id=owner), original_name=row["name"])
    with db.session() as session:
        versions = session.scalars(select(ReferenceChange.action).where(ReferenceChange.layer == "cameras")).all()
    assert versions == ["create", "update"]


def test_a_drawn_field_of_view_stays_until_the_camera_turns(db):
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft())
    lat, lon = DOLE[1], DOLE[2]
    drawn = Polygon([(lon, lat), (lon + 0.001, lat + 0.0005), (lon + 0.001, lat - 0.0005), (lon, lat)])
    name = "Caméra test — Place Grévy"
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft(field_of_view=drawn), original_name=name)
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert row["drawn"] and row["field_of_view"].equals_exact(drawn, 1e-9)
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft(name="Caméra test — renommée"), original_name=name)
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert row["name"] == "Caméra test — renommée" and row["drawn"]  # a rename keeps the drawing
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft(name=row["name"], bearing=180), original_name=row["name"])
    [row] = cameras.cameras_frame(db, ADMIN_ACTOR).to_dict("records")
    assert not row["drawn"] and not row["field_of_view"].equals_exact(drawn, 1e-9)


def test_bad_input_is_refused_in_french_and_nothing_is_written(db):
    far = Polygon([(6.0, 47.5), (6.01, 47.5), (6.01, 47.51), (6.0, 47.5)])
    with pytest.raises(ValidationError) as refused:
        cameras.save_camera(
            db, ADMIN_ACTOR, camera_draft(angle=0, range_m=5000, owner_partner_id=999, field_of_view=far)
        )
    assert set(refused.value.errors) == {"angle", "range_m", "owner", "field_of_view"}
    assert "portée en mètres" in refused.value.errors["range_m"]
    with pytest.raises(ValidationError) as refused:
        cameras.save_camera(db, ADMIN_ACTOR, camera_draft(name="", position=None, bearing="nord"))
    assert {"name", "geometry", "bearing"} <= set(refused.value.errors)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Camera)) == 0
        assert session.scalar(select(func.count()).select_from(Site).where(Site.kind == "camera")) == 0


def test_only_administrators_place_cameras_and_only_the_forces_read_them(db):
    with pytest.raises(PermissionDenied):
        cameras.save_camera(db, COMMANDANT_39, camera_draft())
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft())
    assert len(cameras.cameras_frame(db, COMMANDANT_39)) == 1
    with pytest.raises(PermissionDenied):
        cameras.cameras_frame(db, MAIRE_GRAY)


def test_deleting_a_camera_removes_its_site_and_its_view(db):
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft())
    cameras.delete_camera(db, ADMIN_ACTOR, "Caméra test — Place Grévy")
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Camera)) == 0
    assert cameras.cameras_frame(db, ADMIN_ACTOR).empty


# --- Coverage ------------------------------------------------------------------------------


def dole_observation(db, team_id, lat, lon, *, day=dt.date(2026, 11, 20), category="videoprotection") -> int:
    diagnostic = make_diagnostic(db, team_id, commune=DOLE[0], visited_on=day, place="Centre")
    return make_observation(db, diagnostic, lat=lat, lon=lon, category=category, severity=3)


def test_the_database_finds_the_observations_no_camera_sees(db, team_id):
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft())  # looks east, 100 m
    cameras.save_camera(
        db,
        ADMIN_ACTOR,
        camera_draft(name="Caméra test — disque", angle=360, range_m=30, position=Point(DOLE[2], DOLE[1] + 0.003)),
    )
    seen = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 90, 70))
    behind = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 270, 40))
    beyond = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 90, 150))
    in_disc = dole_observation(db, team_id, *ahead(DOLE[1] + 0.003, DOLE[2], 200, 20))
    other = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 270, 40), category="eclairage")
    late = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 270, 40), day=dt.date(2026, 12, 1))
    with db.session() as session:
        found = cameras.uncovered_observations(session, (DOLE[0],), dt.date(2026, 11, 1), dt.date(2026, 12, 1))
        only_video = cameras.uncovered_observations(
            session, (DOLE[0],), dt.date(2026, 11, 1), dt.date(2026, 12, 1), ("videoprotection",)
        )
    assert {item.observation_id for item in found} == {behind, beyond, other}
    assert {item.observation_id for item in only_video} == {behind, beyond}
    assert not {seen, in_disc, late} & {item.observation_id for item in found}


def test_the_agenda_lists_observations_outside_every_camera(db, team_id):
    partner = make_partner(db, "Mairie de Dole", communes=(DOLE[0],))
    values = cellules.CelluleInput(
        name="Cellule de veille de Dole",
        communes=(DOLE[0],),
        rhythm="every_n_weeks",
        anchor_on=dt.date(2026, 11, 12),
        interval_weeks=3,
        partner_ids=(partner,),
    )
    cellules.create_cellule(db, COMMANDANT_39, values)
    cellules.record_meeting(db, COMMANDANT_39, values.name, dt.date(2026, 11, 12), (partner,))
    cameras.save_camera(db, ADMIN_ACTOR, camera_draft(owner_partner_id=partner))
    dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 90, 50))  # seen
    video = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 270, 50))
    light = dole_observation(db, team_id, *ahead(DOLE[1], DOLE[2], 270, 50), category="eclairage")

    prepared = agenda.prepare_agenda(db, COMMANDANT_39, values.name, dt.date(2026, 12, 3))
    assert [item.observation_id for item in prepared.outside_cameras] == [video]
    asked = agenda.prepare_agenda(db, COMMANDANT_39, values.name, dt.date(2026, 12, 3), video_question=True)
    assert {item.observation_id for item in asked.outside_cameras} == {video, light}
