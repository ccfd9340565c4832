"""Recurring series: the rule staff made, and each appointment's series.

Revision ID: 0016_series
Revises: 0015_waitlist
Create Date: 2026-12-03 11:22:11.840668

"""
import sqlalchemy as sa
from alembic import op

revision = '0016_series'
down_revision = '0015_waitlist'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('series',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('interval_weeks', sa.Integer(), nullable=False),
    sa.Column('weekdays', sa.String(length=20), nullable=False),
    sa.Column('start_time', sa.Time(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('count IS NOT NULL OR until IS NOT NULL', name=op.f('ck_series_ends')),
    sa.CheckConstraint('interval_weeks BETWEEN 1 AND 12', name=op.f('ck_series_interval_weeks_range')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_series_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_series_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_series_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_series_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_series_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_series_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name='uq_series_tenant_id_idempotency_key')
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.create_index('ix_series_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_series_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_series_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_series_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('series_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_appointments_tenant_id_series_id', ['tenant_id', 'series_id'], unique=False)
        batch_op.create_foreign_key('fk_appointments_series_id_same_tenant', 'series', ['tenant_id', 'series_id'], ['tenant_id', 'id'])



def downgrade():
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_constraint('fk_appointments_series_id_same_tenant', type_='foreignkey')
        batch_op.drop_index('ix_appointments_tenant_id_series_id')
        batch_op.drop_column('series_id')

    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index('ix_series_tenant_id_service_id')
        batch_op.drop_index('ix_series_tenant_id_provider_id')
        batch_op.drop_index('ix_series_tenant_id_location_id')
        batch_op.drop_index('ix_series_tenant_id_customer_id')

    op.drop_table('series')
