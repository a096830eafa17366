"""GPX from a phone and Google My Maps KML/KMZ: waypoints as observations or sites, tracks as
lines without their times unless the team keeps them, names kept, HTML balloons as plain text."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from diagnostics import maps
from diagnostics.__main__ import main
from diagnostics.errors import DiagnosticsError
from diagnostics.io import files, htmltext
from diagnostics.models import Observation, Site
from diagnostics.services import imports, reference
from diagnostics.services.observations import observations_frame
from tests.conftest import ADMIN_ACTOR, GRAY
from tests.maps.samples import Layers, review_map_of

SAMPLES = Path(__file__).parent / "samples"
GPX = SAMPLES / "osmand_patrouille_gray.gpx"
MY_MAPS = SAMPLES / "my_maps_gray.kml"


def kmz(tmp_path, kml: bytes | None = None, *, extra: dict[str, bytes] | None = None, name="carte.kmz") -> Path:
    """A KMZ as My Maps downloads it: doc.kml and its images."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if kml is not None:
            archive.writestr("doc.kml", kml)
        archive.writestr("images/icon-1.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
        for member, content in (extra or {}).items():
            archive.writestr(member, content)
    return path


def test_html_balloons_become_plain_text():
    balloon = 'Éclairage<br>l&#39;association &amp; le bailleur<br><img src="https://x/a.png" /><script>x()</script>'
    assert htmltext.plain_text(balloon) == "Éclairage\nl'association & le bailleur\n[image : https://x/a.png]"
    assert htmltext.plain_text("5 < 6 &lt;b&gt;") == "5 < 6 <b>"
    assert htmltext.plain_text("<br><br>") is None


def test_gpx_waypoints_and_lines_as_observations_without_track_times(db, team_id, tmp_path):
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", GPX, columns={"severity": "type"})
    assert preview.fmt == "gpx"
    frame = preview.frame.set_index("ligne")
    # Waypoints: name + description (+ comment) as the description, time as the Paris day.
    assert frame.loc[1, "description"] == "Tags pont de Pierre\nTags sur la pile du pont, côté île"
    assert frame.loc[1, "observed_on"] == dt.date(2026, 11, 20)
    assert frame.loc[2, "description"] == "Dépôt sauvage\nencombrants"
    assert [g.geom_type for g in preview.frame.geometry] == ["Point", "Point", "LineString", "LineString"]
    # The track's times are not read: no date, so the line needs one from elsewhere.
    assert "Trace GPX" not in " ".join(str(d) for d in preview.frame["description"])
    assert "Date" in " ".join(str(i) for i in preview.issues if i.row == 4)
    kept = imports.preview_import(db, ADMIN_ACTOR, "observations", GPX, keep_track_times=True)
    track = kept.frame.set_index("ligne").loc[4]
    times = "Trace GPX du 20/11/2026 15:00 au 20/11/2026 15:25 (heure de Paris)"
    assert track["description"] == f"Patrouille du 20/11\n{times}"
    assert track["observed_on"] == dt.date(2026, 11, 20)


def test_gpx_waypoints_as_sites_and_refused_as_zones(db):
    preview = imports.preview_import(db, ADMIN_ACTOR, "sites", GPX)
    frame = preview.frame.set_index("ligne")
    assert list(frame.loc[[1, 2], "name"]) == ["Tags pont de Pierre", "Dépôt sauvage"]
    assert list(frame.loc[[1, 2], "statut"]) == ["valide", "valide"]
    assert list(frame.loc[[3, 4], "statut"]) == ["rejetée", "rejetée"]  # a site is a point
    assert "Un point est attendu, le fichier contient une ligne" in preview.report()
    imports.commit_import(db, ADMIN_ACTOR, preview, keep_valid=True)
    with db.session() as session:
        assert session.scalar(select(Site.kind).where(Site.name == "Dépôt sauvage")) == "autre"


def test_my_maps_kml_keeps_names_and_plain_descriptions(db, team_id):
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", MY_MAPS)
    assert preview.rejected == 0, preview.report()
    first, second = preview.frame.sort_values("ligne")["description"]
    assert first.startswith("Lampadaire HS rue des Îles\nÉclairage absent depuis 2 semaines\n")
    assert "l'association & le bailleur" in first and "<br>" not in first and "&#39;" not in first
    assert "[image : https://mymaps.usercontent.google.com/" in first
    assert second == "Parcours <script>alert(1)</script>\nChemin peu visible\nhaies hautes"  # text, not HTML
    result = imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    assert result.added == 2
    with db.session() as session:
        stored = session.scalars(select(Observation.description).order_by(Observation.id.desc()).limit(2)).all()
    assert "Parcours <script>alert(1)</script>\nChemin peu visible\nhaies hautes" in stored


def test_kmz_from_my_maps_is_read_as_its_kml(db, tmp_path):
    path = kmz(tmp_path, MY_MAPS.read_bytes())
    preview = imports.preview_import(db, ADMIN_ACTOR, "sites", path, name="Diagnostic Gray.kmz")
    assert preview.fmt == "kmz" and "KMZ" in preview.summary()
    assert sorted(preview.frame["name"]) == ["Lampadaire HS rue des Îles", "Parcours <script>alert(1)</script>"]


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({"../../etc/doc.kml": b"<kml/>"}, "Nom de fichier dangereux"),
        ({"inner.kmz": b"PK\x03\x04"}, "contient un autre KMZ"),
        ({}, "aucun fichier KML"),
    ],
)
def test_bad_kmz_refused_in_french_and_nothing_written(db, team_id, tmp_path, members, message):
    path = kmz(tmp_path, None, extra=members)
    with db.session() as session:
        before = len(session.scalars(select(Observation.id)).all())
    with pytest.raises(DiagnosticsError, match=message):
        imports.preview_import(db, ADMIN_ACTOR, "observations", path)
    with db.session() as session:
        assert len(session.scalars(select(Observation.id)).all()) == before


