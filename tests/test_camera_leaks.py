"""Camera positions never leave the forces (issue 17) unless the recipient owns the camera: the one
rule (diagnostics.redaction) on frames, and every exit of reference layers: the mayors' snapshots
(layers, PNG, PDF, HTML, the same builder as the deliveries and the batch), the OGC feed read by a
mayor (pages and counts). Both backends."""

from __future__ import annotations

import io

import geopandas as gpd
import pytest
from pypdf import PdfReader
from shapely.geometry import Point

from diagnostics.auth import MAIRE, Actor
from diagnostics.redaction import redact_reference_for_partners, site_leaves
from diagnostics.services import cameras, feed
from diagnostics.services.exports import commune_snapshot, snapshot_layers
from diagnostics.services.reference_sharing import set_shareable
from tests.conftest import ADMIN_ACTOR, COMMANDANT_70, GRAY, make_partner

GRAY_OWN = "CAMERA-GRAY-MAIRIE"  # owned by the commune of Gray
FOREIGN = "CAMERA-GRAY-AUTRE"  # in Gray, owned by another partner
NOBODY = "CAMERA-GRAY-SANS-PROPRIETAIRE"


@pytest.fixture
def owners(db) -> dict[str, int]:
    gray = make_partner(db, "Commune de Gray", communes=(GRAY[0],))
    other = make_partner(db, "Bailleur de Gray", kind="bailleur", communes=(GRAY[0],))
    for name, owner, offset in ((GRAY_OWN, gray, 0.0), (FOREIGN, other, 0.001), (NOBODY, None, 0.002)):
        draft = cameras.CameraDraft(
            name=name,
            position=Point(GRAY[2] + offset, GRAY[1]),
            bearing=45,
            angle=60,
            range_m=80,
            owner_partner_id=owner,
            address=f"Adresse {name}",
        )
        cameras.save_camera(db, ADMIN_ACTOR, draft)
    # An administrator marking a camera shareable does not make it leave.
    set_shareable(db, ADMIN_ACTOR, "sites", FOREIGN, True)
    return {"gray": gray, "other": other}


def mayor(partner_id: int | None) -> Actor:
    return Actor(login="maire.gray", role=MAIRE, commune_insee=GRAY[0], partner_id=partner_id)


def test_the_rule_drops_cameras_unless_the_recipient_owns_them():
    frame = gpd.GeoDataFrame(
        {
            "id": [1, 2, 3],
            "name": ["Brigade", "Caméra A", "Caméra B"],
            "kind": ["brigade", "camera", "camera"],
            "shareable": [True, True, False],
            "owner_partner_id": [None, 7, 8],
        },
        geometry=[Point(5, 47), Point(5.1, 47), Point(5.2, 47)],
        crs="EPSG:4326",
    )
    assert list(redact_reference_for_partners("sites", frame)["name"]) == ["Brigade"]
    owned = redact_reference_for_partners("sites", frame, recipients=[8])
    assert list(owned["name"]) == ["Brigade", "Caméra B"]  # its owner reads it whole, name too
    assert "owner_partner_id" not in owned.columns
    assert list(
        redact_reference_for_partners("sites", frame.drop(columns="owner_partner_id"), recipients=[7])["id"]
    ) == [1]
    views = frame[frame["kind"] == "camera"].drop(columns="kind")
    assert list(redact_reference_for_partners("cameras", views, recipients=[7])["name"]) == ["Caméra A"]
    assert redact_reference_for_partners("cameras", views).empty
    assert site_leaves("kiosque", None) and not site_leaves("camera", None, [1]) and site_leaves("camera", 3.0, [3])


def test_a_commune_snapshot_shows_only_the_communes_own_cameras(db, owners):
    commander = snapshot_layers(db, COMMANDANT_70, GRAY[0]).sites  # exported for Gray's mayor
    assert GRAY_OWN in set(commander["name"]) and not {FOREIGN, NOBODY} & set(commander["name"])
    own = snapshot_layers(db, mayor(owners["gray"]), GRAY[0]).sites
    assert GRAY_OWN in set(own["name"]) and not {FOREIGN, NOBODY} & set(own["name"])
    other = snapshot_layers(db, mayor(owners["other"]), GRAY[0]).sites
    assert FOREIGN in set(other["name"]) and not {GRAY_OWN, NOBODY} & set(other["name"])
    unlinked = snapshot_layers(db, mayor(None), GRAY[0]).sites  # the commune's partners
    assert GRAY_OWN in set(unlinked["name"]) and FOREIGN not in set(unlinked["name"])
    assert (snapshot_layers(db, COMMANDANT_70, GRAY[0]).sites["kind"] == "camera").sum() == 1


