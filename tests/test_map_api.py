"""GET /api/map/observations, the commanders' map at every zoom (issue 20), on both backends:
each role's scope, the page's filters, cells that add up to the box, the points cap, ETags,
French refusals; and the same answer from SpatiaLite and PostGIS on the same data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import json

import pytest
from starlette.applications import Starlette

from diagnostics import dataversion, filter_params
from diagnostics.auth import ADMIN, AGENT, COMMANDANT, Actor
from diagnostics.db import open_database
from diagnostics.errors import PermissionDenied
from diagnostics.maps.canvas import unpack_payload
from diagnostics.services import sessions, viewport
from diagnostics.services.accounts import NewAccount, add_user
from diagnostics.services.observations import ObservationFilter, count_observations
from diagnostics.services.reference import list_teams
from diagnostics.synthetic import load_synthetic
from diagnostics.web import deps, map_api
from diagnostics.web.routes import EXCEPTION_HANDLERS, ROUTES
from tests.asgi import request
from tests.conftest import ADMIN_ACTOR, LONS, make_diagnostic, make_observation, make_partner, sqlite_url

APP = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
BOTH = (4.9, 46.2, 7.1, 48.1)  # Haute-Saône and Jura
JURA = (5.2, 46.25, 6.2, 46.9)  # south of Haute-Saône: Jura only
VESOUL_TOWN = (6.08, 47.58, 6.22, 47.68)
COUNT = 3_000
PASSWORD = "carte-de-test-2026"
CAP = 500  # points per view in these tests (3,000 observations: cells at a département's zoom)


@pytest.fixture
def loaded(db, monkeypatch):
    monkeypatch.setattr(viewport, "POINT_CAP", CAP)
    map_api.forget()
    viewport.forget_grids()
    load_synthetic(db, ADMIN_ACTOR, COUNT)
    make_partner(db, "Habitat 70", kind="bailleur")
    accounts = (
        NewAccount("cdt.70", COMMANDANT, PASSWORD, departments=("70",)),
        NewAccount("cdt.39", COMMANDANT, PASSWORD, departments=("39",)),
        NewAccount("agent.gray", AGENT, PASSWORD, team_name="Groupe de contact de Gray"),
        NewAccount("maire.gray", "maire", PASSWORD, commune_insee="70279"),
        NewAccount("bailleur", "partenaire", PASSWORD, partner_name="Habitat 70"),
        NewAccount("admin.carte", ADMIN, PASSWORD),
    )
    for account in accounts:
        add_user(db, ADMIN_ACTOR, account)
    yield db
    deps.close_databases()
    map_api.forget()


def actor_of(db, login: str) -> Actor:
    teams = {team.name: team.id for team in list_teams(db)}
    return {
        "cdt.70": Actor("cdt.70", COMMANDANT, departments=("70",)),
        "cdt.39": Actor("cdt.39", COMMANDANT, departments=("39",)),
        "agent.gray": Actor("agent.gray", AGENT, team_id=teams["Groupe de contact de Gray"]),
        "admin.carte": Actor("admin.carte", ADMIN),
    }[login]


def cookie(db, login: str) -> str:
    from diagnostics.services.accounts import authenticate

    return sessions.open_session(db, authenticate(db, login, PASSWORD)).token


def get(db, login: str | None, bbox=BOTH, zoom: int = 8, query: str = "", **headers):
    sent = {"host": "127.0.0.1:8501", **headers}
    if login:
        sent["cookie"] = f"psq_session={cookie(db, login)}"
    box = ",".join(str(v) for v in bbox)
    return request(APP, f"{map_api.PATH}?bbox={box}&zoom={zoom}{'&' + query if query else ''}", headers=sent)


def answer(reply) -> dict:
    assert reply.status == 200, reply.body
    body = gzip.decompress(reply.body) if reply.headers.get("content-encoding") == "gzip" else reply.body
    return json.loads(body)


def cells_of(data: dict) -> list[dict]:
    return [dict(zip(data["columns"], row, strict=True)) for row in data["cells"]]


def expected(db, login: str, bbox, criteria: ObservationFilter | None = None, zoom: int = 8) -> int:
    """The observations in the box the route answers for: widened to whole cells of the zoom."""
    criteria = criteria or ObservationFilter()
    box = viewport.snapped(viewport.View(bbox, zoom)).bbox
    return count_observations(db, actor_of(db, login), dataclasses.replace(criteria, point_box=box))


def test_cells_add_up_to_the_box_and_each_cell_to_its_counts(loaded):
    data = answer(get(loaded, "admin.carte", BOTH, 8))
    assert data["mode"] == "cells" and data["total"] == COUNT == expected(loaded, "admin.carte", BOTH)
    cells = cells_of(data)
    assert sum(cell["n"] for cell in cells) == data["total"]
    for cell in cells:
        assert sum(cell[f"g{s}"] for s in (1, 2, 3, 4)) == cell["n"]
        assert sum(cell[f"s_{code}"] for code in viewport.STATUS_CODES) == cell["n"]
        west, south, east, north = viewport.cell_bounds(cell["x"], cell["y"], 8)
        assert west - 1e-5 <= cell["lon"] / 1e5 <= east + 1e-5 and south - 1e-5 <= cell["lat"] / 1e5 <= north + 1e-5
    # The grid halves at each zoom: more, smaller cells, the same total.
    finer = answer(get(loaded, "admin.carte", BOTH, 10))
    assert finer["total"] == COUNT and len(finer["cells"]) > len(cells)


def test_a_commandant_of_70_never_gets_39_an_agent_only_his_team(loaded):
    assert answer(get(loaded, "cdt.70", JURA, 9))["total"] == 0
    assert answer(get(loaded, "cdt.39", JURA, 9))["total"] == expected(loaded, "cdt.39", JURA, zoom=9) > 0
    in_70 = answer(get(loaded, "cdt.70", BOTH, 8))
    assert 0 < in_70["total"] == expected(loaded, "cdt.70", BOTH) < COUNT
    agent = answer(get(loaded, "agent.gray", BOTH, 8))
    assert agent["total"] == expected(loaded, "agent.gray", BOTH) < in_70["total"]
    if agent["mode"] == "points":  # the team's points only
        ids = set(unpack_payload(json.dumps(agent["points"]))["id"].tolist())
        assert len(ids) == agent["total"]


def test_a_maire_a_partner_and_nobody_are_refused_in_french(loaded):
    for login in ("maire.gray", "bailleur"):
        reply = get(loaded, login)
        assert reply.status == 403 and "forces de sécurité" in reply.json()["erreur"]
    nobody = get(loaded, None)
    assert nobody.status == 401 and nobody.json()["erreur"]


def test_the_page_s_filters_are_respected(loaded):
    query = "grav=4&statut=nouvelle,transmise&periode=12m"
    today = dt.date.today()
    params = {"grav": "4", "statut": "nouvelle,transmise", "periode": "12m"}
    criteria = filter_params.criteria_from_params(params, today)
    assert criteria.severities == (4,) and criteria.statuses == ("nouvelle", "transmise") and criteria.start
    data = answer(get(loaded, "cdt.70", BOTH, 8, query))
    assert data["total"] == expected(loaded, "cdt.70", BOTH, criteria) > 0
    if data["mode"] == "cells":
        for cell in cells_of(data):
            assert cell["g1"] == cell["g2"] == cell["g3"] == 0 and cell["s_traitee"] == cell["s_classee"] == 0
    else:
        assert set(unpack_payload(json.dumps(data["points"]))["sev"].tolist()) == {4}


def test_points_come_when_the_view_holds_at_most_the_cap(loaded, monkeypatch):
    town = answer(get(loaded, "cdt.70", VESOUL_TOWN, 13))
    count = expected(loaded, "cdt.70", VESOUL_TOWN, zoom=13)
    assert 20 < count <= CAP and town["mode"] == "points" and town["total"] == count
    points = unpack_payload(json.dumps(town["points"]))
    assert len(points["id"]) == count
    west, south, east, north = viewport.snapped(viewport.View(VESOUL_TOWN, 13)).bbox
    assert ((points["lon"] >= west * 1e5 - 1) & (points["lon"] <= east * 1e5 + 1)).all()
    map_api.forget()
    monkeypatch.setattr(viewport, "POINT_CAP", count - 1)  # one more than the cap: cells
    capped = answer(get(loaded, "cdt.70", VESOUL_TOWN, 13))
    assert capped["mode"] == "cells" and capped["total"] == count and "points" not in capped


def test_an_unchanged_view_costs_a_304_and_a_change_shows(loaded):
    first = get(loaded, "cdt.70", BOTH, 8, "grav=3,4", **{"accept-encoding": "gzip"})
    assert first.status == 200 and first.headers["content-encoding"] == "gzip"
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "private, no-cache"
    again = get(loaded, "cdt.70", BOTH, 8, "grav=3,4", **{"if-none-match": etag})
    assert again.status == 304 and again.body == b""
    # Another commandant of the same scope: same view, same answer; another filter: another one.
    assert get(loaded, "cdt.70", BOTH, 8, "grav=3,4").headers["etag"] == etag
    assert get(loaded, "cdt.70", BOTH, 8, "grav=4").headers["etag"] != etag
    assert get(loaded, "cdt.39", BOTH, 8, "grav=3,4").headers["etag"] != etag
    load_synthetic(loaded, ADMIN_ACTOR, 10)  # new observations: the counter moved
    changed = get(loaded, "cdt.70", BOTH, 8, "grav=3,4", **{"if-none-match": etag})
    assert changed.status == 200 and changed.headers["etag"] != etag


def test_a_save_in_the_jura_keeps_the_haute_saone_views(loaded, team_id):
    """The ETag holds the data versions of the reader's départements only."""
    etags = {login: get(loaded, login, BOTH, 8).headers["etag"] for login in ("cdt.70", "cdt.39", "admin.carte")}
    make_observation(loaded, make_diagnostic(loaded, team_id, commune=LONS[0]), lat=LONS[1], lon=LONS[2])
    again = {login: get(loaded, login, BOTH, 8, **{"if-none-match": etag}) for login, etag in etags.items()}
    assert again["cdt.70"].status == 304
    assert again["cdt.39"].status == 200 and again["admin.carte"].status == 200


