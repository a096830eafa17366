"""Cameras of the centre de supervision urbain (issue 17): a site of kind ``camera`` with its
bearing, angle, range, owner (a partner) and field of view (a polygon with a spatial index).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 14:30:00.000000

A new table only: upgrade creates it, downgrade drops it (the camera sites stay as sites).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table(
        "cameras",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("bearing", sa.Float(), nullable=False),
        sa.Column("angle", sa.Float(), nullable=False),
        sa.Column("range_m", sa.Float(), nullable=False),
        sa.Column("owner_partner_id", sa.Integer(), nullable=True),
        sa.Column("drawn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column(
            "field_of_view",
            Geometry(
                geometry_type="POLYGON",
                srid=4326,
                dimension=2,
                spatial_index=False,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
            ),
            nullable=False,
        ),
        sa.CheckConstraint("bearing >= 0 AND bearing < 360", name="ck_cameras_bearing"),
        sa.CheckConstraint("angle > 0 AND angle <= 360", name="ck_cameras_angle"),
        sa.CheckConstraint("range_m > 0 AND range_m <= 2000", name="ck_cameras_range"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_partner_id"], ["partners.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("site_id"),
    )
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.create_geospatial_index(
            "idx_cameras_field_of_view", ["field_of_view"], unique=False, postgresql_using="gist", postgresql_ops={}
        )
        batch_op.create_index(batch_op.f("ix_cameras_owner_partner_id"), ["owner_partner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cameras", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cameras_owner_partner_id"))
        batch_op.drop_geospatial_index(
            "idx_cameras_field_of_view", postgresql_using="gist", column_name="field_of_view"
        )
    op.drop_geospatial_table("cameras")
