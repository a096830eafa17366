"""The OGC API – Features feed through the app's routes (both backends): the documents and their
links, HTTP Basic and the session cookie, each role's view and the mayor's redaction, paging,
bbox and datetime, the audit of a partner's reads."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from starlette.applications import Starlette

from diagnostics.services import accounts, audit, feed
from diagnostics.web import deps, feed_auth
from diagnostics.web.routes import EXCEPTION_HANDLERS, ROUTES
from tests.asgi import request
from tests.conftest import ADMIN_ACTOR, GRAY, VESOUL
from tests.feed_data import PASSWORD, SECRET, SECRET_ADVICE, SHARED, make_feed_data

APP = Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)


@pytest.fixture
def data(db):
    feed_auth.forget_basic_logins()
    feed.forget_audits()
    yield make_feed_data(db)
    deps.close_databases()


def basic(login: str, password: str = PASSWORD) -> dict[str, str]:
    token = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"authorization": f"Basic {token}", "host": "127.0.0.1:8501"}


def get(path: str, login: str | None = "cdt.70", **headers):
    sent = {**(basic(login) if login else {"host": "127.0.0.1:8501"}), **headers}
    return request(APP, path, headers=sent)


def ids(reply) -> set[int]:
    assert reply.status == 200, reply.body
    return {feature["id"] for feature in reply.json()["features"]}


def test_without_valid_credentials_the_feed_asks_for_basic_auth_in_french(data):
    for reply in (
        get("/ogc", login=None),
        get("/ogc/collections", login="maire.gray", authorization="Bearer abc"),
        request(APP, "/ogc", headers=basic("maire.gray", "mauvais mot de passe")),
    ):
        assert reply.status == 401
        assert reply.headers["www-authenticate"].startswith('Basic realm="PSQ"')
        assert reply.json()["erreur"]
    assert request(APP, "/ogc", headers=basic("maire.gray", "faux")).json()["erreur"] == accounts.BAD_CREDENTIALS


def test_basic_auth_counts_failures_like_the_login_page(data):
    for _ in range(accounts.MAX_FAILED_LOGINS):
        assert request(APP, "/ogc", headers=basic("maire.gray", "faux")).status == 401
    locked = get("/ogc", login="maire.gray")
    assert locked.status == 401 and locked.json()["erreur"].startswith("Trop de tentatives échouées")


def test_the_landing_page_conformance_and_collections_follow_the_standard(data):
    landing = get("/ogc")
    assert landing.status == 200 and landing.headers["content-type"].startswith("application/json")
    rels = {link["rel"]: link["href"] for link in landing.json()["links"]}
    assert rels == {
        "self": "http://127.0.0.1:8501/ogc",
        "conformance": "http://127.0.0.1:8501/ogc/conformance",
        "data": "http://127.0.0.1:8501/ogc/collections",
    }
    conforms = get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conforms
    listed = get("/ogc/collections", login="maire.gray").json()["collections"]
    assert [c["id"] for c in listed] == ["communes", "sectors", "zones", "sites", "observations"]
    assert listed[2]["title"] == "Zones de patrouille"
    one = get("/ogc/collections/observations").json()
    assert {link["rel"] for link in one["links"]} == {"self", "items"}
    west, south, east, north = one["extent"]["spatial"]["bbox"][0]  # the territory: 70 and 39
    assert west < 5.3 and south < 46.4 and east > 6.8 and north > 47.9
    west, south, east, north = listed[0]["extent"]["spatial"]["bbox"][0]  # the mayor's commune
    assert west < GRAY[2] < east and south < GRAY[1] < north and east - west < 0.2
    unknown = get("/ogc/collections/agents")
    assert unknown.status == 404 and unknown.json()["erreur"].startswith("Collection inconnue : agents.")


def test_a_partner_is_refused_every_feed_route_in_french(data, db):
    """A partner reads its own préconisations, not the feed: 403 with the reason, never a 500."""
    from tests.conftest import make_partner

    make_partner(db, "Habitat 70", "bailleur")
    accounts.add_user(
        db, ADMIN_ACTOR, accounts.NewAccount("habitat", "partenaire", PASSWORD, partner_name="Habitat 70")
    )
    for path in ("/ogc/collections", "/ogc/collections/observations", "/ogc/collections/observations/items"):
        reply = get(path, login="habitat")
        assert reply.status == 403, (path, reply.status)
        assert reply.json()["erreur"] == "Votre rôle ne permet pas de consulter les observations.", path


def test_the_mayor_reads_only_their_commune_and_only_what_was_shared(data):
    reply = get("/ogc/collections/observations/items", login="maire.gray")
    assert ids(reply) == set(data.gray_ids)
    assert reply.headers["content-type"].startswith("application/geo+json")
    text = reply.body.decode()
    for confidential in (SECRET, SECRET_ADVICE, "Groupe de contact", "team_name", "author", "Quartier de l"):
        assert confidential not in text, confidential
    by_id = {f["id"]: f["properties"] for f in reply.json()["features"]}
    assert by_id[data.shared_id]["description"] == SHARED and by_id[data.secret_id]["description"] == ""
    one = get(f"/ogc/collections/observations/items/{data.secret_id}", login="maire.gray").json()
    assert one["properties"]["description"] == "" and one["id"] == data.secret_id
    assert get(f"/ogc/collections/observations/items/{data.vesoul_id}", login="maire.gray").status == 404
    communes = get("/ogc/collections/communes/items", login="maire.gray").json()
    assert [f["id"] for f in communes["features"]] == [GRAY[0]] and communes["numberMatched"] == 1
    zones = get("/ogc/collections/zones/items", login="maire.gray").json()["features"]
    assert len(zones) == 1 and {zones[0]["properties"][k] for k in ("name", "unit", "schedule")} == {""}
    sites = get("/ogc/collections/sites/items", login="maire.gray").json()["features"]
    assert [s["properties"]["name"] for s in sites] == ["Brigade de gendarmerie de Gray"]


def test_the_forces_read_as_their_role_allows(data):
    commander = get("/ogc/collections/observations/items")
    assert ids(commander) == {*data.gray_ids, data.vesoul_id}
    secret = next(f for f in commander.json()["features"] if f["id"] == data.secret_id)["properties"]
    assert secret["description"] == SECRET and secret["team_name"] == "Groupe de contact de Gray"
    assert ids(get("/ogc/collections/observations/items", login="cdt.39")) == {data.lons_id}
    assert get(f"/ogc/collections/observations/items/{data.secret_id}", login="cdt.39").status == 404
    assert ids(get("/ogc/collections/observations/items", login="agent.gray")) == set(data.gray_ids)
    assert len(ids(get("/ogc/collections/observations/items", login="admin.flux"))) == len(data.gray_ids) + 2
    zones = get("/ogc/collections/zones/items").json()["features"]
    assert "Communauté de brigades de Gray — BTA et PSIG" in {z["properties"]["unit"] for z in zones}


def test_pages_follow_next_links_to_the_end(data):
    seen, pages = [], 0
    url = "/ogc/collections/observations/items?limit=2"
    while url:
        page = get(url, login="maire.gray").json()
        assert page["numberMatched"] == len(data.gray_ids) and page["numberReturned"] <= 2
        seen += [f["id"] for f in page["features"]]
        pages += 1
        following = [link["href"] for link in page["links"] if link["rel"] == "next"]
        url = "{0.path}?{0.query}".format(urlsplit(following[0])) if following else None
    assert pages == 3 and sorted(seen) == sorted(data.gray_ids)
    last = get("/ogc/collections/observations/items?limit=2&offset=4", login="maire.gray").json()
    assert {link["rel"] for link in last["links"]} == {"self", "collection", "prev"}
    big = get("/ogc/collections/communes/items?limit=5000").json()
    assert big["numberReturned"] == feed.MAX_LIMIT < big["numberMatched"]
    for wrong in ("limit=0", "limit=beaucoup", "offset=-1"):
        refused = get(f"/ogc/collections/communes/items?{wrong}")
        assert refused.status == 400 and refused.json()["erreur"].startswith("Paramètre")


def test_bbox_and_datetime_are_filtered_in_the_database(data):
    lat, lon = VESOUL[1], VESOUL[2]
    around_vesoul = f"bbox={lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    assert ids(get(f"/ogc/collections/observations/items?{around_vesoul}")) == {data.vesoul_id}
    communes = ids(get(f"/ogc/collections/communes/items?{around_vesoul}&limit=1000"))
    assert "70550" in communes and GRAY[0] not in communes and len(communes) < 10
    assert ids(get(f"/ogc/collections/observations/items?{around_vesoul}", login="maire.gray")) == set()
    october = ids(get("/ogc/collections/observations/items?datetime=2026-10-01T00:00:00Z/..", login="maire.gray"))
    assert october == set(data.gray_ids[2:])
    assert ids(get("/ogc/collections/observations/items?datetime=2026-09-15")) >= {data.secret_id, data.shared_id}
    for wrong in ("bbox=1,2,3", "bbox=6,48,5,47", "datetime=hier", "bbox-crs=EPSG:2154&bbox=1,2,3,4"):
        refused = get(f"/ogc/collections/observations/items?{wrong}")
        assert refused.status == 400 and refused.json()["erreur"].startswith("Paramètre"), wrong


def test_a_browser_session_reads_the_feed_with_its_cookie(data):
    body = json.dumps({"identifiant": "maire.gray", "mot_de_passe": PASSWORD}).encode()
    headers = {"content-type": "application/json", "host": "127.0.0.1:8501"}
    login = request(APP, "/api/session", method="POST", headers=headers, body=body)
    cookie = login.set_cookies()["psq_session"].split(";")[0]
    reply = request(APP, "/ogc/collections/observations/items", headers={"cookie": cookie, **headers})
    assert ids(reply) == set(data.gray_ids)


def test_basic_logins_are_remembered_briefly_and_reads_audited_once(db, data):
    for offset in (0, 2, 4):
        assert get(f"/ogc/collections/observations/items?limit=2&offset={offset}", login="maire.gray").status == 200
    get("/ogc/collections/zones/items", login="maire.gray")
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actor="maire.gray"))
    assert list(events["action"]).count("login") == 1  # argon2 once, not per request
    exports = events[events["action"] == "export"]
    assert sorted(exports["entity"]) == ["observations", "zones"]
    assert "5 objet(s)" in exports[exports["entity"] == "observations"]["detail"].iloc[0]
    accounts.set_active(db, ADMIN_ACTOR, "maire.gray", False)
    assert get("/ogc/collections", login="maire.gray").status == 401  # a remembered login re-reads the account


def test_requests_sent_at_once_with_the_same_credentials_check_the_password_once(db, data):
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda _: get("/ogc/collections", login="cdt.70"), range(4)))
    assert [reply.status for reply in replies] == [200] * 4
    events = audit.audit_events(db, ADMIN_ACTOR, audit.AuditFilter(actor="cdt.70", actions=("login",)))
    assert len(events) == 1
