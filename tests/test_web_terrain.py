"""The field page's files under /terrain/: what is served, with which type, and that the service
worker keeps every file the page loads; the link from Saisie terrain."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest
from PIL import Image
from starlette.requests import Request

from diagnostics.services import fieldwork
from diagnostics.web import terrain
from tests.conftest import ADMIN_ACTOR as ADMIN
from tests.conftest import app_as, make_diagnostic


def _get(endpoint, **path_params):
    return endpoint(Request({"type": "http", "method": "GET", "path": "/", "headers": [], "path_params": path_params}))


def _text(name: str) -> str:
    return _get(terrain.page_file, name=name).body.decode()


def test_every_file_is_served_with_its_type_and_nothing_else():
    page = _get(terrain.page_file)
    assert page.media_type.startswith("text/html") and page.headers["cache-control"] == "no-cache"
    assert "script-src 'self';" in page.headers["content-security-policy"]
    worker = _get(terrain.page_file, name="sw.js")
    assert worker.media_type.startswith("text/javascript") and worker.headers["service-worker-allowed"] == "/terrain/"
    assert _get(terrain.page_file, name="../deps.py").status_code == 404
    assert _get(terrain.page_file, name="__init__.py").status_code == 404


def test_the_icons_are_pngs_of_their_size_and_the_manifest_names_them():
    for size in terrain.ICON_SIZES:
        with Image.open(io.BytesIO(_get(terrain.icon, size=size).body)) as image:
            assert (image.format, image.size) == ("PNG", (size, size))
    assert _get(terrain.icon, size=64).status_code == 404
    manifest = json.loads(_text("manifest.webmanifest"))
    assert manifest["lang"] == "fr" and manifest["start_url"] == manifest["scope"] == "/terrain/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}


def test_the_service_worker_keeps_every_file_the_page_loads():
    page = _text("index.html")
    loaded = set(re.findall(r'(?:src|href)="(/(?:terrain|app/static)/[^"]+)"', page))
    kept = set(re.findall(r'"(/(?:terrain|app/static)/[^"]*)"', _text("sw.js")))
    assert loaded <= kept, loaded - kept
    own = {path.removeprefix("/terrain/") for path in kept if path.startswith("/terrain/")} - {""}
    assert own <= set(terrain.FILES) | {f"icon-{size}.png" for size in terrain.ICON_SIZES}


def test_no_user_text_goes_through_inner_html():
    for name in (name for name in terrain.FILES if name.endswith(".js") and name != "geo.js"):
        assert "innerHTML" not in _text(name), name
    assert _text("geo.js").count(".innerHTML") == 1  # escapeText reads back text set by textContent


@pytest.fixture
def agent_app(db_url, agent):
    return app_as(agent)


def test_saisie_terrain_links_to_the_offline_page(agent_app, db, team_id):
    make_diagnostic(db, team_id)
    agent_app.switch_page("diagnostics/ui/saisie.py").run()
    assert any("(/terrain/)" in block.value and "Saisie hors ligne" in block.value for block in agent_app.markdown)


# ---- the API, through the app's routes (both backends) ----

PASSWORD = "mot de passe solide"


@pytest.fixture
def api(db, team_id, photo_dir):
    from starlette.applications import Starlette

    from diagnostics.services.accounts import NewAccount, add_user
    from diagnostics.web import deps
    from diagnostics.web.routes import EXCEPTION_HANDLERS, ROUTES
    from tests.conftest import ADMIN_ACTOR

    add_user(
        db,
        ADMIN_ACTOR,
        NewAccount(login="agent.gray", role="agent", password=PASSWORD, team_name="Groupe de contact de Gray"),
    )
    yield Starlette(routes=ROUTES, exception_handlers=EXCEPTION_HANDLERS)
    deps.close_databases()


def _call(app, method: str, path: str, *, body=None, cookie: str | None = None, headers: dict | None = None):
    from tests.asgi import request

    sent = {"content-type": "application/json", "host": "127.0.0.1:8501", **(headers or {})}
    if cookie:
        sent["cookie"] = f"psq_session={cookie}"
    data = json.dumps(body).encode() if body is not None else b""
    return request(app, path, method=method, headers=sent, body=data)


def _signed_in(app) -> str:
    answer = _call(app, "POST", "/api/session", body={"identifiant": "agent.gray", "mot_de_passe": PASSWORD})
    assert answer.status == 200
    return answer.set_cookies()["psq_session"].split(";")[0].split("=", 1)[1]


def _item(diagnostic_id: int, **observation) -> dict:
    values = {"category": "eclairage", "severity": 2, "description": "Candélabre éteint"}
    values["geometry"] = {"type": "Point", "coordinates": [5.5925, 47.4452]}
    return {"uuid": str(uuid.uuid4()), "diagnostic_id": diagnostic_id, "observation": {**values, **observation}}


def test_the_bundle_and_the_sync_need_a_signed_in_field_agent(api, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    refused = _call(api, "GET", "/api/terrain/bundle")
    assert refused.status == 401 and refused.json()["erreur"]
    assert _call(api, "POST", "/api/terrain/sync", body={"items": [_item(diagnostic_id)]}).status == 401
    cookie = _signed_in(api)
    bundle = _call(api, "GET", "/api/terrain/bundle", cookie=cookie)
    assert bundle.status == 200 and [d["id"] for d in bundle.json()["diagnostics"]] == [diagnostic_id]
    cross_site = _call(
        api,
        "POST",
        "/api/terrain/sync",
        body={"items": []},
        cookie=cookie,
        headers={"origin": "https://ailleurs.example"},
    )
    assert cross_site.status == 403


def test_a_sync_answers_for_each_item_and_a_retry_stores_nothing_twice(api, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    cookie = _signed_in(api)
    items = [_item(diagnostic_id), _item(diagnostic_id, geometry={"type": "Point", "coordinates": [6.1558, 47.6231]})]
    items.append({"uuid": str(uuid.uuid4()), "observation": "illisible"})
    first = _call(api, "POST", "/api/terrain/sync", body={"items": items}, cookie=cookie).json()["resultats"]
    again = _call(api, "POST", "/api/terrain/sync", body={"items": items}, cookie=cookie).json()["resultats"]
    assert [r["statut"] for r in first] == ["acceptee", "refusee", "refusee"]
    assert first[1]["erreurs"]["position"].startswith(
        "Le point (47.62310, 6.15580) est en dehors de la commune de Gray"
    )
    assert again[0]["observation_id"] == first[0]["observation_id"]
    assert fieldwork.get_diagnostic(db, ADMIN, diagnostic_id).observation_count == 1


def test_a_request_that_is_not_a_batch_is_refused_in_french(api):
    cookie = _signed_in(api)
    for body in ({"observations": []}, {"items": [{}] * 51}):
        answer = _call(api, "POST", "/api/terrain/sync", body=body, cookie=cookie)
        assert answer.status == 400 and answer.json()["erreur"].startswith(("Requête illisible", "Trop d'observations"))
    too_large = _call(
        api, "POST", "/api/terrain/sync", body={"items": []}, cookie=cookie, headers={"content-length": "99999999"}
    )
    assert too_large.status == 413 and too_large.json()["erreur"].startswith(
        "Envoi trop volumineux (95 Mo, 40 Mo au plus)"
    )


def test_the_sync_refuses_an_item_the_phone_recorded_under_another_account(api, db, team_id):
    diagnostic_id = make_diagnostic(db, team_id)
    cookie = _signed_in(api)
    items = [{**_item(diagnostic_id), "login": "agent.vesoul"}, {**_item(diagnostic_id), "login": "agent.gray"}]
    answer = _call(api, "POST", "/api/terrain/sync", body={"items": items}, cookie=cookie).json()["resultats"]
    assert [r["statut"] for r in answer] == ["refusee", "acceptee"]
    assert "autre compte" in answer[0]["erreurs"]["form"]
    assert fieldwork.get_diagnostic(db, ADMIN, diagnostic_id).observation_count == 1