def test_a_file_that_is_not_what_its_name_says(tmp_path):
    fake = tmp_path / "trace.gpx"
    fake.write_text('<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"/>', encoding="utf-8")
    with pytest.raises(files.FileRefused, match="XML sans balise <gpx>"):
        files.check_file(fake, max_bytes=10_000_000)
    fake = tmp_path / "carte.kmz"
    fake.write_bytes(MY_MAPS.read_bytes())
    with pytest.raises(files.FileRefused, match="n'est pas ce que son nom annonce"):
        files.check_file(fake, max_bytes=10_000_000)


def test_cli_imports_gpx_keeping_track_times_only_when_asked(db, team_id, tmp_path, capsys):
    args = ["import", "observations", str(GPX), "--team", "Groupe de contact de Gray", "--column", "severity=type"]
    assert main([*args, "--dry-run"]) == 1
    assert "Objet 4 : Date" in capsys.readouterr().out
    assert main([*args, "--dry-run", "--keep-track-times"]) == 1
    out = capsys.readouterr().out
    assert "Objet 4 : Date" not in out


def test_imported_names_and_balloons_stay_text_on_the_maps(db, team_id, tmp_path):
    """A My Maps name « <script>… » reaches the preview map, the commanders' map and the field
    map as text only."""
    sites = imports.preview_import(db, ADMIN_ACTOR, "sites", kmz(tmp_path, MY_MAPS.read_bytes()))
    communes = reference.communes_frame(db, (GRAY[0],))
    preview_page = maps.build_import_preview_map(communes, sites.frame).get_root().render()
    assert "<script>alert(1)" not in preview_page and "Lampadaire HS rue des" in preview_page
    preview = imports.preview_import(db, ADMIN_ACTOR, "observations", MY_MAPS)
    imports.commit_import(db, ADMIN_ACTOR, preview, team_id=team_id)
    observations = observations_frame(db, ADMIN_ACTOR)
    assert observations["description"].str.contains("<script>alert(1)</script>", regex=False).any()
    layers = Layers(
        communes, reference.sectors_frame(db), reference.patrol_zones_frame(db), reference.sites_frame(db), observations
    )
    for name, m in (("review", review_map_of(layers)), ("field", maps.build_field_map(communes, observations))):
        page = m.get_root().render()
        at = page.find("<script>alert(1)")
        assert at == -1, (name, page[max(0, at - 300) : at + 100])
        assert "alert(1)" in page
