"""Initial schema: every table of the data model.

Revision ID: 0001_initial_schema
Revises: 
Create Date: 2026-11-25 14:44:50.774528

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '0001_initial_schema'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('plans',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('monthly_price', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('max_providers', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('monthly_price >= 0', name=op.f('ck_plans_price_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans')),
    sa.UniqueConstraint('code', name=op.f('uq_plans_code'))
    )
    op.create_table('tenants',
    sa.Column('slug', sa.String(length=63), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('active', 'suspended', name='tenant_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('custom_domain', sa.String(length=253), nullable=True),
    sa.Column('branding', sa.JSON(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('custom_domain', name=op.f('uq_tenants_custom_domain')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    op.create_table('audit_events',
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('actor_user_id', sa.Integer(), nullable=True),
    sa.Column('actor_email', sa.String(length=254), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_audit_events_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_audit_events_tenant_id_id')
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_tenant_id_created_at', ['tenant_id', 'created_at'], unique=False)

    op.create_table('customers',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('email_consent', sa.Boolean(), nullable=False),
    sa.Column('sms_consent', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers')),
    sa.UniqueConstraint('tenant_id', 'email', name='uq_customers_tenant_id_email'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_customers_tenant_id_id')
    )
    op.create_table('locations',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_locations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locations')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_locations_tenant_id_id')
    )
    op.create_table('parameter_definitions',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('type', sa.Enum('text', 'textarea', 'number', 'select', 'multiselect', 'boolean', 'date', name='parameter_type', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('help_text', sa.Text(), nullable=False),
    sa.Column('scope', sa.Enum('service', 'appointment', 'customer', name='parameter_scope', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_parameter_definitions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parameter_definitions')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_parameter_definitions_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'key', name=op.f('uq_parameter_definitions_tenant_id_key'))
    )
    op.create_table('service_categories',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_service_categories_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_categories')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_service_categories_tenant_id_id')
    )
    op.create_table('subscriptions',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('trialing', 'active', 'past_due', 'cancelled', name='subscription_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('current_period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('current_period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_subscriptions_plan_id_plans')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_subscriptions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subscriptions')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_subscriptions_tenant_id_id')
    )
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriptions_plan_id'), ['plan_id'], unique=False)

    op.create_table('users',
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('role', sa.Enum('superadmin', 'owner', 'admin', 'staff', 'provider', name='user_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("(role = 'superadmin') = (tenant_id IS NULL)", name=op.f('ck_users_superadmin_has_no_tenant')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_users_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('tenant_id', 'email', name='uq_users_tenant_id_email'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_users_tenant_id_id')
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('uq_users_superadmin_email', ['email'], unique=True, postgresql_where=sa.text('tenant_id IS NULL'), sqlite_where=sa.text('tenant_id IS NULL'))

    op.create_table('customer_parameters',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_customer_parameters_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_customer_parameters_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_parameters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_parameters')),
    sa.UniqueConstraint('tenant_id', 'customer_id', 'parameter_id', name=op.f('uq_customer_parameters_tenant_id_customer_id_parameter_id')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_customer_parameters_tenant_id_id')
    )
    with op.batch_alter_table('customer_parameters', schema=None) as batch_op:
        batch_op.create_index('ix_customer_parameters_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_customer_parameters_tenant_id_parameter_id', ['tenant_id', 'parameter_id'], unique=False)

    op.create_table('invoices',
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'paid', 'void', name='invoice_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_invoices_amount_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'subscription_id'], ['subscriptions.tenant_id', 'subscriptions.id'], name='fk_invoices_subscription_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invoices_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invoices')),
    sa.UniqueConstraint('number', name='uq_invoices_number'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invoices_tenant_id_id')
    )
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_tenant_id_subscription_id', ['tenant_id', 'subscription_id'], unique=False)

    op.create_table('location_closures',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_location_closures_ends_after_start')),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_location_closures_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_location_closures_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location_closures')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_location_closures_tenant_id_id')
    )
    with op.batch_alter_table('location_closures', schema=None) as batch_op:
        batch_op.create_index('ix_location_closures_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)

    op.create_table('parameter_options',
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_parameter_options_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_parameter_options_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parameter_options')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_parameter_options_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'parameter_id', 'value', name=op.f('uq_parameter_options_tenant_id_parameter_id_value'))
    )
    with op.batch_alter_table('parameter_options', schema=None) as batch_op:
        batch_op.create_index('ix_parameter_options_tenant_id_parameter_id', ['tenant_id', 'parameter_id'], unique=False)

    op.create_table('providers',
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name='fk_providers_user_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_providers_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_providers')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_providers_tenant_id_id')
    )
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.create_index('ix_providers_tenant_id_user_id', ['tenant_id', 'user_id'], unique=False)

    op.create_table('services',
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_before_minutes', sa.Integer(), nullable=False),
    sa.Column('buffer_after_minutes', sa.Integer(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('requires_approval', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('buffer_before_minutes >= 0 AND buffer_after_minutes >= 0', name=op.f('ck_services_buffers_not_negative')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_services_capacity_positive')),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_services_duration_positive')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_services_price_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'category_id'], ['service_categories.tenant_id', 'service_categories.id'], name='fk_services_category_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_services_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_services')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_services_tenant_id_id')
    )
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_index('ix_services_tenant_id_category_id', ['tenant_id', 'category_id'], unique=False)

    op.create_table('appointments',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_from', sa.DateTime(timezone=True), nullable=False),
    sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'checked_in', 'completed', 'cancelled', 'no_show', name='appointment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=False),
    sa.Column('public_notes', sa.Text(), nullable=False),
    sa.Column('internal_notes', sa.Text(), nullable=False),
    sa.Column('source', sa.Enum('online', 'staff', name='appointment_source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('manage_token', sa.String(length=64), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=True),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('blocked_from <= starts_at AND blocked_until >= ends_at', name=op.f('ck_appointments_buffers_enclose_time')),
    sa.CheckConstraint('capacity >= 1', name=op.f('ck_appointments_capacity_positive')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_appointments_ends_after_start')),
    sa.CheckConstraint('price >= 0', name=op.f('ck_appointments_price_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_appointments_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_appointments_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_appointments_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appointments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('manage_token', name='uq_appointments_manage_token'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_appointments_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'idempotency_key', name='uq_appointments_tenant_id_idempotency_key')
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_appointments_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_appointments_tenant_id_provider_id_starts_at', ['tenant_id', 'provider_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_appointments_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)
        batch_op.create_index('ix_appointments_tenant_id_starts_at', ['tenant_id', 'starts_at'], unique=False)

    op.create_table('booking_policies',
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('max_horizon_days', sa.Integer(), nullable=False),
    sa.Column('slot_interval_minutes', sa.Integer(), nullable=False),
    sa.Column('cancel_cutoff_minutes', sa.Integer(), nullable=False),
    sa.Column('reschedule_cutoff_minutes', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('min_notice_minutes >= 0 AND max_horizon_days > 0 AND slot_interval_minutes > 0 AND cancel_cutoff_minutes >= 0 AND reschedule_cutoff_minutes >= 0', name=op.f('ck_booking_policies_sane_values')),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_booking_policies_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_booking_policies_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_booking_policies')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_booking_policies_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'service_id', name=op.f('uq_booking_policies_tenant_id_service_id'))
    )
    with op.batch_alter_table('booking_policies', schema=None) as batch_op:
        batch_op.create_index('ix_booking_policies_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)
        batch_op.create_index('uq_booking_policies_tenant_default', ['tenant_id'], unique=True, postgresql_where=sa.text('service_id IS NULL'), sqlite_where=sa.text('service_id IS NULL'))

    op.create_table('parameter_rules',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('source_parameter_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('action', sa.Enum('show', 'hide', 'require', name='parameter_rule_action', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('target_parameter_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('source_parameter_id <> target_parameter_id', name=op.f('ck_parameter_rules_not_self')),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_parameter_rules_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'source_parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_parameter_rules_source_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'target_parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_parameter_rules_target_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_parameter_rules_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parameter_rules')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_parameter_rules_tenant_id_id')
    )
    with op.batch_alter_table('parameter_rules', schema=None) as batch_op:
        batch_op.create_index('ix_parameter_rules_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)
        batch_op.create_index('ix_parameter_rules_tenant_id_source_parameter_id', ['tenant_id', 'source_parameter_id'], unique=False)
        batch_op.create_index('ix_parameter_rules_tenant_id_target_parameter_id', ['tenant_id', 'target_parameter_id'], unique=False)

    op.create_table('payments',
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'succeeded', 'failed', 'refunded', name='payment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('provider_reference', sa.String(length=200), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payments_amount_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'invoice_id'], ['invoices.tenant_id', 'invoices.id'], name='fk_payments_invoice_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_payments_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_payments_tenant_id_id')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_tenant_id_invoice_id', ['tenant_id', 'invoice_id'], unique=False)

    op.create_table('provider_locations',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_provider_locations_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_provider_locations_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_provider_locations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_locations')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_provider_locations_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'provider_id', 'location_id', name=op.f('uq_provider_locations_tenant_id_provider_id_location_id'))
    )
    with op.batch_alter_table('provider_locations', schema=None) as batch_op:
        batch_op.create_index('ix_provider_locations_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_provider_locations_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)

    op.create_table('provider_services',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=True),
    sa.Column('price', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('duration_minutes IS NULL OR duration_minutes > 0', name=op.f('ck_provider_services_duration_positive')),
    sa.CheckConstraint('price IS NULL OR price >= 0', name=op.f('ck_provider_services_price_not_negative')),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_provider_services_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_provider_services_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_provider_services_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_services')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_provider_services_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'provider_id', 'service_id', name=op.f('uq_provider_services_tenant_id_provider_id_service_id'))
    )
    with op.batch_alter_table('provider_services', schema=None) as batch_op:
        batch_op.create_index('ix_provider_services_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_provider_services_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)

    op.create_table('schedule_overrides',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=True),
    sa.Column('ends_at', sa.Time(), nullable=True),
    sa.Column('is_day_off', sa.Boolean(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('is_day_off OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at)', name=op.f('ck_schedule_overrides_hours_or_day_off')),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_schedule_overrides_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_schedule_overrides_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_schedule_overrides_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_schedule_overrides')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_schedule_overrides_tenant_id_id')
    )
    with op.batch_alter_table('schedule_overrides', schema=None) as batch_op:
        batch_op.create_index('ix_schedule_overrides_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_schedule_overrides_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)

    op.create_table('service_parameters',
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('default_value', sa.Text(), nullable=True),
    sa.Column('visible_in_booking', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_service_parameters_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'service_id'], ['services.tenant_id', 'services.id'], name='fk_service_parameters_service_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_service_parameters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_parameters')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_service_parameters_tenant_id_id'),
    sa.UniqueConstraint('tenant_id', 'service_id', 'parameter_id', name=op.f('uq_service_parameters_tenant_id_service_id_parameter_id'))
    )
    with op.batch_alter_table('service_parameters', schema=None) as batch_op:
        batch_op.create_index('ix_service_parameters_tenant_id_parameter_id', ['tenant_id', 'parameter_id'], unique=False)
        batch_op.create_index('ix_service_parameters_tenant_id_service_id', ['tenant_id', 'service_id'], unique=False)

    op.create_table('time_off',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_time_off_ends_after_start')),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_time_off_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_time_off_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_time_off')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_time_off_tenant_id_id')
    )
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.create_index('ix_time_off_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)

    op.create_table('working_hours',
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.Time(), nullable=False),
    sa.Column('ends_at', sa.Time(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_working_hours_ends_after_start')),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6', name=op.f('ck_working_hours_weekday_range')),
    sa.ForeignKeyConstraint(['tenant_id', 'location_id'], ['locations.tenant_id', 'locations.id'], name='fk_working_hours_location_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_working_hours_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_working_hours_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_working_hours')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_working_hours_tenant_id_id')
    )
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.create_index('ix_working_hours_tenant_id_location_id', ['tenant_id', 'location_id'], unique=False)
        batch_op.create_index('ix_working_hours_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)

    op.create_table('appointment_parameters',
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('parameter_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'appointment_id'], ['appointments.tenant_id', 'appointments.id'], name='fk_appointment_parameters_appointment_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'parameter_id'], ['parameter_definitions.tenant_id', 'parameter_definitions.id'], name='fk_appointment_parameters_parameter_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appointment_parameters_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_parameters')),
    sa.UniqueConstraint('tenant_id', 'appointment_id', 'parameter_id', name=op.f('uq_appointment_parameters_tenant_id_appointment_id_parameter_id')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_appointment_parameters_tenant_id_id')
    )
    with op.batch_alter_table('appointment_parameters', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_parameters_tenant_id_appointment_id', ['tenant_id', 'appointment_id'], unique=False)
        batch_op.create_index('ix_appointment_parameters_tenant_id_parameter_id', ['tenant_id', 'parameter_id'], unique=False)

    op.create_table('appointment_participants',
    sa.Column('appointment_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('attendee', 'guardian', name='participant_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('seats', sa.Integer(), nullable=False),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('seats >= 1', name=op.f('ck_appointment_participants_seats_positive')),
    sa.ForeignKeyConstraint(['tenant_id', 'appointment_id'], ['appointments.tenant_id', 'appointments.id'], name='fk_appointment_participants_appointment_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_appointment_participants_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_appointment_participants_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_participants')),
    sa.UniqueConstraint('tenant_id', 'appointment_id', 'customer_id', name='uq_appointment_participants_customer'),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_appointment_participants_tenant_id_id')
    )
    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_participants_tenant_id_appointment_id', ['tenant_id', 'appointment_id'], unique=False)
        batch_op.create_index('ix_appointment_participants_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)

    op.create_table('notifications',
    sa.Column('appointment_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('email', 'sms', name='notification_channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('kind', sa.Enum('booking_confirmed', 'booking_pending', 'booking_approved', 'cancelled', 'rescheduled', 'reminder', 'magic_link', 'password_reset', 'invitation', name='notification_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('queued', 'sending', 'sent', 'failed', 'cancelled', name='notification_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('offset_minutes', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('scheduled_for', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('provider_message_id', sa.String(length=200), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'appointment_id'], ['appointments.tenant_id', 'appointments.id'], name='fk_notifications_appointment_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_notifications_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_notifications_tenant_id_id')
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_status_scheduled_for', ['status', 'scheduled_for'], unique=False)
        batch_op.create_index('ix_notifications_tenant_id_appointment_id', ['tenant_id', 'appointment_id'], unique=False)
        batch_op.create_index('uq_notifications_one_reminder', ['tenant_id', 'appointment_id', 'offset_minutes', 'channel'], unique=True, postgresql_where=sa.text("kind = 'reminder'"), sqlite_where=sa.text("kind = 'reminder'"))



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('uq_notifications_one_reminder', postgresql_where=sa.text("kind = 'reminder'"), sqlite_where=sa.text("kind = 'reminder'"))
        batch_op.drop_index('ix_notifications_tenant_id_appointment_id')
        batch_op.drop_index('ix_notifications_status_scheduled_for')

    op.drop_table('notifications')
    with op.batch_alter_table('appointment_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_participants_tenant_id_customer_id')
        batch_op.drop_index('ix_appointment_participants_tenant_id_appointment_id')

    op.drop_table('appointment_participants')
    with op.batch_alter_table('appointment_parameters', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_parameters_tenant_id_parameter_id')
        batch_op.drop_index('ix_appointment_parameters_tenant_id_appointment_id')

    op.drop_table('appointment_parameters')
    with op.batch_alter_table('working_hours', schema=None) as batch_op:
        batch_op.drop_index('ix_working_hours_tenant_id_provider_id')
        batch_op.drop_index('ix_working_hours_tenant_id_location_id')

    op.drop_table('working_hours')
    with op.batch_alter_table('time_off', schema=None) as batch_op:
        batch_op.drop_index('ix_time_off_tenant_id_provider_id')

    op.drop_table('time_off')
    with op.batch_alter_table('service_parameters', schema=None) as batch_op:
        batch_op.drop_index('ix_service_parameters_tenant_id_service_id')
        batch_op.drop_index('ix_service_parameters_tenant_id_parameter_id')

    op.drop_table('service_parameters')
    with op.batch_alter_table('schedule_overrides', schema=None) as batch_op:
        batch_op.drop_index('ix_schedule_overrides_tenant_id_provider_id')
        batch_op.drop_index('ix_schedule_overrides_tenant_id_location_id')

    op.drop_table('schedule_overrides')
    with op.batch_alter_table('provider_services', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_services_tenant_id_service_id')
        batch_op.drop_index('ix_provider_services_tenant_id_provider_id')

    op.drop_table('provider_services')
    with op.batch_alter_table('provider_locations', schema=None) as batch_op:
        batch_op.drop_index('ix_provider_locations_tenant_id_provider_id')
        batch_op.drop_index('ix_provider_locations_tenant_id_location_id')

    op.drop_table('provider_locations')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_tenant_id_invoice_id')

    op.drop_table('payments')
    with op.batch_alter_table('parameter_rules', schema=None) as batch_op:
        batch_op.drop_index('ix_parameter_rules_tenant_id_target_parameter_id')
        batch_op.drop_index('ix_parameter_rules_tenant_id_source_parameter_id')
        batch_op.drop_index('ix_parameter_rules_tenant_id_service_id')

    op.drop_table('parameter_rules')
    with op.batch_alter_table('booking_policies', schema=None) as batch_op:
        batch_op.drop_index('uq_booking_policies_tenant_default', postgresql_where=sa.text('service_id IS NULL'), sqlite_where=sa.text('service_id IS NULL'))
        batch_op.drop_index('ix_booking_policies_tenant_id_service_id')

    op.drop_table('booking_policies')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_tenant_id_starts_at')
        batch_op.drop_index('ix_appointments_tenant_id_service_id')
        batch_op.drop_index('ix_appointments_tenant_id_provider_id_starts_at')
        batch_op.drop_index('ix_appointments_tenant_id_provider_id')
        batch_op.drop_index('ix_appointments_tenant_id_location_id')

    op.drop_table('appointments')
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_index('ix_services_tenant_id_category_id')

    op.drop_table('services')
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_index('ix_providers_tenant_id_user_id')

    op.drop_table('providers')
    with op.batch_alter_table('parameter_options', schema=None) as batch_op:
        batch_op.drop_index('ix_parameter_options_tenant_id_parameter_id')

    op.drop_table('parameter_options')
    with op.batch_alter_table('location_closures', schema=None) as batch_op:
        batch_op.drop_index('ix_location_closures_tenant_id_location_id')

    op.drop_table('location_closures')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_tenant_id_subscription_id')

    op.drop_table('invoices')
    with op.batch_alter_table('customer_parameters', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_parameters_tenant_id_parameter_id')
        batch_op.drop_index('ix_customer_parameters_tenant_id_customer_id')

    op.drop_table('customer_parameters')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('uq_users_superadmin_email', postgresql_where=sa.text('tenant_id IS NULL'), sqlite_where=sa.text('tenant_id IS NULL'))

    op.drop_table('users')
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_plan_id'))

    op.drop_table('subscriptions')
    op.drop_table('service_categories')
    op.drop_table('parameter_definitions')
    op.drop_table('locations')
    op.drop_table('customers')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_tenant_id_created_at')

    op.drop_table('audit_events')
    op.drop_table('tenants')
    op.drop_table('plans')
