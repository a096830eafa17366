"""Shared fixtures: a real SpatiaLite file per test, copied from a template built once per run."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from pathlib import Path

import pytest
import streamlit as st
from argon2 import PasswordHasher
from sqlalchemy import create_engine, select, text
from streamlit.testing.v1 import AppTest

from diagnostics import config
from diagnostics.auth import ADMIN, AGENT, COMMANDANT, MAIRE, Actor
from diagnostics.db import Database, open_database, upgrade_schema
from diagnostics.services import accounts, fieldwork, sessions
from diagnostics.services.reference import list_teams, load_reference_layers
from tests.postgres_cluster import ClusterUnavailable, remove_cluster, start_cluster


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashes():
    """Argon2id at a test cost in this process (0.005 s instead of about 1 s a hash on 2 busy cores).

    The suite stores and checks hundreds of passwords; the production parameters are the
    library's defaults and are what every server the suite starts still uses. A hash made here
    is still argon2id and is verified by those servers (its parameters are in the hash).
    """
    patch = pytest.MonkeyPatch()
    patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    patch.undo()


# Places that lie inside their commune (checked by the tests that use them).
GRAY = ("70279", 47.4452, 5.5925)
VESOUL = ("70550", 47.6231, 6.1558)
PUSEY = ("70428", 47.6466, 6.1296)
LONS = ("39300", 46.6742, 5.5680)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def template_database(tmp_path_factory) -> Path:
    """A migrated database with the reference layers, built once and copied by each test."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = open_database(sqlite_url(path))
    upgrade_schema(db)
    load_reference_layers(db, config.geodata_dir())
    db.dispose()
    return path


# Every test that uses a database runs on both backends; PSQ_TEST_BACKENDS=spatialite narrows it.
BACKENDS = tuple(
    name.strip() for name in os.environ.get("PSQ_TEST_BACKENDS", "spatialite,postgis").split(",") if name.strip()
)


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL + PostGIS server for this run (a failure in CI, a skip elsewhere)."""
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostGIS is required in CI: {exc}")
        pytest.skip(str(exc))
    yield cluster
    remove_cluster(cluster)


@pytest.fixture(scope="session")
def postgis_template(postgres) -> str:
    """A migrated PostGIS database with the reference layers, cloned by each test."""
    name = "psq_template"
    _admin_sql(postgres, f"CREATE DATABASE {name}")
    db = open_database(postgres.database_url(name))
    upgrade_schema(db)
    load_reference_layers(db, config.geodata_dir())
    db.dispose()
    return name


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, request, tmp_path, monkeypatch) -> str:
    if backend == "spatialite":
        path = tmp_path / "psq.sqlite"
        shutil.copyfile(request.getfixturevalue("template_database"), path)
        url = sqlite_url(path)
    else:
        postgres = request.getfixturevalue("postgres")
        template = request.getfixturevalue("postgis_template")
        name = f"test_{uuid.uuid4().hex[:12]}"
        _admin_sql(postgres, f"CREATE DATABASE {name} TEMPLATE {template}")
        request.addfinalizer(lambda: _admin_sql(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        url = postgres.database_url(name)
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def empty_database_url(backend, request, tmp_path) -> str:
    """A database with nothing in it (no schema, no PostGIS extension yet), on the backend."""
    if backend == "spatialite":
        return sqlite_url(tmp_path / "empty.sqlite")
    postgres = request.getfixturevalue("postgres")
    name = f"empty_{uuid.uuid4().hex[:12]}"
    _admin_sql(postgres, f"CREATE DATABASE {name}")
    request.addfinalizer(lambda: _admin_sql(postgres, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    return postgres.database_url(name)


def _admin_sql(postgres, statement: str) -> None:
    engine = create_engine(postgres.database_url("postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture
def db(db_url) -> Database:
    database = open_database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def team_id(db) -> int:
    return next(team.id for team in list_teams(db) if team.name == "Groupe de contact de Gray")


@pytest.fixture
def photo_dir(tmp_path, monkeypatch):
    """An empty PSQ_PHOTO_DIR for the test (created when the first photo is stored)."""
    folder = tmp_path / "photos"
    monkeypatch.setenv("PSQ_PHOTO_DIR", str(folder))
    return folder


# One actor per role, as the services see them once logged in.
ADMIN_ACTOR = Actor(login="admin.test", role=ADMIN)
COMMANDANT_70 = Actor(login="commandant.test", role=COMMANDANT, departments=("70",))
COMMANDANT_39 = Actor(login="commandant39.test", role=COMMANDANT, departments=("39",))
MAIRE_GRAY = Actor(login="maire.test", role=MAIRE, commune_insee=GRAY[0])


@pytest.fixture
def admin() -> Actor:
    return ADMIN_ACTOR


@pytest.fixture
def agent(team_id) -> Actor:
    """An agent of the Gray contact group (the team of make_diagnostic's default)."""
    return Actor(login="agent.test", role=AGENT, team_id=team_id)


def make_diagnostic(
    db: Database, team_id: int, *, commune: str = GRAY[0], actor: Actor = ADMIN_ACTOR, **overrides
) -> int:
    values = dict(
        team_id=team_id,
        commune_insee=commune,
        place="Quartier de l'île",
        visited_on=dt.date(2026, 9, 15),
        participants="BTA Gray",
    )
    values.update(overrides)
    return fieldwork.start_diagnostic(db, actor, fieldwork.DiagnosticDraft(**values))


def make_observation(
    db: Database,
    diagnostic_id: int,
    *,
    lat: float = GRAY[1],
    lon: float = GRAY[2],
    actor: Actor = ADMIN_ACTOR,
    **overrides,
) -> int:
    values = dict(category="eclairage", severity=2, description="Candélabre éteint", latitude=lat, longitude=lon)
    values.update(overrides)
    return fieldwork.record_observation(db, actor, diagnostic_id, fieldwork.ObservationDraft(**values))


def make_partner(db: Database, name: str = "Commune de Gray", kind: str = "commune", **overrides) -> int:
    from diagnostics.services import partners

    return partners.save_partner(db, ADMIN_ACTOR, partners.PartnerInput(name=name, kind=kind, **overrides))


def open_carte_table(at):
    """The Carte's table, opened as a person opens its expander (« Tableau des observations »)."""
    at.session_state["tableau"] = True
    return at.run()


def app_as(actor: Actor | None) -> AppTest:
    """The Streamlit app as `actor` sees it once logged in (None: nobody is logged in).

    Streamlit's caches live in the process: they are cleared so that each test reads its own database.
    """
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(str(config.PROJECT_ROOT / "streamlit_app.py"), default_timeout=120)
    if actor is not None:
        sign_in(at, actor)
    return at


def sign_in(at: AppTest, actor: Actor) -> AppTest:
    """Log `actor` in without the form. The app re-reads the account at every run, so the
    account is written to the test's database (DATABASE_URL) as the actor describes it, and
    a server session is opened for it, as a login does."""
    from diagnostics.models import User

    database = open_database(config.database_url())
    try:
        with database.session() as session:
            user = session.scalar(select(User).where(User.login == actor.login)) or User(login=actor.login)
            user.role, user.team_id, user.commune_insee = actor.role, actor.team_id, actor.commune_insee
            user.departments, user.display_name, user.active = ",".join(actor.departments), actor.display_name, True
            user.partner_id = actor.partner_id
            session.add(user)
        opened = sessions.open_session(database, actor)
    finally:
        database.dispose()
    at.session_state["actor"] = actor
    at.session_state["server_session"] = opened.id  # AppTest has no cookies: the page's memory
    return at
