"""Reference layers for partners: patrol zones and sites get a `shareable` flag.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:00:00.000000

Zones start unshared (a partner sees the zone, not its unit and schedule); the sites that are
desks open to the public (kiosque, brigade, commissariat) start shared.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC_SITE_KINDS = ("kiosque", "brigade", "commissariat")


def upgrade() -> None:
    for table in ("patrol_zones", "sites"):
        # A plain ADD COLUMN: batch mode would recreate the table, which SpatiaLite's triggers
        # and the foreign keys to communes refuse.
        op.add_column(table, sa.Column("shareable", sa.Boolean(), server_default=sa.false(), nullable=False))
    sites = sa.table("sites", sa.column("kind", sa.String()), sa.column("shareable", sa.Boolean()))
    op.execute(sites.update().where(sites.c.kind.in_(PUBLIC_SITE_KINDS)).values(shareable=True))


def downgrade() -> None:
    for table in ("sites", "patrol_zones"):
        op.drop_column(table, "shareable")  # SQLite ≥ 3.35 drops a column in place, as PostgreSQL does
