"""Observations remember the form that created them (a form sent twice is stored once); drafts
are kept per login and device.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and a unique index, not a batch copy: recreating `observations` on
    # SpatiaLite would lose its geometry registration, triggers and spatial index (see 0003).
    op.add_column("observations", sa.Column("form_token", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_observations_form_token"), "observations", ["form_token"], unique=True)
    # A draft is what is being typed: the existing ones become the drafts of an unknown device.
    op.create_table(
        "field_drafts_by_device",
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("device", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("login", "device"),
    )
    op.execute(
        "INSERT INTO field_drafts_by_device (login, device, payload, updated_at) "
        "SELECT login, '', payload, updated_at FROM field_drafts"
    )
    op.drop_table("field_drafts")
    op.rename_table("field_drafts_by_device", "field_drafts")


def downgrade() -> None:
    op.create_table(
        "field_drafts_by_login",
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("login"),
    )
    op.execute(
        "INSERT INTO field_drafts_by_login (login, payload, updated_at) "
        "SELECT login, payload, updated_at FROM field_drafts WHERE device = ''"
    )
    op.drop_table("field_drafts")
    op.rename_table("field_drafts_by_login", "field_drafts")
    op.drop_index(op.f("ix_observations_form_token"), table_name="observations")
    op.execute("ALTER TABLE observations DROP COLUMN form_token")  # in place on SQLite >= 3.35
