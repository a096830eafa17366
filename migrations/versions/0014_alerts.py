"""Targeted alerts (issue 16): subscribers, trade categories, alerts and their SMS / e-mail outbox.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:10:29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first list of trades (administrators edit it afterwards), as the conventions name them.
DEFAULT_CATEGORIES = (
    ("bijouterie", "Bijouterie"),
    ("pharmacie", "Pharmacie"),
    ("tabac_presse", "Tabac-presse"),
    ("boulangerie", "Boulangerie"),
    ("grande_distribution", "Grande distribution"),
    ("garage", "Garage"),
    ("ferrailleur", "Ferrailleur"),
    ("exploitation_agricole", "Exploitation agricole"),
    ("autre_commerce", "Autre commerce"),
)


def upgrade() -> None:
    op.create_table(
        "subscriber_stops",
        sa.Column("phone_sha256", sa.String(length=64), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("phone_sha256"),
    )
    op.create_table(
        "trade_categories",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    categories = sa.table("trade_categories", sa.column("code", sa.String), sa.column("label", sa.String))
    op.bulk_insert(categories, [{"code": code, "label": label} for code, label in DEFAULT_CATEGORIES])
    op.create_geospatial_table(
        "subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("convention", sa.String(length=80), nullable=False),
        sa.Column("consent_on", sa.Date(), nullable=False),
        sa.Column("reconfirmed_on", sa.Date(), nullable=True),
        sa.Column("opted_out_at", sa.DateTime(), nullable=True),
        sa.Column("opted_out_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("communes", sa.Text(), nullable=False),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["category"],
            ["trade_categories.code"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("phone"),
    )
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_subscribers_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_subscribers_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_subscribers_opted_out_at"), ["opted_out_at"], unique=False)

    op.create_geospatial_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("template", sa.Text(), nullable=False),
        sa.Column("target_kind", sa.String(length=10), nullable=False),
        sa.Column("target_communes", sa.Text(), nullable=False),
        sa.Column("center_lat", sa.Float(), nullable=True),
        sa.Column("center_lon", sa.Float(), nullable=True),
        sa.Column("radius_m", sa.Integer(), nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        sa.Column("categories", sa.Text(), nullable=False),
        sa.Column("departments", sa.String(length=40), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=120), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("recipient_count", sa.Integer(), nullable=True),
        sa.Column("sent_by", sa.String(length=120), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column(
            "geom",
            Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("status IN ('draft', 'approved', 'sent')", name="ck_alerts_status"),
        sa.CheckConstraint("target_kind IN ('communes', 'zone', 'radius')", name="ck_alerts_target_kind"),
        sa.CheckConstraint("approved_by IS NULL OR approved_by <> author", name="ck_alerts_second_person"),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_alerts_geom", ["geom"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_alerts_status"), ["status"], unique=False)

    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.String(length=80), nullable=True),
        sa.Column("error", sa.String(length=300), nullable=False),
        sa.CheckConstraint("channel IN ('sms', 'email')", name="ck_alert_deliveries_channel"),
        sa.CheckConstraint(
            "status IN ('pending', 'claimed', 'sent', 'delivered', 'failed')", name="ck_alert_deliveries_status"
        ),
        sa.ForeignKeyConstraint(["alert_id"], ["alerts.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["subscriber_id"], ["subscribers.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "subscriber_id", "channel", name="uq_alert_deliveries_once"),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_deliveries_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_deliveries_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_deliveries_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_deliveries_subscriber_id"), ["subscriber_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_subscriber_id"))
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_status"))
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_message_id"))
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_alert_id"))

    op.drop_table("alert_deliveries")
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alerts_status"))
        batch_op.drop_geospatial_index("idx_alerts_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("alerts")
    with op.batch_alter_table("subscribers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscribers_opted_out_at"))
        batch_op.drop_index(batch_op.f("ix_subscribers_category"))
        batch_op.drop_geospatial_index("idx_subscribers_geom", postgresql_using="gist", column_name="geom")

    op.drop_geospatial_table("subscribers")
    op.drop_table("trade_categories")
    op.drop_table("subscriber_stops")
