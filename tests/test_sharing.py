"""What leaves the forces is chosen field by field (issue 13): a préconisation nobody chose to share
(the demo's patrol times) never reaches the mayor, in any export."""

from __future__ import annotations

import io

import pytest
from alembic import command
from pypdf import PdfReader
from sqlalchemy import text

from diagnostics.assets import assets_installed
from diagnostics.db import _alembic_config, open_database
from diagnostics.demo import load_demo
from diagnostics.io import files
from diagnostics.services.exports import commune_snapshot, snapshot_layers
from diagnostics.services.follow_up import observation_detail
from diagnostics.services.observations import observations_frame
from tests.conftest import GRAY, MAIRE_GRAY, make_diagnostic, make_observation

PATROL_TIMES = "Passages de la patrouille entre 21 h et 23 h"


@pytest.fixture
def demo(db, admin):
    load_demo(db, admin)


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_demo_patrol_times_stay_out_of_the_mayors_pdf_and_csv(db, demo, tmp_path):
    pdf = _pdf_text(commune_snapshot(db, MAIRE_GRAY, GRAY[0], "pdf"))
    assert PATROL_TIMES not in pdf.replace("\n", " ")
    assert "Remplacer les lampes" in pdf  # an observation marked shareable keeps its préconisation
    path = tmp_path / "gray.csv"
    files.write(snapshot_layers(db, MAIRE_GRAY, GRAY[0]).observations, path, "csv", layer="observations")
    csv = path.read_text(encoding="utf-8-sig")
    assert PATROL_TIMES not in csv and "Remplacer les lampes" in csv
    frame = observations_frame(db, MAIRE_GRAY)
    assert not frame["recommendation"].str.contains("patrouille").any()


@pytest.mark.skipif(not assets_installed(), reason="run `make assets` first")
def test_the_demo_patrol_times_stay_out_of_the_mayors_html(db, demo):
    page = commune_snapshot(db, MAIRE_GRAY, GRAY[0], "html").decode("utf-8")
    assert PATROL_TIMES not in page and "Remplacer les lampes" in page


def test_each_field_leaves_only_when_chosen(db, team_id, admin):
    diagnostic = make_diagnostic(db, team_id, place="Rue du Marché")
    chosen = make_observation(
        db,
        diagnostic,
        description="CONSTAT-PARTAGE",
        recommendation="PRECO-INTERNE",
        partner="Habitat 70",
        shared_fields=("description", "partner"),
    )
    nothing = make_observation(db, diagnostic, description="CONSTAT-INTERNE", recommendation="PRECO-2", partner="X")
    frame = observations_frame(db, MAIRE_GRAY).set_index("id")
    assert frame.loc[chosen, ["description", "recommendation", "partner", "place"]].tolist() == [
        "CONSTAT-PARTAGE",
        "",
        "Habitat 70",
        "",
    ]
    assert frame.loc[nothing, ["description", "recommendation", "partner", "place"]].tolist() == ["", "", "", ""]
    assert bool(frame.loc[chosen, "shareable"]) and not bool(frame.loc[nothing, "shareable"])
    detail = observation_detail(db, MAIRE_GRAY, chosen)
    assert (detail.description, detail.recommendation, detail.team_name) == ("CONSTAT-PARTAGE", "", "")
    # The forces read everything.
    assert observation_detail(db, admin, chosen).recommendation == "PRECO-INTERNE"


def test_an_old_shareable_flag_still_shares_every_text_field(db, team_id):
    diagnostic = make_diagnostic(db, team_id)
    make_observation(db, diagnostic, description="CONSTAT", recommendation="PRECO", shareable=True)
    row = observations_frame(db, MAIRE_GRAY).iloc[0]
    assert (row["description"], row["recommendation"]) == ("CONSTAT", "PRECO")


ROWS_AT_0005 = (
    "INSERT INTO communes (insee, name, department, population, geom) VALUES ('70279', 'Gray', '70', 1, "
    "ST_GeomFromText('MULTIPOLYGON(((5 47,6 47,6 48,5 47)))', 4326))",
    "INSERT INTO teams (id, name, force, department) VALUES (1, 'T', 'gendarmerie', '70')",
    "INSERT INTO diagnostics (id, team_id, commune_insee, place, visited_on, participants, context, summary, "
    "author, created_at) VALUES (1, 1, '70279', 'P', '2026-09-15', '', '', '', '', '2026-09-15')",
    *(
        "INSERT INTO observations (id, diagnostic_id, commune_insee, observed_on, category, severity, status, "
        "description, recommendation, partner, shareable, author, created_at, updated_at, version, geom) "
        f"VALUES ({id_}, 1, '70279', '2026-09-15', 'autre', 1, 'nouvelle', 'd', 'r', 'p', {flag}, '', "
        "'2026-09-15', '2026-09-15', 1, ST_GeomFromText('POINT(5.5 47.5)', 4326))"
        for id_, flag in ((1, 1), (2, 0))
    ),
)


def test_existing_rows_are_migrated_conservatively(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        with db.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "0005")
        with db.engine.begin() as connection:
            for statement in ROWS_AT_0005:
                connection.execute(text(statement))
        with db.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), "head")
        with db.engine.connect() as connection:
            rows = dict(connection.execute(text("SELECT id, shared_fields FROM observations ORDER BY id")).all())
            versions = connection.execute(text("SELECT version FROM diagnostics")).scalars().all()
        assert rows == {1: "description,recommendation,partner,place", 2: ""} and versions == [1]
    finally:
        db.dispose()
