"""Mayors' snapshots through the export service: each format opens, and redaction holds in all."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image
from pypdf import PdfReader

from diagnostics.assets import assets_installed
from diagnostics.services.exports import commune_snapshot, snapshot_file_name, snapshot_layers
from diagnostics.snapshots.standalone import external_references
from tests.conftest import GRAY, PUSEY, VESOUL, make_diagnostic, make_observation

SECRET = ("CONSTAT-SECRET", "Adjudant Secretnom", "agent.secret", "Rue Secrète")
SHARED = ("CONSTAT-PARTAGE", "PRECO-SECRET-NON", "PRECO-VISIBLE")


@pytest.fixture
def gray(db, team_id, admin) -> str:
    """Gray with one confidential and one shareable observation, and one outside the period."""
    diagnostic = make_diagnostic(db, team_id, participants="Adjudant Secretnom", place="Rue Secrète")
    make_observation(
        db,
        diagnostic,
        description="CONSTAT-SECRET",
        recommendation="PRECO-SECRET-NON",
        author="agent.secret",
        severity=4,
    )
    make_observation(
        db,
        diagnostic,
        lat=GRAY[1] + 0.001,
        category="depots",
        description="CONSTAT-PARTAGE",
        recommendation="PRECO-VISIBLE",
        shareable=True,
    )
    old = make_diagnostic(db, team_id, visited_on=dt.date(2025, 3, 1))
    make_observation(db, old, category="stupefiants", description="Ancien", recommendation="PRECO-ANCIENNE")
    return GRAY[0]


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_png_opens_and_its_layers_are_redacted(db, admin, gray):
    content = commune_snapshot(db, admin, gray, "png")
    with Image.open(io.BytesIO(content)) as image:
        image.load()
        assert image.format == "PNG" and min(image.size) > 1000
    observations = snapshot_layers(db, admin, gray).observations
    assert set(observations["description"]) == {"", "CONSTAT-PARTAGE"}
    assert not {"team_name", "diagnostic_id"} & set(observations.columns)
    assert not any(secret.encode() in content for secret in SECRET)


def test_pdf_has_the_map_and_the_list_without_confidential_text(db, admin, gray):
    pages, text = _pdf_text(commune_snapshot(db, admin, gray, "pdf", period=(dt.date(2026, 1, 1), None)))
    assert pages == 2
    assert "Diagnostic de sûreté — Gray (70279)" in text and "Observations — Gray (70279)" in text
    assert "Période : depuis le 01/01/2026" in text
    for expected in ("CONSTAT-PARTAGE", "PRECO-VISIBLE", "Dépôts sauvages et propreté"):
        assert expected in text
    # Nor the préconisation nobody chose to share, nor what the period leaves out.
    for secret in (*SECRET, "PRECO-SECRET-NON", "PRECO-ANCIENNE"):
        assert secret not in text


def test_pdf_counts_by_category_and_paginates_long_lists(db, admin, team_id):
    diagnostic = make_diagnostic(db, team_id)
    for i in range(45):
        make_observation(db, diagnostic, lat=GRAY[1] + i * 1e-5, recommendation="Préconisation " * 12)
    pages, text = _pdf_text(commune_snapshot(db, admin, GRAY[0], "pdf"))
    assert pages >= 3 and "Page 3 / " in text and "Liste des observations (suite)" in text
    assert "Éclairage 45 45" in text and "Total 45 45" in text


@pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")
def test_html_is_one_file_without_external_urls_or_confidential_text(db, admin, gray):
    page = commune_snapshot(db, admin, gray, "html").decode("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<title>Diagnostic de sûreté — Gray (70279)</title>" in page
    assert external_references(page) == []
    assert "CONSTAT-PARTAGE" in page and "PRECO-VISIBLE" in page
    for secret in SECRET:
        assert secret not in page


@pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")
def test_configured_tiles_only_reach_the_html(db, admin, gray, monkeypatch):
    monkeypatch.setenv("PSQ_TILES", "osm")
    page = commune_snapshot(db, admin, gray, "html").decode("utf-8")
    assert "tile.openstreetmap.org" in page and external_references(page) == []
    # The static formats never fetch tiles: they render the same with or without the setting.
    assert _pdf_text(commune_snapshot(db, admin, gray, "pdf"))[0] == 2


def test_unknown_format_and_commune(db, admin, gray):
    from diagnostics.errors import DiagnosticsError

    with pytest.raises(DiagnosticsError, match="choisissez parmi : png, pdf, html"):
        commune_snapshot(db, admin, gray, "svg")
    with pytest.raises(DiagnosticsError, match="Commune inconnue"):
        commune_snapshot(db, admin, "99999", "pdf")


def test_file_names_are_plain_ascii():
    assert (
        snapshot_file_name("70279", "Gray", "pdf", dt.date(2026, 9, 23)) == "diagnostic-surete-70279-gray-20260923.pdf"
    )
    assert snapshot_file_name("70239", "Échenoz-la-Méline", "png") == "diagnostic-surete-70239-echenoz-la-meline.png"
    assert snapshot_file_name("70000", "", "html") == "diagnostic-surete-70000.html"


# --- The one builder of a commune's layers --------------------------------------------------------


@pytest.mark.parametrize("insee", [GRAY[0], VESOUL[0], PUSEY[0], "70001"])
def test_layers_read_through_the_index_match_the_whole_tables_cut_in_python(db, admin, insee):
    """The database filter (bounding box through the spatial index, then intersection) keeps what
    intersecting the whole tables with the commune keeps, and neighbours are the communes that touch."""
    from diagnostics.services import reference

    layers = snapshot_layers(db, admin, insee)
    boundary = reference.communes_frame(db, (insee,)).geometry.iloc[0]
    for name, frame in (
        ("sectors", reference.sectors_frame(db)),
        ("patrol_zones", reference.patrol_zones_frame(db)),
        ("sites", reference.sites_frame(db)),
    ):
        expected = sorted(frame[frame.intersects(boundary)]["id"])
        assert sorted(getattr(layers, name)["id"]) == expected, name
    assert sorted(layers.neighbours["insee"]) == sorted(reference.neighbours_frame(db, insee)["insee"])
    assert insee not in set(layers.neighbours["insee"])


def test_patrol_zones_reach_partners_without_unit_or_schedule_unless_shareable(db, admin):
    zones = snapshot_layers(db, admin, GRAY[0]).patrol_zones
    assert len(zones) == 1
    zone = zones.iloc[0]
    assert (zone["name"], zone["unit"], zone["schedule"], zone["kind"]) == ("", "", "", "")
    assert bool(zone["approximate"]) and zone.geometry is not None
    sites = snapshot_layers(db, admin, GRAY[0]).sites
    assert list(sites["name"]) == ["Brigade de gendarmerie de Gray"]  # a desk open to the public


def test_an_administrator_shares_a_zone_and_partners_then_read_its_unit(db, admin):
    from diagnostics.errors import PermissionDenied
    from diagnostics.services.reference_sharing import set_shareable
    from tests.conftest import COMMANDANT_70

    with pytest.raises(PermissionDenied):
        set_shareable(db, COMMANDANT_70, "zones", "Groupe de contact de Gray", True)
    assert set_shareable(db, admin, "zones", "Groupe de contact de Gray", True)
    zone = snapshot_layers(db, admin, GRAY[0]).patrol_zones.iloc[0]
    assert zone["name"] == "Groupe de contact de Gray" and zone["unit"].startswith("Communauté de brigades")
    assert not set_shareable(db, admin, "zones", "Groupe de contact de Gray", True)  # no change


def test_the_pdf_names_no_unit_and_numbers_points_as_the_list(db, admin, gray):
    from diagnostics.services import reference
    from diagnostics.services.observations import observations_frame

    reader = PdfReader(io.BytesIO(commune_snapshot(db, admin, gray, "pdf")))
    map_text, list_text = reader.pages[0].extract_text(), "\n".join(p.extract_text() for p in reader.pages[1:])
    zone = reference.patrol_zones_frame(db).set_index("name").loc["Groupe de contact de Gray"]
    teams = [team.name for team in reference.list_teams(db)]
    for secret in ("Groupe de contact de Gray", zone["unit"], zone["schedule"], *teams):
        assert secret not in map_text and secret not in list_text, secret
    ids = [str(i) for i in observations_frame(db, admin).query("commune_insee == @gray")["id"]]
    on_map = set(map_text.split())
    assert set(ids) <= on_map  # every point carries its N° on the map…
    rows = [line.split()[0] for line in list_text.splitlines() if line.split() and line.split()[0].isdigit()]
    assert set(ids) <= set(rows)  # …and the list starts each row with the same N°
