"""Corrections and per-field sharing: observations say which text fields partners receive;
diagnostics carry a version for optimistic concurrency.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00.000000

Existing rows are migrated conservatively: an observation marked shareable shares every text field
(as it did), any other shares none, not even its préconisation (which used to reach the mayor).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALL_TEXT_FIELDS = "description,recommendation,partner,place"  # diagnostics.redaction.SHAREABLE_FIELDS


def upgrade() -> None:
    # Plain ADD COLUMN, not a batch copy: recreating `observations` on SpatiaLite would lose its
    # geometry registration, triggers and spatial index (as in 0003).
    op.add_column("observations", sa.Column("shared_fields", sa.String(length=120), nullable=False, server_default=""))
    op.execute(
        sa.text("UPDATE observations SET shared_fields = :fields WHERE shareable = :yes").bindparams(
            fields=ALL_TEXT_FIELDS, yes=True
        )
    )
    op.add_column("diagnostics", sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    # SQLite >= 3.35 drops a column in place (no table copy, see upgrade).
    op.execute("ALTER TABLE diagnostics DROP COLUMN version")
    op.execute("ALTER TABLE observations DROP COLUMN shared_fields")
