"""Tables: reference layers (communes, sectors, patrol zones, sites, teams) and field records
(diagnostics and their observations). Every geometry is WGS84 (EPSG:4326) with a spatial index.
"""

from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry, WKBElement
from geoalchemy2.shape import to_shape
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    cast,
    event,
    false,
    literal_column,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SRID = 4326
PUBLIC_SITE_KINDS = ("kiosque", "brigade", "commissariat")  # desks open to the public


def _public_site(context) -> bool:
    return context.get_current_parameters().get("kind") in PUBLIC_SITE_KINDS


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Commune(Base):
    __tablename__ = "communes"

    insee: Mapped[str] = mapped_column(String(5), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), index=True)
    department: Mapped[str] = mapped_column(String(3), index=True)
    population: Mapped[int] = mapped_column(Integer, default=0)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class Sector(Base):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("communes.insee"), index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class PatrolZone(Base):
    __tablename__ = "patrol_zones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    unit: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(40), default="")
    schedule: Mapped[str] = mapped_column(String(200), default="")
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("communes.insee"), index=True)
    source: Mapped[str] = mapped_column(Text, default="")
    approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who patrols when is the forces' own: partners see the zone, not its unit and schedule,
    # unless an administrator marks it shareable (diagnostics.redaction).
    shareable: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=SRID, spatial_index=True), nullable=False)


class Site(Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("communes.insee"), index=True)
    address: Mapped[str | None] = mapped_column(String(250))
    source: Mapped[str] = mapped_column(Text, default="")
    approximate: Mapped[bool] = mapped_column(Boolean, default=True)
    # Reception desks open to the public (kiosque, brigade, commissariat) are shareable unless an
    # administrator says otherwise; any other site (a camera, a post) is not, until marked.
    shareable: Mapped[bool] = mapped_column(Boolean, default=_public_site, server_default=false())
    geom = mapped_column(Geometry("POINT", srid=SRID, spatial_index=True), nullable=False)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    force: Mapped[str] = mapped_column(String(40))
    department: Mapped[str] = mapped_column(String(3))


class Diagnostic(Base):
    """A team's visit to a place on a date."""

    __tablename__ = "diagnostics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(40), unique=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    place: Mapped[str] = mapped_column(String(200))
    visited_on: Mapped[dt.date] = mapped_column(Date, index=True)
    participants: Mapped[str] = mapped_column(Text, default="")
    context: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Optimistic concurrency for corrections (place, date, participants…): a stale edit is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    team: Mapped[Team] = relationship()
    commune: Mapped[Commune] = relationship()
    observations: Mapped[list[Observation]] = relationship(back_populates="diagnostic")

    __mapper_args__ = {"version_id_col": version}


# A line or a polygon, as the partial index ix_observations_shapes selects it: SpatiaLite stores a
# two-dimensional point in a 60-byte blob and anything else in more; PostGIS counts the points.
SQLITE_SHAPE = "length(geom) > 60"
POSTGIS_SHAPE = "ST_NPoints(geom) > 1"
POINT_STRIPS_PER_DEGREE = 100


def point_strip(lat):
    """SQL: the strip of latitude (about 1.1 km) that leads ix_observations_points, so that a box
    reads one range of longitudes per strip, the box's rows only (a longitude first would read
    its whole band, north to south). The index and the queries that read it (services.
    observations.points_in_box) name this same expression: SQLite truncates, PostgreSQL rounds,
    a deterministic strip either way."""
    return cast(lat * literal_column(str(POINT_STRIPS_PER_DEGREE)), Integer)


OVERDUE_COLUMNS = ("status", "due_on", "commune_insee", "diagnostic_id", "partner_id")
WITH_DUE_DATE = text("due_on IS NOT NULL")