def test_bad_views_are_refused_in_french(loaded):
    for query, word in (
        ("bbox=1,2,3&zoom=8", "bbox"),
        ("bbox=4,46,7,48&zoom=abc", "zoom"),
        ("bbox=4,46,7,48&zoom=40", "zoom"),
        ("zoom=8", "bbox"),
        ("bbox=-180,-85,180,85&zoom=14", "trop grande"),
    ):
        sent = {"host": "127.0.0.1:8501", "cookie": f"psq_session={cookie(loaded, 'cdt.70')}"}
        reply = request(APP, f"{map_api.PATH}?{query}", headers=sent)
        assert reply.status == 400 and word in reply.json()["erreur"], (query, reply.body)


def test_the_route_reads_the_filters_the_page_writes():
    today = dt.date(2026, 12, 1)
    page = {
        "period_choice": "custom",
        "period": (dt.date(2026, 1, 2), dt.date(2026, 3, 4)),
        "categories": ["eclairage", "autre"],
        "severities": [1, 4],
        "statuses": ["en_cours"],
        "communes": ["70550"],
        "teams": [3],
        "overdue": True,
    }
    params = {filter_params.PARAMS[name]: filter_params.encode(name, value) for name, value in page.items()}
    assert filter_params.criteria_from_params(params, today) == ObservationFilter(
        start=dt.date(2026, 1, 2),
        end=dt.date(2026, 3, 4),
        categories=("eclairage", "autre"),
        severities=(1, 4),
        statuses=("en_cours",),
        communes=("70550",),
        team_ids=(3,),
        overdue_on=today,
    )
    assert filter_params.criteria_from_params({"grav": "9,x", "communes": "'; drop"}, today) == ObservationFilter()


