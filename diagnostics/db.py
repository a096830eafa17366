"""The one gateway to the database: engine factory (SpatiaLite or PostGIS), sessions, migrations.

Services receive a `Database` and are the only code that touches SQLAlchemy.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from diagnostics import audit_writer, config, dataversion
from diagnostics.errors import DatabaseUnavailable, SpatialiteUnavailable
from diagnostics.texts import t

MIGRATIONS_DIR = config.PROJECT_ROOT / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 64 * 1024  # per connection, at most
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


class Database:
    """An engine plus a session factory, for one database URL."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        dataversion.install(self._sessions)
        audit_writer.install(self._sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside a transaction: committed on success, rolled back on error.

        A lost connection becomes `DatabaseUnavailable` with a message for people; the pool
        reconnects on a later call once the server is back (pre-ping on PostGIS).
        """
        try:
            with self._sessions() as session, session.begin():
                yield session
        except (OperationalError, InterfaceError) as exc:
            if _is_lock_timeout(exc):
                raise DatabaseUnavailable(t("database_busy")) from exc
            raise DatabaseUnavailable(t("database_lost")) from exc

    @property
    def cache_key(self) -> str:
        """What identifies this database in a cache key (the URL, password hidden)."""
        return _safe_url(self.engine)

    def data_version(self, scope: str) -> int:
        """The change counter of `scope` (see diagnostics.dataversion): one indexed read."""
        with self.session() as session:
            return dataversion.current(session, scope)

    def observation_versions(self, departments: tuple[str, ...] = ()) -> tuple[tuple[str, int], ...]:
        """The counters observations read in `departments` depend on (all of them for none)."""
        with self.session() as session:
            return dataversion.observation_versions(session, departments)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str | None = None) -> Database:
    """A `Database` for `url` (default: the DATABASE_URL setting), checked to be reachable."""
    engine = make_engine(url or config.database_url())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseUnavailable(f"Impossible d'ouvrir la base {_safe_url(engine)} : {_first_line(exc)}") from exc
    return Database(engine)


def make_engine(url: str) -> Engine:
    """An engine for a SpatiaLite file or a PostGIS server."""
    try:
        backend = make_url(url).get_backend_name()
        if backend == "sqlite":
            return _make_spatialite_engine(url)
        if backend == "postgresql":
            # No JIT: the map's box queries are short, but a bitmap heap scan over a town's
            # candidates is costed above `jit_above_cost`, and compiling then took longer
            # than the query (0.5 s → 2.0 s for a 10 km box over 1,000,000 rows).
            # No parallel workers either: PostGIS costs ST_Intersects so high that the planner
            # splits a town's box over workers, and starting them took longer than the query
            # (69 ms → 34 ms for the 10 km box, 18 ms → 3 ms for 1 km, over 1,000,000 rows);
            # with many commanders at once the cores are better spent on other requests.
            options = "-c jit=off -c max_parallel_workers_per_gather=0"
            engine = create_engine(url, pool_pre_ping=True, connect_args={"options": options})
            event.listen(engine, "do_execute", _binary_rows)
            return engine
        raise ArgumentError(f"le moteur {backend} n'est pas pris en charge")
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(
            f"DATABASE_URL n'est pas une adresse de base utilisable ({exc}) ; attendu sqlite:///chemin/fichier.sqlite "
            "ou postgresql+psycopg://utilisateur:motdepasse@hôte/base"
        ) from exc


BINARY_ROWS = "psq_binary_rows"


def _binary_rows(cursor, statement, parameters, context):
    """A statement run with the execution option BINARY_ROWS gets its rows from PostgreSQL in
    binary: no number printed as text by the server and parsed again by psycopg. For the raw
    rows of many-row reads (the map's points: a town's 7,000 rows, 12 ms → 8 ms); the values
    are the same Python ints, floats and strings."""
    if context.execution_options.get(BINARY_ROWS):
        cursor.execute(statement, parameters, binary=True)
        return True
    return None


def _make_spatialite_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    module = sqlite_module_with_extensions()
    engine = create_engine(
        url,
        module=module,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )
    event.listen(engine, "connect", _prepare_spatialite_connection)
    return engine


def sqlite_module_with_extensions() -> ModuleType:
    """A DB-API sqlite module able to load extensions.

    Some Python builds (pyenv's among them) compile the stdlib sqlite3 without
    `enable_load_extension`; pysqlite3-binary ships one that has it.
    """
    tried = []
    for name in ("sqlite3", "pysqlite3.dbapi2"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            tried.append(f"{name} (non installé)")
            continue
        if hasattr(module.Connection, "enable_load_extension"):
            return module
        tried.append(f"{name} (compilé sans chargement d'extensions)")
    raise SpatialiteUnavailable(
        "Aucun module SQLite ne peut charger SpatiaLite ; essayés : "
        + ", ".join(tried)
        + ". Installez pysqlite3-binary (pip install pysqlite3-binary) ou un Python compilé avec les"
        " extensions SQLite chargeables."
    )


def _prepare_spatialite_connection(dbapi_connection, _record) -> None:
    library = config.get("SPATIALITE_LIBRARY_PATH")
    try:
        dbapi_connection.enable_load_extension(True)
        dbapi_connection.load_extension(library)
        dbapi_connection.enable_load_extension(False)
    except Exception as exc:  # the driver raises its own OperationalError class
        raise SpatialiteUnavailable(
            f"Impossible de charger l'extension SpatiaLite '{library}' ({exc}). "
            "Installez le paquet Debian libsqlite3-mod-spatialite "
            "(apt-get install libsqlite3-mod-spatialite) ou réglez SPATIALITE_LIBRARY_PATH."
        ) from exc
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        # SQLite's default page cache is 2 MiB: a bounding-box query over 1,000,000 observations
        # then rereads its pages from the OS at every run (about twice slower). Grown on demand.
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
        cursor.execute(f"PRAGMA mmap_size = {SQLITE_MMAP_BYTES}")
        has_metadata = cursor.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'spatial_ref_sys'"
        ).fetchone()
        if not has_metadata:
            # 'WGS84' loads only the WGS84 family of SRIDs: the full list takes seconds.
            cursor.execute("SELECT InitSpatialMetaData(1, 'WGS84')")
    finally:
        cursor.close()


def upgrade_schema(db: Database) -> None:
    """Create or upgrade the schema to the latest Alembic revision."""
    from alembic import command

    with db.engine.begin() as connection:
        cfg = _alembic_config(connection)
        command.upgrade(cfg, "head")


def schema_revision(db: Database) -> str | None:
    """The Alembic revision the database is at, or None before the first migration."""
    try:
        if not inspect(db.engine).has_table("alembic_version"):
            return None
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailable(t("database_lost")) from exc


# Tables SpatiaLite creates for itself; migrations must neither create nor drop them.
_SPATIALITE_INTERNAL_TABLES = frozenset(
    {"SpatialIndex", "KNN", "KNN2", "ElementaryGeometries", "data_licenses", "sql_statements_log"}
)


def include_in_migrations(obj, name, obj_type, reflected, compare_to) -> bool:
    """Alembic's filter: our tables only, with GeoAlchemy2's handling of spatial indexes."""
    from geoalchemy2 import alembic_helpers

    if obj_type == "table" and name in _SPATIALITE_INTERNAL_TABLES:
        return False
    return alembic_helpers.include_object(obj, name, obj_type, reflected, compare_to)


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def _is_lock_timeout(exc: BaseException) -> bool:
    return "database is locked" in str(getattr(exc, "orig", exc))


def _safe_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc)
    return message.strip().splitlines()[0] if message.strip() else type(exc).__name__


os.environ.setdefault("SPATIALITE_LIBRARY_PATH", config.get("SPATIALITE_LIBRARY_PATH"))
