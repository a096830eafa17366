"""Exchange with other tools: communes' dispositifs and the version history of reference layers.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('commune_dispositifs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('participation_citoyenne', 'voisins_solidaires')", name='ck_commune_dispositifs_kind'),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('commune_insee', 'kind', name='uq_commune_dispositifs_commune_kind')
    )
    with op.batch_alter_table('commune_dispositifs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commune_dispositifs_commune_insee'), ['commune_insee'], unique=False)

    op.create_table('reference_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('layer', sa.String(length=20), nullable=False),
    sa.Column('object_key', sa.String(length=160), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('before_wkt', sa.Text(), nullable=True),
    sa.Column('after_wkt', sa.Text(), nullable=True),
    sa.Column('before_attributes', sa.Text(), nullable=True),
    sa.Column('after_attributes', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reference_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reference_changes_at'), ['at'], unique=False)
        batch_op.create_index('ix_reference_changes_layer_key', ['layer', 'object_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('reference_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_reference_changes_layer_key')
        batch_op.drop_index(batch_op.f('ix_reference_changes_at'))

    op.drop_table('reference_changes')
    with op.batch_alter_table('commune_dispositifs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commune_dispositifs_commune_insee'))

    op.drop_table('commune_dispositifs')