@pytest.mark.parametrize("backend", ["both"])
def test_spatialite_and_postgis_give_the_same_views(request, tmp_path, backend):
    """The same synthetic data in both databases: the same cells and points for every view."""
    import shutil

    path = tmp_path / "same.sqlite"
    shutil.copyfile(request.getfixturevalue("template_database"), path)
    postgres = request.getfixturevalue("postgres")
    template = request.getfixturevalue("postgis_template")
    from tests.conftest import _admin_sql

    _admin_sql(postgres, f"CREATE DATABASE same_views TEMPLATE {template}")
    request.addfinalizer(lambda: _admin_sql(postgres, "DROP DATABASE IF EXISTS same_views WITH (FORCE)"))
    answers = []
    for url in (sqlite_url(path), postgres.database_url("same_views")):
        db = open_database(url)
        try:
            load_synthetic(db, ADMIN_ACTOR, 2_000)
            views = [
                viewport.View(BOTH, 8),
                viewport.View(BOTH, 11),
                viewport.View(VESOUL_TOWN, 12),
                viewport.View(VESOUL_TOWN, 15),
                viewport.View((6.13, 47.615, 6.17, 47.64), 16),
            ]
            criteria = ObservationFilter(severities=(2, 3, 4))
            found = []
            for view in views:
                data = viewport.view_data(db, ADMIN_ACTOR, criteria, view, cap=100)
                found.append(json.loads(_view_bytes(data)))
            answers.append(found)
        finally:
            db.dispose()
    spatialite, postgis = answers
    modes = [a["mode"] for a in spatialite]
    assert modes == [a["mode"] for a in postgis] and {"cells", "points"} <= set(modes), modes
    for left, right in zip(spatialite, postgis, strict=True):
        if left["mode"] == "cells":
            assert len(left["cells"]) == len(right["cells"])
            for a, b in zip(left["cells"], right["cells"], strict=True):
                assert a[:2] == b[:2] and a[4:] == b[4:], (a, b)  # cell and counts
                assert abs(a[2] - b[2]) <= 1 and abs(a[3] - b[3]) <= 1  # mean point, to 1e-5 degree
        else:
            assert left == right


