"""Resources: rooms, chairs and equipment at a location, with a capacity; the appointments using them
(an exclusion constraint on PostgreSQL for those of capacity 1); the kind of resource a service needs.

Revision ID: 0014_resources
Revises: 0013_audit_log
Create Date: 2026-12-03 11:22:05.891879

"""
import sqlalchemy as sa
from alembic import op

revision = '0014_resources'
down_revision = '0013_audit_log'
branch_labels = None
depends_on = None


def _stamps():
    return (
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def upgrade():
    op.create_table('resources',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    *_stamps(),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_resources_capacity_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_resources_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_resources_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_resources_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'location_id', 'name', name='uq_resources_tenant_id_location_id_name')
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index('ix_resources_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)

    op.create_table('appointment_resources',
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    *_stamps(),
    sa.CheckConstraint('blocked_until > blocked_from', name=op.f('ck_appointment_resources_ends_after_start')),
    sa.ForeignKeyConstraint(['tenant_id', 'appointment_id'], ['appointments.tenant_id', 'appointments.id'], name='fk_appointment_resources_appointment_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'resource_id'], ['resources.tenant_id', 'resources.id'], name='fk_appointment_resources_resource_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appointment_resources_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_resources')),
    sa.UniqueConstraint('tenant_id', 'appointment_id', name='uq_appointment_resources_tenant_id_appointment_id'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_appointment_resources_tenant_id_id')
    )
    with op.batch_alter_table('appointment_resources', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_resources_tenant_id_appointment_id', ['tenant_id', 'appointment_id'], unique=False)
        batch_op.create_index('ix_appointment_resources_tenant_id_resource_id', ['tenant_id', 'resource_id'], unique=False)
        batch_op.create_index('ix_appointment_resources_tenant_id_resource_id_blocked_from', ['tenant_id', 'resource_id', 'blocked_from'], unique=False)

    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resource_kind', sa.String(length=60), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        # Written by hand: autogenerate does not render exclusion constraints faithfully (as in 0002).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            """
            ALTER TABLE appointment_resources ADD CONSTRAINT ex_appointment_resources_no_overlap
            EXCLUDE USING gist (
                tenant_id WITH =,
                resource_id WITH =,
                tstzrange(blocked_from, blocked_until, '[)') WITH &&
            ) WHERE (active AND exclusive)
            """
        )


def downgrade():
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_column('resource_kind')

    with op.batch_alter_table('appointment_resources', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_resources_tenant_id_resource_id_blocked_from')
        batch_op.drop_index('ix_appointment_resources_tenant_id_resource_id')
        batch_op.drop_index('ix_appointment_resources_tenant_id_appointment_id')

    op.drop_table('appointment_resources')
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index('ix_resources_tenant_id_location_id')

    op.drop_table('resources')
