"""The field page's offline bundle: the team's communes and layers, open diagnostics, limits."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import shape

from diagnostics.auth import AGENT, MAIRE, Actor
from diagnostics.errors import PermissionDenied
from diagnostics.services import closures
from diagnostics.services.field_bundle import field_bundle
from tests.conftest import COMMANDANT_70, GRAY, PUSEY, make_diagnostic, make_observation


def test_the_bundle_holds_the_team_communes_and_what_lies_in_them(db, agent, team_id):
    open_id = make_diagnostic(db, team_id)
    closed_id = make_diagnostic(db, team_id, commune=PUSEY[0], place="Oasis III", participants="")
    make_observation(db, closed_id, lat=PUSEY[1], lon=PUSEY[2], partner="Habitat 70")
    closures.close_diagnostic(db, agent, closed_id)
    bundle = field_bundle(db, agent)
    assert [f["properties"]["insee"] for f in bundle["communes"]["features"]] == [GRAY[0]]
    assert [d["id"] for d in bundle["diagnostics"]] == [open_id]  # the closed one is not offered
    gray = shape(bundle["communes"]["features"][0]["geometry"])
    assert gray.contains(shapely.Point(GRAY[2], GRAY[1]))
    assert all(shape(f["geometry"]).intersects(gray.buffer(0.001)) for f in bundle["sectors"]["features"])
    assert any(f["properties"]["name"].startswith("Quartier") for f in bundle["sectors"]["features"])
    assert bundle["limits"]["observation"] == {"description": 5000, "recommendation": 5000, "partner": 120}
    assert bundle["limits"]["diagnostic"]["place"] == 200
    assert bundle["teams"] == [{"id": team_id, "name": "Groupe de contact de Gray"}]
    assert bundle["partners"][0] == "Habitat 70" and "Bailleur social" in bundle["partners"]
    assert [c["code"] for c in bundle["taxonomy"]["categories"]][0] == "eclairage"
    assert bundle["grid"]["themes"] and bundle["photos"]["max_side"] == 1600
    assert bundle["basemap"] == []  # PSQ_TILES=none
    assert len(json.dumps(bundle, ensure_ascii=False).encode()) < 2_000_000


def test_communes_asked_for_are_added_within_the_actor_scope(db, team_id):
    bundle = field_bundle(db, COMMANDANT_70, extra_communes=[PUSEY[0], "39300", "99999"])
    assert [f["properties"]["insee"] for f in bundle["communes"]["features"]] == [PUSEY[0]]
    assert {c["insee"][:2] for c in bundle["commune_choices"]} == {"70"}
    assert any(f["properties"]["name"].startswith("Kiosque") for f in bundle["sites"]["features"])


def test_partners_and_agents_without_a_team_get_no_bundle(db):
    for actor in (Actor("maire.b", MAIRE, commune_insee=GRAY[0]), Actor("agent.b", AGENT)):
        with pytest.raises(PermissionDenied):
            field_bundle(db, actor)


def test_the_basemap_is_the_servers_and_only_non_internet_tiles_may_be_kept(db, agent, monkeypatch):
    monkeypatch.setenv("PSQ_TILES", "xyz:https://tuiles.intranet.example/{z}/{x}/{y}.png")
    monkeypatch.setenv("PSQ_TILES_ATTRIBUTION", "© IGN — Plan IGN v2 (intranet)")
    [layer] = field_bundle(db, agent)["basemap"]
    assert layer["url"] == "https://tuiles.intranet.example/{z}/{x}/{y}.png" and layer["offline"] is True
    assert layer["attribution"] == "© IGN — Plan IGN v2 (intranet)"
    monkeypatch.setenv("PSQ_TILES", "osm")
    assert [(b["key"], b["offline"]) for b in field_bundle(db, agent)["basemap"]] == [("osm", False)]