def _view_bytes(data) -> bytes:
    from diagnostics.maps.viewport import view_json

    return view_json(data)


def test_reference_layers_are_served_once_per_version_and_only_to_the_forces(loaded):
    sent = {"host": "127.0.0.1:8501", "cookie": f"psq_session={cookie(loaded, 'cdt.70')}"}
    communes = request(APP, f"{map_api.REFERENCE_PATH}/communes", headers=sent)
    assert communes.status == 200 and communes.json()["type"] == "PsqTopology"  # maps.topology
    assert communes.headers["cache-control"] == map_api.CACHE_CONTROL  # no version asked: asked again
    assert len(communes.json()["areas"]) > 1000 and communes.json()["areas"][0]["properties"]["tooltip"]
    zones = request(APP, f"{map_api.REFERENCE_PATH}/zones", headers=sent).json()
    assert all(area["properties"]["popup"] for area in zones["areas"])
    version = loaded.data_version(dataversion.REFERENCE)
    current = request(APP, f"{map_api.REFERENCE_PATH}/communes?v={version}", headers=sent)
    assert current.headers["cache-control"] == map_api.IMMUTABLE  # kept by the browser: the address changes
    stale = request(APP, f"{map_api.REFERENCE_PATH}/communes?v={version - 1}", headers=sent)
    assert stale.headers["cache-control"] == map_api.CACHE_CONTROL
    again = request(
        APP, f"{map_api.REFERENCE_PATH}/communes", headers={**sent, "if-none-match": communes.headers["etag"]}
    )
    assert again.status == 304
    assert request(APP, f"{map_api.REFERENCE_PATH}/comptes", headers=sent).status == 404
    maire = {"host": "127.0.0.1:8501", "cookie": f"psq_session={cookie(loaded, 'maire.gray')}"}
    assert request(APP, f"{map_api.REFERENCE_PATH}/zones", headers=maire).status == 403


