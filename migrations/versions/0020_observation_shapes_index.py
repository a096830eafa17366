"""The observations that are lines or polygons, through a partial index (issue 20).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 18:45:00.000000

The commanders' map draws lines and polygons with their shape, points apart. Finding those few
rows tested the geometry of every row of the scope (0.3 s for a département, 4 s for an
administrator over 1,000,000 observations); this index holds them only, by date. SpatiaLite
stores a two-dimensional point in a 60-byte blob, anything else in more; PostGIS counts points.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_shapes"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "observations",
        ["observed_on"],
        sqlite_where=sa.text("length(geom) > 60"),
        postgresql_where=sa.text("ST_NPoints(geom) > 1"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
