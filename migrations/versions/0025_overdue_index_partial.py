"""« En retard »'s index holds the observations with a due date only (issue 20).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 21:30:00.000000

ix_observations_overdue (0022) is read by the counts and lists of past due dates (`due_on <
today`), which no row without a due date can meet; both planners know that a comparison implies
NOT NULL. An observation gets its due date when it is assigned to a partner: an imported file's
million observations have none, and building the whole index again over them after a bulk load
took 2.2 s of a 30 s import (PostGIS). Same columns, same name, fewer entries.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_overdue"
COLUMNS = ["status", "due_on", "commune_insee", "diagnostic_id", "partner_id"]
WITH_DUE_DATE = "due_on IS NOT NULL"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
    where = sa.text(WITH_DUE_DATE)
    op.create_index(INDEX, "observations", COLUMNS, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
    op.create_index(INDEX, "observations", COLUMNS)
