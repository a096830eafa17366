"""Initial schema: reference layers, teams, diagnostics and observations.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 01:21:38.050434
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_geospatial_table('communes',
    sa.Column('insee', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.PrimaryKeyConstraint('insee')
    )
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_communes_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_communes_department'), ['department'], unique=False)
        batch_op.create_index(batch_op.f('ix_communes_name'), ['name'], unique=False)

    op.create_table('teams',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('force', sa.String(length=40), nullable=False),
    sa.Column('department', sa.String(length=3), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('diagnostics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('reference')
    )
    with op.batch_alter_table('diagnostics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_diagnostics_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_diagnostics_team_id'), ['team_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_diagnostics_visited_on'), ['visited_on'], unique=False)

    op.create_geospatial_table('patrol_zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('schedule', sa.String(length=200), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('approximate', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('patrol_zones', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_patrol_zones_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_patrol_zones_commune_insee'), ['commune_insee'], unique=False)

    op.create_geospatial_table('sectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('approximate', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_sectors_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_sectors_commune_insee'), ['commune_insee'], unique=False)

    op.create_geospatial_table('sites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=True),
    sa.Column('address', sa.String(length=250), nullable=True),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('approximate', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_sites_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_sites_commune_insee'), ['commune_insee'], unique=False)

    op.create_geospatial_table('observations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('diagnostic_id', sa.Integer(), nullable=False),
    sa.Column('commune_insee', sa.String(length=5), nullable=False),
    sa.Column('observed_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('recommendation', sa.Text(), nullable=False),
    sa.Column('partner', sa.String(length=120), nullable=False),
    sa.Column('shareable', sa.Boolean(), nullable=False),
    sa.Column('author', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint('severity BETWEEN 1 AND 4', name='ck_observations_severity'),
    sa.ForeignKeyConstraint(['commune_insee'], ['communes.insee'], ),
    sa.ForeignKeyConstraint(['diagnostic_id'], ['diagnostics.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_geospatial_index('idx_observations_geom', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
        batch_op.create_index(batch_op.f('ix_observations_commune_insee'), ['commune_insee'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_diagnostic_id'), ['diagnostic_id'], unique=False)
        batch_op.create_index('ix_observations_filters', ['observed_on', 'category', 'severity', 'status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index('ix_observations_filters')
        batch_op.drop_index(batch_op.f('ix_observations_diagnostic_id'))
        batch_op.drop_index(batch_op.f('ix_observations_commune_insee'))
        batch_op.drop_geospatial_index('idx_observations_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('observations')
    with op.batch_alter_table('sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sites_commune_insee'))
        batch_op.drop_geospatial_index('idx_sites_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('sites')
    with op.batch_alter_table('sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sectors_commune_insee'))
        batch_op.drop_geospatial_index('idx_sectors_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('sectors')
    with op.batch_alter_table('patrol_zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patrol_zones_commune_insee'))
        batch_op.drop_geospatial_index('idx_patrol_zones_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('patrol_zones')
    with op.batch_alter_table('diagnostics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_diagnostics_visited_on'))
        batch_op.drop_index(batch_op.f('ix_diagnostics_team_id'))
        batch_op.drop_index(batch_op.f('ix_diagnostics_commune_insee'))

    op.drop_table('diagnostics')
    op.drop_table('teams')
    with op.batch_alter_table('communes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_communes_name'))
        batch_op.drop_index(batch_op.f('ix_communes_department'))
        batch_op.drop_geospatial_index('idx_communes_geom', postgresql_using='gist', column_name='geom')

    op.drop_geospatial_table('communes')
