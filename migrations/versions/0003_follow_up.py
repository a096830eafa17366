"""Follow-up of observations: history events, assignment to a partner, a drawing point.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:45:03.469435
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEW_OBSERVATION_COLUMNS = ('assigned_kind', 'assigned_to', 'lon', 'lat')


def upgrade() -> None:
    op.create_table('observation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('observation_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('old_value', sa.String(length=200), nullable=True),
    sa.Column('new_value', sa.String(length=200), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('dated', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('status', 'assignment', 'comment')", name='ck_observation_events_kind'),
    sa.ForeignKeyConstraint(['observation_id'], ['observations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('observation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observation_events_observation_id'), ['observation_id'], unique=False)

    # Plain ADD COLUMN, not a batch copy: recreating `observations` on SpatiaLite would lose its
    # geometry registration, triggers and spatial index.
    op.add_column('observations', sa.Column('assigned_kind', sa.String(length=40), nullable=True))
    op.add_column('observations', sa.Column('assigned_to', sa.String(length=120), nullable=True))
    op.add_column('observations', sa.Column('lon', sa.Float(), nullable=True))
    op.add_column('observations', sa.Column('lat', sa.Float(), nullable=True))
    op.execute(
        "UPDATE observations SET lon = ST_X(ST_PointOnSurface(geom)), lat = ST_Y(ST_PointOnSurface(geom))"
    )


def downgrade() -> None:
    for column in reversed(_NEW_OBSERVATION_COLUMNS):
        # SQLite >= 3.35 drops a column in place (no table copy, see upgrade).
        op.execute(f'ALTER TABLE observations DROP COLUMN {column}')

    with op.batch_alter_table('observation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observation_events_observation_id'))

    op.drop_table('observation_events')
