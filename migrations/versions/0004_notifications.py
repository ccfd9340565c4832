"""Notifications: reminders per booking, reminder offsets per tenant, invitation sequence numbers.

Revision ID: 0004_notifications
Revises: 0003_booking_flow

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0004_notifications'
down_revision = '0003_booking_flow'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.Integer(), server_default=sa.text('0'), nullable=False))

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('participant_id', sa.Integer(), nullable=True))
        batch_op.drop_index(batch_op.f('uq_notifications_one_reminder'), postgresql_where="((kind)::text = 'reminder'::text)")
        batch_op.create_index('uq_notifications_one_reminder', ['tenant_id', 'appointment_id', 'participant_id', 'offset_minutes', 'channel'], unique=True, postgresql_where=sa.text("kind = 'reminder' AND status IN ('queued', 'sending')"), sqlite_where=sa.text("kind = 'reminder' AND status IN ('queued', 'sending')"))
        batch_op.create_index('ix_notifications_tenant_id_participant_id', ['tenant_id', 'participant_id'], unique=False)
        batch_op.create_foreign_key('fk_notifications_participant_id_same_tenant', 'appointment_participants', ['tenant_id', 'participant_id'], ['tenant_id', 'id'])

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminder_offsets', sa.JSON(), server_default=sa.text("'[1440, 120]'"), nullable=False))


def downgrade():
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('reminder_offsets')

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notifications_participant_id_same_tenant', type_='foreignkey')
        batch_op.drop_index('ix_notifications_tenant_id_participant_id')
        batch_op.drop_index('uq_notifications_one_reminder', postgresql_where=sa.text("kind = 'reminder' AND status IN ('queued', 'sending')"), sqlite_where=sa.text("kind = 'reminder' AND status IN ('queued', 'sending')"))
        batch_op.create_index(batch_op.f('uq_notifications_one_reminder'), ['tenant_id', 'appointment_id', 'offset_minutes', 'channel'], unique=True, postgresql_where="((kind)::text = 'reminder'::text)")
        batch_op.drop_column('participant_id')

    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.drop_column('sequence')

