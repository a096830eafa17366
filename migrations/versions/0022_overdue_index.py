"""« En retard » is counted from one index (issue 20).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 17:10:00.000000

The commanders' metric « En retard » counts the open observations whose due date passed. Read
through the due dates' index, it found the 773,000 rows of 1,000,000 with a past due date (most
of them long closed) and read each row for its statut and its scope: 8-12 s on SpatiaLite. With
the statut first, then the due date and the columns the scopes test, the count reads the open
statuses' ranges of this index alone.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_overdue"
COLUMNS = ["status", "due_on", "commune_insee", "diagnostic_id", "partner_id"]


def upgrade() -> None:
    op.create_index(INDEX, "observations", COLUMNS)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
