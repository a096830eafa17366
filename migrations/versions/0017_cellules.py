"""Cellules de veille and their meetings (issue 17): cellules with a rhythm, their communes, partner
and account members; meetings with the partners present.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:10:00.000000

New tables only: upgrade creates them, downgrade drops them (nothing else is touched).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RHYTHMS = "rhythm IN ('weekly', 'every_n_weeks', 'monthly', 'yearly')"


def upgrade() -> None:
    op.create_table(
        "cellules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("rhythm", sa.String(length=20), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("interval_weeks", sa.Integer(), nullable=True),
        sa.Column("anchor_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(RHYTHMS, name="ck_cellules_rhythm"),
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="ck_cellules_weekday"),
        sa.CheckConstraint("interval_weeks IS NULL OR interval_weeks BETWEEN 1 AND 52", name="ck_cellules_interval"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "cellule_communes",
        sa.Column("cellule_id", sa.Integer(), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=False),
        sa.ForeignKeyConstraint(["cellule_id"], ["cellules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["commune_insee"], ["communes.insee"]),
        sa.PrimaryKeyConstraint("cellule_id", "commune_insee"),
    )
    op.create_table(
        "cellule_partners",
        sa.Column("cellule_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cellule_id"], ["cellules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cellule_id", "partner_id"),
    )
    op.create_table(
        "cellule_accounts",
        sa.Column("cellule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["cellule_id"], ["cellules.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("cellule_id", "user_id"),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cellule_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["cellule_id"], ["cellules.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("cellule_id", "held_on", name="uq_meetings_cellule_day"),
    )
    op.create_index("ix_meetings_cellule_id", "meetings", ["cellule_id"])
    op.create_table(
        "meeting_partners",
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("meeting_id", "partner_id"),
    )


def downgrade() -> None:
    op.drop_table("meeting_partners")
    op.drop_index("ix_meetings_cellule_id", table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("cellule_accounts")
    op.drop_table("cellule_partners")
    op.drop_table("cellule_communes")
    op.drop_table("cellules")
