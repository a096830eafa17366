"""The map of the territory in every meeting pack (issue 17): drawn by the snapshots package from
the very data the pack is built from; a partner's map shows only what that partner may read (no
camera unless it owns it, no unshared site, no field of view) while the forces' has them all; read
back from the builder's input and from the PDF's text. `meetings prepare` prints nothing on stderr.
Both backends."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
from geoalchemy2.shape import from_shape
from matplotlib.text import Text
from pypdf import PdfReader
from shapely.geometry import Point
from sqlalchemy import select

from diagnostics import meeting_pdf
from diagnostics.demo_cameras import load_demo_cameras
from diagnostics.demo_cellules import load_demo_cellules
from diagnostics.models import Site
from diagnostics.partner_models import Partner
from diagnostics.services import cellules, meeting_packs
from diagnostics.services.meeting_pack_map import TITLE
from diagnostics.snapshots import commune_map_figure
from tests.conftest import ADMIN_ACTOR, COMMANDANT_39, make_diagnostic, make_observation

DOLE = "Cellule de veille de Dole"
MEETING = dt.date(2026, 12, 3)
HIDDEN_SITE = "Local technique des forces"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dole(db, team_id):
    """Dole's cellule with its demo cameras (owned by the Mairie de Dole), a meeting with the mairie
    and the bailleur present, an unshared site, an observation assigned to the bailleur and one not."""
    load_demo_cellules(db, ADMIN_ACTOR)
    load_demo_cameras(db, ADMIN_ACTOR)
    with db.session() as session:
        ids = {name: id_ for name, id_ in session.execute(select(Partner.name, Partner.id))}
        session.add(Site(name=HIDDEN_SITE, kind="brigade", commune_insee="39198", shareable=False,
                         geom=from_shape(Point(5.49, 47.09), srid=4326)))  # fmt: skip
    mairie, bailleur = ids["Mairie de Dole"], ids["Grand Dole Habitat"]
    meeting_id = cellules.record_meeting(db, COMMANDANT_39, DOLE, MEETING, (mairie, bailleur))
    diagnostic = make_diagnostic(db, team_id, commune="39198", visited_on=dt.date(2026, 11, 20), place="Gare")
    theirs = make_observation(db, diagnostic, lat=47.0860, lon=5.5050, severity=3)
    other = make_observation(db, diagnostic, lat=47.0900, lon=5.4900, severity=2)
    from diagnostics.services import assignments

    assignments.assign(db, ADMIN_ACTOR, theirs, bailleur, today=dt.date(2026, 11, 21))
    return meeting_id, mairie, bailleur, theirs, other


def _built(db, monkeypatch, meeting_id, partner_id):
    """(the Pack given to the PDF builder, the PDF's pages as text)."""
    given = []
    real = meeting_packs.render_pack_pdf

    def spy(pack, **kwargs):
        given.append(pack)
        return real(pack, **kwargs)

    monkeypatch.setattr(meeting_packs, "render_pack_pdf", spy)
    _, pdf = meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, partner_id, issued_on=dt.date(2026, 12, 2))
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    return given[0], pages


def _drawn_texts(pack) -> set[str]:
    """Every text drawn on the map page built from the data the PDF builder was given."""
    figure = commune_map_figure(pack.map, issued_on=dt.date(2026, 12, 2), dpi=100)
    try:
        return {" ".join(text.get_text().split()) for text in figure.findobj(Text)}
    finally:
        figure.clear()


def _map_page(pages: list[str]) -> str:
    [page] = [p for p in pages if TITLE.format(cellule=DOLE) in p]
    return page


def test_the_forces_map_draws_everything(db, dole, monkeypatch):
    meeting_id, *_, theirs, other = dole
    pack, pages = _built(db, monkeypatch, meeting_id, None)
    layers = pack.map
    assert "39198" in set(layers.commune["insee"])  # the territory's communes
    assert {theirs, other} <= set(layers.observations["id"])
    assert "camera" in set(layers.sites["kind"]) and HIDDEN_SITE in set(layers.sites["name"])
    assert layers.camera_views is not None and len(layers.camera_views) > 0
    page = _map_page(pages)
    assert "Champ de vision des caméras" in page and "Caméra" in page  # the legend (names are drawn as paths)
    drawn = _drawn_texts(pack)
    assert HIDDEN_SITE in drawn and any(text.startswith("CSU Dole") for text in drawn)
    assert {f"{theirs}", f"{other}"} <= drawn  # the N° beside each observation
    assert meeting_pdf.CONFIDENTIAL in page and "Destinataire : Forces de sécurité intérieure" in page


