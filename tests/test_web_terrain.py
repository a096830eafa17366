"""The field page's files under /terrain/: what is served, with which type, and that the service
worker keeps every file the page loads; the link from Saisie terrain."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image
from starlette.requests import Request

from diagnostics.web import terrain
from tests.conftest import app_as, make_diagnostic


def _get(endpoint, **path_params):
    return endpoint(Request({"type": "http", "method": "GET", "path": "/", "headers": [], "path_params": path_params}))


def _text(name: str) -> str:
    return _get(terrain.page_file, name=name).body.decode()


def test_every_file_is_served_with_its_type_and_nothing_else():
    page = _get(terrain.page_file)
    assert page.media_type.startswith("text/html") and page.headers["cache-control"] == "no-cache"
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
    for name in ("app.js", "form.js", "map.js", "sync.js", "store.js"):
        assert "innerHTML" not in _text(name), name
    assert _text("geo.js").count(".innerHTML") == 1  # escapeText reads back text set by textContent


@pytest.fixture
def agent_app(db_url, agent):
    return app_as(agent)


def test_saisie_terrain_links_to_the_offline_page(agent_app, db, team_id):
    make_diagnostic(db, team_id)
    agent_app.switch_page("diagnostics/ui/saisie.py").run()
    assert any("(/terrain/)" in block.value and "Saisie hors ligne" in block.value for block in agent_app.markdown)