class Observation(Base):
    """A geolocated finding of a diagnostic: a point, a line or a polygon."""

    __tablename__ = "observations"
    __table_args__ = (
        CheckConstraint("severity BETWEEN 1 AND 4", name="ck_observations_severity"),
        Index("ix_observations_filters", "observed_on", "category", "severity", "status"),
        # A scope's count by filters reads this index alone, not each row of its communes (migration 0021).
        Index("ix_observations_scope_filters", "commune_insee", "severity", "status", "category", "observed_on"),
        # « En retard » counts the open statuses' past due dates in this index alone (migration 0022),
        # which holds the observations with a due date only (0025: an import's rows have none).
        Index("ix_observations_overdue", *OVERDUE_COLUMNS, sqlite_where=WITH_DUE_DATE, postgresql_where=WITH_DUE_DATE),
        # Lines and polygons only (services.observations.shape_conditions), by date: a few rows,
        # where testing every row's geometry took 0.3-4 s over 1,000,000 (migration 0020).
        Index(
            "ix_observations_shapes",
            "observed_on",
            sqlite_where=text(SQLITE_SHAPE),
            postgresql_where=text(POSTGIS_SHAPE),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    diagnostic_id: Mapped[int] = mapped_column(ForeignKey("diagnostics.id"), index=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    observed_on: Mapped[dt.date] = mapped_column(Date)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="nouvelle")
    description: Mapped[str] = mapped_column(Text, default="")
    recommendation: Mapped[str] = mapped_column(Text, default="")
    partner: Mapped[str] = mapped_column(String(120), default="")
    shareable: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which free-text fields partners receive, comma-separated (see diagnostics.redaction);
    # `shareable` is kept in step with it by the listener at the end of this module.
    shared_fields: Mapped[str] = mapped_column(String(120), default="")
    author: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    geom = mapped_column(Geometry("GEOMETRY", srid=SRID, spatial_index=True), nullable=False)
    # Follow-up (issues 3, 15): the partner it is assigned to (a row of partner_models), since
    # when, by when, and the partner's last answer; and a point to draw it at (a line or
    # polygon's point on surface), so that maps of 100,000 observations need no geometry
    # parsing. Kept in step with `geom` by the listener at the end of this module.
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    due_on: Mapped[dt.date | None] = mapped_column(Date, index=True)
    partner_answer: Mapped[str | None] = mapped_column(String(20))  # pris_en_compte, realise, hors_competence
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # The token of the filled form that created it: a form sent twice is stored once (issue 11).
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

    diagnostic: Mapped[Diagnostic] = relationship(back_populates="observations")

    __mapper_args__ = {"version_id_col": version}


# The map's points in a box (services.observations.points_in_box): every column
# observation_points reads or tests (the scope's, the filters'), so that a town's 60,000 rows
# are read from this index alone, not each from the table (migration 0023); the gravité after
# the strip, so that a box reads the chosen gravités' entries only (migration 0024).
Index(
    "ix_observations_points",
    point_strip(Observation.lat),
    Observation.severity,
    Observation.lon,
    Observation.lat,
    Observation.status,
    Observation.category,
    Observation.observed_on,
    Observation.commune_insee,
    Observation.diagnostic_id,
    postgresql_include=["id"],
)


# --- Access control and audit (issue 5) ------------------------------------------------------


class User(Base):
    """An account. Local accounts have an argon2 hash; single sign-on accounts have none."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('agent', 'commandant', 'maire', 'partenaire', 'admin')", name="ck_users_role"),
        # With the unique login, no two accounts differ only by case (services lower-case logins).
        CheckConstraint("login = lower(login)", name="ck_users_login_lower"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    commune_insee: Mapped[str | None] = mapped_column(ForeignKey("communes.insee"))
    departments: Mapped[str] = mapped_column(String(40), default="")  # comma-separated INSEE codes
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))  # partenaire, maire
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Who did what and when. Append-only: database triggers refuse updates and deletes."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120), index=True)
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity: Mapped[str] = mapped_column(String(40), default="")
    entity_id: Mapped[str] = mapped_column(String(40), default="")
    before: Mapped[str | None] = mapped_column(Text)  # JSON
    after: Mapped[str | None] = mapped_column(Text)  # JSON
    detail: Mapped[str] = mapped_column(Text, default="")
    # The hash chain (diagnostics.audit_chain): position, previous row's hash, own hash, payload salt.
    seq: Mapped[int | None] = mapped_column(Integer, index=True, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
    nonce: Mapped[str | None] = mapped_column(String(32))  # forgotten when the row's texts are purged


# --- Follow-up of observations (issue 3) -----------------------------------------------------


class ObservationEvent(Base):
    """One step of an observation's follow-up: a status change, an assignment or a dated comment.

    Never updated: the history of an observation is the list of its events.
    """

    __tablename__ = "observation_events"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('status', 'assignment', 'comment', 'due_date', 'partner_answer')",
            name="ck_observation_events_kind",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    dated: Mapped[dt.date | None] = mapped_column(Date)  # the day a comment refers to


@event.listens_for(Observation, "before_insert")
@event.listens_for(Observation, "before_update")
def _keep_drawing_point(_mapper, _connection, observation: Observation) -> None:
    """Set lon/lat from the geometry whenever the ORM writes one (a point on its surface)."""
    if isinstance(observation.geom, WKBElement):
        point = to_shape(observation.geom).representative_point()
        observation.lon, observation.lat = point.x, point.y


@event.listens_for(Observation, "before_insert")
@event.listens_for(Observation, "before_update")
def _keep_shareable_summary(_mapper, _connection, observation: Observation) -> None:
    """`shareable` says whether anything is shared; a writer that only set `shareable` (imports,
    older code) shares every text field, as before fields were chosen one by one."""
    from diagnostics.redaction import encode_shared_fields, shared_fields

    fields = shared_fields(observation.shared_fields, observation.shareable)
    observation.shared_fields = encode_shared_fields(fields)
    observation.shareable = bool(fields)


# --- Exchange with other tools: dispositifs and the history of reference layers (issue 6) -----


class CommuneDispositif(Base):
    """A citizen scheme a commune has joined (participation citoyenne, voisins solidaires), since a date."""

    __tablename__ = "commune_dispositifs"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('participation_citoyenne', 'voisins_solidaires')", name="ck_commune_dispositifs_kind"
        ),
        UniqueConstraint("commune_insee", "kind", name="uq_commune_dispositifs_commune_kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_insee: Mapped[str] = mapped_column(ForeignKey("communes.insee"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    since: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text, default="")


class ReferenceChange(Base):
    """One version of a sector, patrol zone, site or commune: what it was and became, who, when.

    Never updated: the history of a reference object is the list of its changes.
    """

    __tablename__ = "reference_changes"
    __table_args__ = (Index("ix_reference_changes_layer_key", "layer", "object_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    layer: Mapped[str] = mapped_column(String(20))
    object_key: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(20))  # create, update, delete, import
    before_wkt: Mapped[str | None] = mapped_column(Text)
    after_wkt: Mapped[str | None] = mapped_column(Text)
    before_attributes: Mapped[str | None] = mapped_column(Text)  # JSON
    after_attributes: Mapped[str | None] = mapped_column(Text)  # JSON


class DataVersion(Base):
    """A counter per kind of data, bumped in the transaction of every change (diagnostics.dataversion).

    Page caches are keyed by it, so every process sees a change at its next rerun and recomputes
    nothing otherwise (a time-to-live cache lives per process and shows stale layers).
    """

    __tablename__ = "data_versions"

    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


# Tables kept in their own modules, imported here so that Base.metadata is complete.
import diagnostics.outbox_models  # noqa: E402, F401
from diagnostics import (  # noqa: E402, F401
    alert_models,
    audit_models,
    camera_models,
    cellule_models,
    decision_models,
    field_models,
    partner_models,
    session_models,
    visit_models,
)
