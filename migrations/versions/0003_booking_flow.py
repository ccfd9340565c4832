"""Booking flow: per-booking manage tokens and idempotency keys, answers per participant, sign-in links.

Revision ID: 0003_booking_flow
Revises: 0002_database_enforced_rules
"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0003_booking_flow'
down_revision = '0002_database_enforced_rules'
branch_labels = None
depends_on = None


def upgrade():
    # Nothing wrote answers before this revision, so appointment_parameters is empty and
    # participant_id can be NOT NULL without a backfill.
    op.create_table('customer_sign_in_tokens',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_customer_sign_in_tokens_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_sign_in_tokens_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_sign_in_tokens')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_customer_sign_in_tokens_tenant_id_id'),
    sa.UniqueConstraint('token_hash', name='uq_customer_sign_in_tokens_token_hash')
    )
    with op.batch_alter_table('customer_sign_in_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_customer_sign_in_tokens_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)

    with op.batch_alter_table('appointment_parameters', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=False))
        batch_op.drop_constraint(batch_op.f('uq_appointment_parameters_tenant_id_appointment_id_parameter_id'), type_='unique')
        batch_op.create_index('ix_appointment_parameters_tenant_id_participant_id', ['tenant_id', 'participant_id'], unique=False)
        batch_op.create_unique_constraint('uq_appointment_parameters_answer', ['tenant_id', 'participant_id', 'parameter_id'])
        batch_op.create_foreign_key('fk_appointment_parameters_participant_id_same_tenant', 'appointment_participants', ['tenant_id', 'participant_id'], ['tenant_id', 'id'])

    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manage_token', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_appointment_participants_idempotency_key', ['tenant_id', 'idempotency_key'])
        batch_op.create_unique_constraint('uq_appointment_participants_manage_token', ['manage_token'])



def downgrade():
    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.drop_constraint('uq_appointment_participants_manage_token', type_='unique')
        batch_op.drop_constraint('uq_appointment_participants_idempotency_key', type_='unique')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('idempotency_key')
        batch_op.drop_column('manage_token')

    with op.batch_alter_table('appointment_parameters', schema=None) as batch_op:
        batch_op.drop_constraint('fk_appointment_parameters_participant_id_same_tenant', type_='foreignkey')
        batch_op.drop_constraint('uq_appointment_parameters_answer', type_='unique')
        batch_op.drop_index('ix_appointment_parameters_tenant_id_participant_id')
        batch_op.create_unique_constraint(batch_op.f('uq_appointment_parameters_tenant_id_appointment_id_parameter_id'), ['tenant_id', 'appointment_id', 'parameter_id'], postgresql_nulls_not_distinct=False)
        batch_op.drop_column('participant_id')

    with op.batch_alter_table('customer_sign_in_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_sign_in_tokens_tenant_id_customer_id')

    op.drop_table('customer_sign_in_tokens')