def test_the_scope_s_grid_gives_what_the_box_query_gives(loaded, monkeypatch):
    """Up to GRID_ZOOM views add up one grid of the scope (its coarse copy up to COARSE_ZOOM);
    beyond, the box is counted in SQL: the same cells either way, dense town views included."""
    actor = actor_of(loaded, "cdt.70")
    views = [viewport.View(BOTH, 9), viewport.View(VESOUL_TOWN, 12), viewport.View((6.0, 47.5, 6.3, 47.7), 11)]
    views += [viewport.View(VESOUL_TOWN, zoom) for zoom in (13, 14, 15)]
    for view in views:
        from_grid = viewport.view_data(loaded, actor, ObservationFilter(statuses=("nouvelle",)), view, cap=10)
        with monkeypatch.context() as patched:
            patched.setattr(viewport, "GRID_ZOOM", view.zoom - 1)
            from_sql = viewport.view_data(loaded, actor, ObservationFilter(statuses=("nouvelle",)), view, cap=10)
        assert from_grid.total == from_sql.total > 10, view
        a, b = from_grid.cells, from_sql.cells
        assert (
            a[["x", "y", "n", "g1", "g4", "s_nouvelle"]].values.tolist()
            == b[["x", "y", "n", "g1", "g4", "s_nouvelle"]].values.tolist()
        )
        assert abs(a["lat"] - b["lat"]).max() < 1e-9 and abs(a["lon"] - b["lon"]).max() < 1e-9


def test_a_dense_view_up_to_the_grid_zoom_sends_no_box_query(loaded):
    """Once the scope's grid is counted, views up to GRID_ZOOM, however dense, are added up in
    memory: no query on observations (those took 1.0–1.5 s around Vesoul at 1,000,000)."""
    from sqlalchemy import event

    actor = actor_of(loaded, "cdt.70")
    criteria = ObservationFilter(severities=(2, 3, 4))
    viewport.view_data(loaded, actor, criteria, viewport.View(BOTH, 8), cap=10)  # the page's first view
    sent = []

    def remember(_conn, _cursor, statement, *_args):
        if "FROM observations" in statement:
            sent.append(statement)

    event.listen(loaded.engine, "before_cursor_execute", remember)
    try:
        for zoom in range(9, viewport.GRID_ZOOM + 1):
            assert viewport.view_data(loaded, actor, criteria, viewport.View(VESOUL_TOWN, zoom), cap=10).mode == "cells"
        assert sent == []
        # Beyond it, the grid bounds the box's count: a box of a few points asks for the points only.
        tiny = viewport.View((6.1550, 47.6225, 6.1560, 47.6235), viewport.GRID_ZOOM + 3)
        data = viewport.view_data(loaded, actor, criteria, tiny, cap=10)
        assert data.mode == "points" and len(sent) == 1
    finally:
        event.remove(loaded.engine, "before_cursor_execute", remember)


