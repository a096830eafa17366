"""Migration 0015 (partners are data), on both backends with real rows: the free-text partners and
assignments become partner rows matched by name (trimmed, case- and accent-insensitive), mayors
are bound to their commune's partner, and the downgrade gives the text back."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from diagnostics.db import _alembic_config, open_database, schema_revision

SQUARE = "MULTIPOLYGON(((5.5 47.4, 5.7 47.4, 5.7 47.5, 5.5 47.5, 5.5 47.4)))"


def _migrate(db, revision: str, *, down: bool = False) -> None:
    with db.engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(_alembic_config(connection), revision)


def _rows(db, sql: str, **params) -> list[tuple]:
    with db.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


def _seed(db) -> None:
    """Two communes, a diagnostic and observations typed as they were before partners existed."""
    statements = [
        "INSERT INTO communes (insee, name, department, population, geom)"
        f" VALUES ('70279', 'Gray', '70', 5500, ST_GeomFromText('{SQUARE}', 4326))",
        "INSERT INTO communes (insee, name, department, population, geom)"
        f" VALUES ('70550', 'Vesoul', '70', 15000, ST_GeomFromText('{SQUARE}', 4326))",
        "INSERT INTO teams (id, name, force, department) VALUES (1, 'Groupe de contact de Gray', 'gendarmerie', '70')",
        "INSERT INTO diagnostics (id, team_id, commune_insee, place, visited_on, participants, context, summary,"
        " author, created_at, version) VALUES (1, 1, '70279', 'Les Îles', '2026-09-15', '', '', '', 'a',"
        " CURRENT_TIMESTAMP, 1)",
    ]
    observations = [
        # id, commune, assigned_kind, assigned_to, partner (the agent's text)
        (1, "70279", "bailleur", "Habitat 70", "Habitat 70"),
        (2, "70550", "bailleur", "  HABITAT  70 ", ""),  # same partner, typed otherwise
        (3, "70279", "commune", "Commune de Gray", "Services techniques"),
        (4, "70279", None, None, "Mobigo Bourgogne-Franche-Comté"),  # named, not assigned
        (5, "70279", "prefecture", "Préfecture de la Haute-Saône", ""),
        (6, "70279", "prefecture", "prefecture de la haute-saone", ""),  # accents and case aside
        (7, "70279", None, None, ""),
    ]
    with db.engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))
        for id_, insee, kind, to, partner in observations:
            connection.execute(
                text(
                    "INSERT INTO observations (id, diagnostic_id, commune_insee, observed_on, category, severity,"
                    " status, description, recommendation, partner, shareable, shared_fields, author, created_at,"
                    " updated_at, version, geom, assigned_kind, assigned_to, lon, lat) VALUES (:id, 1, :insee,"
                    " '2026-09-15', 'eclairage', 3, 'transmise', '', '', :partner, false, '', 'a',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1, ST_GeomFromText('POINT(5.59 47.44)', 4326),"
                    " :kind, :to, 5.59, 47.44)"
                ),
                {"id": id_, "insee": insee, "partner": partner, "kind": kind, "to": to},
            )
        connection.execute(
            text(
                "INSERT INTO observation_events (observation_id, at, actor, kind, old_value, new_value, comment)"
                " VALUES (1, '2026-10-01 09:00:00', 'Cdt', 'assignment', NULL, 'Bailleur social — Habitat 70', '')"
            )
        )
        for login, insee in (("maire.gray", "70279"), ("maire.vesoul", "70550")):
            connection.execute(
                text(
                    "INSERT INTO users (login, display_name, role, commune_insee, departments, active,"
                    " failed_logins, created_at) VALUES (:login, '', 'maire', :insee, '', true, 0, CURRENT_TIMESTAMP)"
                ),
                {"login": login, "insee": insee},
            )


@pytest.fixture
def db_at_0014(empty_database_url):
    db = open_database(empty_database_url)
    _migrate(db, "0014")
    yield db
    db.dispose()


def test_free_text_partners_become_rows_and_come_back_on_downgrade(db_at_0014):
    db = db_at_0014
    _seed(db)
    _migrate(db, "0015")
    partners = dict(_rows(db, "SELECT name, kind FROM partners"))
    assert partners == {
        "Habitat 70": "bailleur",
        "Commune de Gray": "commune",
        "Préfecture de la Haute-Saône": "prefecture",
        "Services techniques": "autre",
        "Mobigo Bourgogne-Franche-Comté": "autre",
        "Mairie de Vesoul": "commune",  # Vesoul had no partner of kind commune: created for its mayor
    }
    assigned = dict(
        _rows(db, "SELECT o.id, p.name FROM observations o JOIN partners p ON p.id = o.partner_id ORDER BY o.id")
    )
    assert assigned == {
        1: "Habitat 70",
        2: "Habitat 70",
        3: "Commune de Gray",
        5: "Préfecture de la Haute-Saône",
        6: "Préfecture de la Haute-Saône",
    }
    assert _rows(db, "SELECT due_on FROM observations WHERE due_on IS NOT NULL") == []  # nobody agreed one
    assert str(_rows(db, "SELECT assigned_at FROM observations WHERE id = 1")[0][0]).startswith("2026-10-01")
    covered = _rows(
        db,
        "SELECT c.commune_insee FROM partner_communes c JOIN partners p ON p.id = c.partner_id"
        " WHERE p.name = 'Habitat 70' ORDER BY 1",
    )
    assert covered == [("70279",), ("70550",)]
    mayors = dict(
        _rows(db, "SELECT u.login, p.name FROM users u JOIN partners p ON p.id = u.partner_id ORDER BY u.login")
    )
    assert mayors == {"maire.gray": "Commune de Gray", "maire.vesoul": "Mairie de Vesoul"}
    assert _rows(db, "SELECT partner FROM observations WHERE id = 4") == [("Mobigo Bourgogne-Franche-Comté",)]

    # Answers and accounts the old schema cannot hold, then down: the text is given back.
    with db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO observation_events (observation_id, at, actor, kind, old_value, new_value, comment)"
                " VALUES (1, CURRENT_TIMESTAMP, 'Habitat 70', 'partner_answer', NULL, 'realise', 'Lampes changées')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO users (login, display_name, role, departments, active, failed_logins, created_at,"
                " partner_id) VALUES ('partenaire.habitat70', '', 'partenaire', '', true, 0, CURRENT_TIMESTAMP,"
                " (SELECT id FROM partners WHERE name = 'Habitat 70'))"
            )
        )
    _migrate(db, "0014", down=True)
    assert schema_revision(db) == "0014"
    assert not inspect(db.engine).has_table("partners")
    back = _rows(db, "SELECT id, assigned_kind, assigned_to FROM observations ORDER BY id")
    assert back == [
        (1, "bailleur", "Habitat 70"),
        (2, "bailleur", "Habitat 70"),
        (3, "commune", "Commune de Gray"),
        (4, None, None),
        (5, "prefecture", "Préfecture de la Haute-Saône"),
        (6, "prefecture", "Préfecture de la Haute-Saône"),
        (7, None, None),
    ]
    answers = _rows(db, "SELECT kind, comment FROM observation_events WHERE actor = 'Habitat 70'")
    assert answers == [("comment", "realise : Lampes changées")]
    assert _rows(db, "SELECT role, active FROM users WHERE login = 'partenaire.habitat70'") in (
        [("maire", False)],
        [("maire", 0)],
    )

    _migrate(db, "head")  # and up again from the given-back text
    assert len(_rows(db, "SELECT id FROM observations WHERE partner_id IS NOT NULL")) == 5


def test_the_upgrade_keeps_the_spatial_registration_on_spatialite(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'm.sqlite'}")
    try:
        _migrate(db, "head")
        _migrate(db, "0014", down=True)
        _migrate(db, "head")
        registered = _rows(db, "SELECT spatial_index_enabled FROM geometry_columns WHERE f_table_name = 'observations'")
        assert registered == [(1,)]
    finally:
        db.dispose()
