"""Contre-visites: the visits that verify an observation, and the photos taken at them (issue 15).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "observation_visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("finding", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("form_token", sa.String(length=64), nullable=True),
        sa.CheckConstraint("finding IN ('levee', 'partielle', 'non_levee')", name="ck_observation_visits_finding"),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("form_token"),
    )
    op.create_index(
        op.f("ix_observation_visits_observation_id"), "observation_visits", ["observation_id"], unique=False
    )
    op.create_table(
        "observation_visit_photos",
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["photo_id"], ["photos.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["visit_id"], ["observation_visits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("photo_id"),
    )
    op.create_index(
        op.f("ix_observation_visit_photos_visit_id"), "observation_visit_photos", ["visit_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_observation_visit_photos_visit_id"), table_name="observation_visit_photos")
    op.drop_table("observation_visit_photos")
    op.drop_index(op.f("ix_observation_visits_observation_id"), table_name="observation_visits")
    op.drop_table("observation_visits")
