"""Data versions: one counter per kind of data, for caches keyed by what changed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCOPES = ("reference", "observations")


def upgrade() -> None:
    table = op.create_table(
        "data_versions",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )
    op.bulk_insert(table, [{"scope": scope, "version": 0} for scope in SCOPES])


def downgrade() -> None:
    op.drop_table("data_versions")
