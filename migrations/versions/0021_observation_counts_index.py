"""The commanders' counts by filter read one index (issue 20).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 18:50:00.000000

« N observation(s) retenue(s) par les filtres » for a département: the communes' index found
its 478,000 rows out of 1,000,000, then each row was read to test gravité, statut, catégorie or
date (0.26-0.33 s on SpatiaLite for Critique). With those columns after the commune in one
index, the count reads that index alone (0.01-0.02 s).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_observations_scope_filters"


def upgrade() -> None:
    op.create_index(INDEX, "observations", ["commune_insee", "severity", "status", "category", "observed_on"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="observations")
