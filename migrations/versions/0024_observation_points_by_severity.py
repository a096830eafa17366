"""The map's points index reads a box's gravités only (issue 20).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 01:45:00.000000

ix_observations_points (0023) read every entry of a town box (61,000 at 1,000,000 observations)
and tested the filters on each: a commander's gravité 3-4 kept 18,000 of them. With the gravité
after the strip of latitude, a box reads one range of longitudes per strip and gravité (the
query names every gravité when none is chosen: 1 to 4, ck_observations_severity), the chosen
gravités' entries only. Same columns, same name.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_points"
STRIP = "CAST(lat * 100 AS INTEGER)"  # models.POINT_STRIP when this revision was written
BEFORE = ("lon", "lat", "severity", "status", "category", "observed_on", "commune_insee", "diagnostic_id")
AFTER = ("severity", "lon", "lat", "status", "category", "observed_on", "commune_insee", "diagnostic_id")


def upgrade() -> None:
    _replace(AFTER)


def downgrade() -> None:
    _replace(BEFORE)


def _replace(columns: tuple[str, ...]) -> None:
    op.drop_index(INDEX, table_name="observations")
    op.create_index(INDEX, "observations", [sa.text(STRIP), *columns], postgresql_include=["id"])
    if op.get_bind().dialect.name == "postgresql":  # statistics of the strips, for the planner
        op.execute("ANALYZE observations")