@pytest.mark.parametrize("fmt", ["pdf", "html"])
def test_no_foreign_camera_in_the_files_given_to_a_mayor(db, owners, fmt):
    content = commune_snapshot(db, mayor(owners["gray"]), GRAY[0], fmt)
    text = _pdf_text(content) if fmt == "pdf" else content.decode()
    for name in (FOREIGN, NOBODY):
        assert name not in text and f"Adresse {name}" not in text
    if fmt == "html":
        # Not even the position (the HTML holds coordinates rounded to 5 decimals at most).
        assert f"{GRAY[2] + 0.001:.4f}" not in text and f"{GRAY[2] + 0.002:.4f}" not in text
        assert GRAY_OWN in text


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_ogc_feed_gives_a_mayor_only_their_own_cameras_pages_and_counts_included(db, owners):
    feed.forget_audits()
    page = feed.read_items(db, mayor(owners["gray"]), "sites", feed.FeedQuery(), reader="test")
    names = set(page.features["name"])
    assert GRAY_OWN in names and not {FOREIGN, NOBODY} & names
    assert page.matched == len(page.features)
    assert "owner_partner_id" not in page.features.columns
    unlinked = feed.read_items(db, mayor(None), "sites", feed.FeedQuery(), reader="test2")
    assert not (unlinked.features["kind"] == "camera").any()
    camera_id = int(page.features[page.features["name"] == GRAY_OWN]["id"].iloc[0])
    from diagnostics.errors import NotFound

    with pytest.raises(NotFound):
        feed.read_item(db, mayor(None), "sites", str(camera_id), reader="test2")
    forces = feed.read_items(db, ADMIN_ACTOR, "sites", feed.FeedQuery(), reader="admin")
    assert {GRAY_OWN, FOREIGN, NOBODY} <= set(forces.features["name"])  # the forces read them all


def test_a_cellules_packs_give_cameras_to_their_owner_only(db, team_id):
    import datetime as dt

    from sqlalchemy import select

    from diagnostics.demo_cameras import load_demo_cameras
    from diagnostics.demo_cellules import load_demo_cellules
    from diagnostics.partner_models import Partner
    from diagnostics.services import cellules, meeting_packs
    from tests.conftest import COMMANDANT_39, make_diagnostic, make_observation

    load_demo_cellules(db, ADMIN_ACTOR)
    assert load_demo_cameras(db, ADMIN_ACTOR) == 12 and load_demo_cameras(db, ADMIN_ACTOR) == 0
    with db.session() as session:
        ids = {name: id_ for name, id_ in session.execute(select(Partner.name, Partner.id))}
    mairie, bailleur = ids["Mairie de Dole"], ids["Grand Dole Habitat"]
    meeting_id = cellules.record_meeting(
        db, COMMANDANT_39, "Cellule de veille de Dole", dt.date(2026, 12, 3), (mairie, bailleur)
    )
    diagnostic = make_diagnostic(db, team_id, commune="39198", visited_on=dt.date(2026, 11, 20), place="Gare")
    unseen = make_observation(db, diagnostic, lat=47.0860, lon=5.5050, category="videoprotection", severity=3)

    def text(partner_id):
        _, pdf = meeting_packs.build_pack(db, COMMANDANT_39, meeting_id, partner_id, issued_on=dt.date(2026, 12, 2))
        return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)

    forces, own, other = text(None), text(mairie), text(bailleur)
    assert "CSU Dole — Place Grévy" in forces and "hors du champ des caméras" in forces and f"N° {unseen} " in forces
    assert "CSU Dole — Place Grévy" in own and "CSU Mesnils-Pasteur" in own  # the commune's own cameras
    assert "CSU" not in other and "Caméra" not in other
    for partner_text in (own, other):
        assert "hors du champ des caméras" not in partner_text  # where no camera sees is the forces' own