def test_a_partners_map_shows_only_what_it_may_read(db, dole, monkeypatch):
    meeting_id, mairie, bailleur, theirs, other = dole
    pack, pages = _built(db, monkeypatch, meeting_id, bailleur)
    layers = pack.map
    assert list(layers.observations["id"]) == [o.id for o in pack.observations] == [theirs]  # what it is given
    assert not {"team_name", "author"} & set(layers.observations.columns)  # redact_for_partner's frame
    assert "camera" not in set(layers.sites["kind"]) and HIDDEN_SITE not in set(layers.sites["name"])
    assert set(layers.sites["name"]) == {s.name for s in pack.sites}  # drawn = listed
    assert layers.camera_views is None
    drawn = _drawn_texts(pack)
    assert str(theirs) in drawn and str(other) not in drawn
    assert HIDDEN_SITE not in drawn and not any("CSU" in text or "Caméra" in text for text in drawn)
    page = _map_page(pages)
    assert "Caméra" not in page and "CSU" not in page and "Champ de vision" not in page and HIDDEN_SITE not in page
    assert "Destinataire : Grand Dole Habitat" in page and meeting_pdf.CONFIDENTIAL in page

    pack, pages = _built(db, monkeypatch, meeting_id, mairie)  # the owner of the cameras sees its own
    assert "camera" in set(pack.map.sites["kind"]) and pack.map.camera_views is None
    assert any(text.startswith("CSU Dole") for text in _drawn_texts(pack))
    assert HIDDEN_SITE not in " ".join(pages)


def test_meetings_prepare_prints_nothing_on_stderr(db, dole, tmp_path):
    """In a process of its own, as at the shell (pytest would catch the warnings it logs)."""
    command = [sys.executable, "-m", "diagnostics", "meetings", "prepare", "--cellule", DOLE,
               "--date", MEETING.isoformat(), "--out", str(tmp_path)]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert sorted(p.name for p in tmp_path.glob("*.pdf")) == [
        "ordre-du-jour-2026-12-03-forces.pdf",
        "ordre-du-jour-2026-12-03-grand-dole-habitat.pdf",
        "ordre-du-jour-2026-12-03-mairie-de-dole.pdf",
    ]


def test_the_day_pack_has_the_one_file_name(db, dole):
    """The page names its download `pack_file_name(day)`, what the CLI writes (build_day_pack)."""
    day = dt.date(2026, 12, 10)
    name, _ = meeting_packs.build_day_pack(db, COMMANDANT_39, DOLE, day, issued_on=day)
    assert name == meeting_packs.pack_file_name(day) == "ordre-du-jour-2026-12-10-forces.pdf"


def test_a_territory_of_several_communes_outlines_and_names_each():
    """The snapshot page given a territory: one commune row each, a title instead of one name."""
    from shapely.geometry import box

    from diagnostics.snapshots import SnapshotLayers

    communes = gpd.GeoDataFrame(
        {"insee": ["39300", "39301"], "name": ["Amont", "Aval"], "department": ["39", "39"], "population": [10, 20]},
        geometry=[box(5.50, 46.60, 5.55, 46.65), box(5.55, 46.60, 5.60, 46.65)],
        crs="EPSG:4326",
    )
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs="EPSG:4326")
    layers = SnapshotLayers(communes, empty, empty, empty, empty, empty)
    with pytest.raises(ValueError):
        layers.check()  # several communes need a title: a commune's snapshot shows one
    layers = dataclasses.replace(layers, title=TITLE.format(cellule="Cellule test"))
    figure = commune_map_figure(layers, issued_on=dt.date(2026, 12, 2), dpi=60)
    try:
        texts = {text.get_text() for text in figure.findobj(Text)}
    finally:
        figure.clear()
    assert {"Amont", "Aval", "Carte du territoire — Cellule test", "Commune du territoire"} <= texts
    assert any("30 habitants" in text for text in texts)  # the territory's, not its first commune's