def test_a_view_past_the_grid_zoom_is_driven_by_the_points_index(loaded, monkeypatch):
    """Beyond GRID_ZOOM the box's cells are counted in SQL: the plan, per role, reads the box's
    drawing points from their index (tests/test_box_plans.py checks the other map queries)."""
    from tests.test_box_plans import ROLES, plan_of

    if not loaded.is_sqlite:
        with loaded.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")
            connection.commit()
    monkeypatch.setattr(viewport, "POINT_CAP", 1)  # cells: the cell query is the last one sent
    view = viewport.View(VESOUL_TOWN, viewport.GRID_ZOOM + 2)
    criteria = ObservationFilter(severities=(3, 4))
    for role in ("admin", "commandant", "agent"):
        plan = plan_of(loaded, lambda a=ROLES[role]: viewport.view_data(loaded, a, criteria, view))
        where = f"{role}:\n{plan}"
        assert "ix_observations_points" in plan, where
        assert "SCAN observations" not in plan and "Seq Scan on observations" not in plan, where
        assert "ix_observations_commune_insee" not in plan and "ix_observations_filters" not in plan, where


def test_a_view_past_the_grid_zoom_does_not_wait_for_the_scope_s_grid(loaded):
    """A bookmark at zoom 17 counts its box alone; the grid comes with the first wider view."""
    viewport.forget_grids()
    actor = actor_of(loaded, "cdt.70")
    close = viewport.View((6.150, 47.620, 6.160, 47.626), viewport.GRID_ZOOM + 2)
    assert viewport.view_data(loaded, actor, ObservationFilter(), close, cap=10).total > 0
    assert len(viewport._grids) == 0
    viewport.view_data(loaded, actor, ObservationFilter(), viewport.View(VESOUL_TOWN, 12), cap=10)
    assert len(viewport._grids) == 1


def test_readers_asking_for_a_grid_being_computed_wait_for_that_one_computation(loaded, monkeypatch):
    """The page's prefetch and the map's first views ask for the same grid at once: one query."""
    import threading

    viewport.forget_grids()
    actor, view = actor_of(loaded, "cdt.70"), viewport.View(VESOUL_TOWN, 12)
    computed, second_asked = [], threading.Event()
    kept, cells_frame = viewport._kept_grid, viewport._cells_frame

    def kept_grid(key):
        if threading.current_thread().name == "second":
            second_asked.set()
        return kept(key)

    def slow_cells_frame(rows):
        computed.append(threading.current_thread().name)
        second_asked.wait(10)  # the second reader asks while this grid is being computed
        threading.Event().wait(0.3)
        return cells_frame(rows)

    monkeypatch.setattr(viewport, "_kept_grid", kept_grid)
    monkeypatch.setattr(viewport, "_cells_frame", slow_cells_frame)
    answers = {}

    def read(name):
        answers[name] = viewport.view_data(loaded, actor, ObservationFilter(), view, cap=10)

    threads = [threading.Thread(target=read, args=(name,), name=name) for name in ("first", "second")]
    threads[0].start()
    while not computed:
        threading.Event().wait(0.01)
    threads[1].start()
    for thread in threads:
        thread.join(30)
    assert computed == ["first"] and answers["first"].total == answers["second"].total > 0
    assert viewport._computing == {}


def test_the_page_prefetches_its_first_view_s_grid_once(loaded):
    viewport.forget_grids()
    actor = actor_of(loaded, "cdt.70")
    params = {filter_params.PARAMS["outside"]: "1"}  # the grid of the filters the route will read
    criteria = map_api.view_criteria(params, dt.date.today())
    assert criteria.outside_zones
    thread = viewport.prefetch_grid(loaded, actor, criteria)
    thread.join(60)
    assert len(viewport._grids) == 1
    assert viewport.prefetch_grid(loaded, actor, criteria) is None  # kept: nothing more to do
    with loaded.session() as session:
        assert viewport._scope_grid(loaded, session, viewport.observation_scope(actor), criteria, compute=False)
    with pytest.raises(PermissionDenied):  # a maire reads observations, not this map
        viewport.prefetch_grid(loaded, Actor("maire.gray", "maire", commune_insee="70279"), criteria)
