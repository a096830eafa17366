"""The map's points in a box read one covering index (issue 20).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 17:20:00.000000

A 10 km town box over 1,000,000 observations holds some 60,000 rows: the R*Tree (or the GiST)
found them, then each row was read from the table to test the scope and the filters, at 4-9
times the cost of a scan of the whole table. This index holds, per strip of latitude and by
longitude, the columns the map's points query reads and tests: the box is read from it alone.
The query reads the stored drawing point only: a row written without one (by SQL outside the
application) gets it here, as migration 0003 did.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_points"
STRIP = "CAST(lat * 100 AS INTEGER)"  # models.POINT_STRIP when this revision was written
COLUMNS = ("lon", "lat", "severity", "status", "category", "observed_on", "commune_insee", "diagnostic_id")


def upgrade() -> None:
    op.execute(
        "UPDATE observations SET lon = ST_X(ST_PointOnSurface(geom)), lat = ST_Y(ST_PointOnSurface(geom)) "
        "WHERE lon IS NULL OR lat IS NULL"
    )
    op.create_index(INDEX, "observations", [sa.text(STRIP), *COLUMNS], postgresql_include=["id"])
    if op.get_bind().dialect.name == "postgresql":  # statistics of the strips, for the planner
        op.execute("ANALYZE observations")


def downgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
