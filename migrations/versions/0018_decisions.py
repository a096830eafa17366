"""Decisions of the cellules' meetings (assigned work with a due date, for a partner or a team,
optionally about an observation) and the edited agenda of a meeting (issue 17).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:30:00.000000

New tables only: upgrade creates them, downgrade drops them (nothing else is touched).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ONE_WHO = "(CASE WHEN partner_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN team_id IS NULL THEN 0 ELSE 1 END) = 1"
ANSWERS = "answer IS NULL OR answer IN ('pris_en_compte', 'realise', 'hors_competence')"


def upgrade() -> None:
    op.create_table(
        "meeting_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("observation_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("answer", sa.String(length=20), nullable=True),
        sa.Column("answer_comment", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(ONE_WHO, name="ck_meeting_decisions_one_who"),
        sa.CheckConstraint("status IN ('open', 'done')", name="ck_meeting_decisions_status"),
        sa.CheckConstraint(ANSWERS, name="ck_meeting_decisions_answer"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["partner_id"], ["partners.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_meeting_decisions_meeting_id", "meeting_decisions", ["meeting_id"])
    op.create_index("ix_meeting_decisions_partner_id", "meeting_decisions", ["partner_id"])
    op.create_table(
        "agenda_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.CheckConstraint("(section IS NULL) <> (title IS NULL)", name="ck_agenda_points_kind"),
        sa.ForeignKeyConstraint(["meeting_id"], ["meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "position", name="uq_agenda_points_position"),
    )
    op.create_index("ix_agenda_points_meeting_id", "agenda_points", ["meeting_id"])


def downgrade() -> None:
    op.drop_index("ix_agenda_points_meeting_id", table_name="agenda_points")
    op.drop_table("agenda_points")
    op.drop_index("ix_meeting_decisions_partner_id", table_name="meeting_decisions")
    op.drop_index("ix_meeting_decisions_meeting_id", table_name="meeting_decisions")
    op.drop_table("meeting_decisions")
