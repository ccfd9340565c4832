"""The waitlist: entries, holds of freed times and their offers; the practice's hold length; two message kinds.

Revision ID: 0015_waitlist
Revises: 0014_resources
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015_waitlist'
down_revision = '0014_resources'
branch_labels = None
depends_on = None


KINDS_BEFORE = (
    "booking_confirmed", "booking_pending", "booking_approved", "cancelled", "rescheduled", "reminder", "magic_link",
    "password_reset", "invitation", "email_confirmation",
)
KINDS_AFTER = (*KINDS_BEFORE, "waitlist_joined", "waitlist_offer")


def _notification_kinds(kinds) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("notification_kind", type_="check")
        batch_op.create_check_constraint("notification_kind", sa.column("kind").in_(kinds))


def upgrade():
    _notification_kinds(KINDS_AFTER)
    op.create_table('waitlist_entries',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('parts_of_day', sa.String(length=40), nullable=False),
    sa.Column('from_time', sa.Time(), nullable=True),
    sa.Column('until_time', sa.Time(), nullable=True),
    sa.Column('status', sa.Enum('waiting', 'booked', 'left', name='waitlist_entry_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('left_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('leave_token_hash', sa.String(length=64), nullable=False),
    sa.Column('sms_phone', sa.String(length=32), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('first_day <= last_day', name=op.f('ck_waitlist_entries_waitlist_range_order')),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_waitlist_entries_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_waitlist_entries_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_waitlist_entries_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_waitlist_entries_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_waitlist_entries_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_entries')),
    sa.UniqueConstraint('leave_token_hash', name=op.f('uq_waitlist_entries_leave_token_hash')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_waitlist_entries_tenant_id_id')
    )
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_entries_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)
        batch_op.create_index('ix_waitlist_entries_waiting', ['tenant_id', 'service_id', 'status', 'joined_at'], unique=False)

    op.create_table('waitlist_holds',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('held_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('held', 'claimed', 'expired', 'lost', name='waitlist_hold_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_waitlist_holds_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_waitlist_holds_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_waitlist_holds_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_waitlist_holds_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_holds')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_waitlist_holds_tenant_id_id')
    )
    with op.batch_alter_table('waitlist_holds', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_holds_active', ['tenant_id', 'provider_id', 'starts_at'], unique=False, postgresql_where=sa.text("status = 'held'"), sqlite_where=sa.text("status = 'held'"))
        batch_op.create_index('ix_waitlist_holds_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_waitlist_holds_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_waitlist_holds_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)

    op.create_table('waitlist_offers',
    sa.Column('hold_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('open', 'claimed', 'gone', 'expired', name='waitlist_offer_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('offered_by', sa.String(length=20), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'entry_id'], ['waitlist_entries.tenant_id', 'waitlist_entries.id'], name='fk_waitlist_offers_entry_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'hold_id'], ['waitlist_holds.tenant_id', 'waitlist_holds.id'], name='fk_waitlist_offers_hold_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_waitlist_offers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_offers')),
    sa.UniqueConstraint('hold_id', 'entry_id', name='uq_waitlist_offers_hold_entry'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_waitlist_offers_tenant_id_id'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_waitlist_offers_token_hash'))
    )
    with op.batch_alter_table('waitlist_offers', schema=None) as batch_op:
        batch_op.create_index('ix_waitlist_offers_tenant_id_entry_id', ['tenant_id', 'entry_id'], unique=False)
        batch_op.create_index('ix_waitlist_offers_tenant_id_hold_id', ['tenant_id', 'hold_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('waitlist_hold_minutes', sa.Integer(), server_default=sa.text('15'), nullable=False))



def downgrade():
    _notification_kinds(KINDS_BEFORE)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('waitlist_hold_minutes')

    with op.batch_alter_table('waitlist_offers', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_offers_tenant_id_hold_id')
        batch_op.drop_index('ix_waitlist_offers_tenant_id_entry_id')

    op.drop_table('waitlist_offers')
    with op.batch_alter_table('waitlist_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_holds_tenant_id_service_id')
        batch_op.drop_index('ix_waitlist_holds_tenant_id_provider_id')
        batch_op.drop_index('ix_waitlist_holds_tenant_id_location_id')
        batch_op.drop_index('ix_waitlist_holds_active', postgresql_where=sa.text("status = 'held'"), sqlite_where=sa.text("status = 'held'"))

    op.drop_table('waitlist_holds')
    with op.batch_alter_table('waitlist_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_waitlist_entries_waiting')
        batch_op.drop_index('ix_waitlist_entries_tenant_id_service_id')
        batch_op.drop_index('ix_waitlist_entries_tenant_id_provider_id')
        batch_op.drop_index('ix_waitlist_entries_tenant_id_location_id')
        batch_op.drop_index('ix_waitlist_entries_tenant_id_customer_id')

    op.drop_table('waitlist_entries')
