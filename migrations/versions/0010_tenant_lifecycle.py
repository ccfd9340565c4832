"""The tenant lifecycle: trialing, past due and cancelled practices (with the reason and time of the
last change, and when a cancelled one was closed); plans priced per month or year with limits on
locations, SMS and custom domains; the platform's one-row settings.

Revision ID: 0010_tenant_lifecycle
Revises: 0009_customer_records
Create Date: 2026-12-03 10:27:08.367156

"""
import sqlalchemy as sa
from alembic import op

revision = '0010_tenant_lifecycle'
down_revision = '0009_customer_records'
branch_labels = None
depends_on = None

STATUSES_BEFORE = ("active", "suspended")
STATUSES_AFTER = ("trialing", "active", "past_due", "suspended", "cancelled")


def _tenant_statuses(statuses) -> None:
    with op.batch_alter_table("tenants", schema=None) as batch_op:
        batch_op.drop_constraint("tenant_status", type_="check")
        batch_op.create_check_constraint("tenant_status", sa.column("status").in_(statuses))


def upgrade():
    _tenant_statuses(STATUSES_AFTER)
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deactivated_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_constraint("price_not_negative", type_="check")
        batch_op.alter_column('monthly_price', new_column_name='price', existing_type=sa.Integer(), existing_nullable=False)
        batch_op.add_column(sa.Column('interval', sa.Enum('month', 'year', name='plan_interval', native_enum=False, create_constraint=True, length=20), server_default='month', nullable=False))
        batch_op.add_column(sa.Column('max_locations', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('max_sms_per_month', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('custom_domain_allowed', sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_check_constraint("price_not_negative", sa.text("price >= 0"))

    op.create_table('platform_settings',
    sa.Column('platform_name', sa.String(length=100), nullable=False),
    sa.Column('support_email', sa.String(length=254), nullable=False),
    sa.Column('default_plan_id', sa.Integer(), nullable=True),
    sa.Column('trial_days', sa.Integer(), nullable=False),
    sa.Column('dunning_grace_days', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_platform_settings_one_row')),
    sa.CheckConstraint('trial_days >= 0 AND dunning_grace_days >= 0', name=op.f('ck_platform_settings_days_not_negative')),
    sa.ForeignKeyConstraint(['default_plan_id'], ['plans.id'], name=op.f('fk_platform_settings_default_plan_id_plans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_platform_settings'))
    )


def downgrade():
    op.drop_table('platform_settings')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_constraint("price_not_negative", type_="check")
        batch_op.drop_constraint("plan_interval", type_="check")
        batch_op.drop_column('custom_domain_allowed')
        batch_op.drop_column('max_sms_per_month')
        batch_op.drop_column('max_locations')
        batch_op.drop_column('interval')
        batch_op.alter_column('price', new_column_name='monthly_price', existing_type=sa.Integer(), existing_nullable=False)
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_check_constraint("price_not_negative", sa.text("monthly_price >= 0"))

    # Before this revision a practice was either open or closed.
    op.execute("UPDATE tenants SET status = 'active' WHERE status IN ('trialing', 'past_due')")
    op.execute("UPDATE tenants SET status = 'suspended' WHERE status = 'cancelled'")
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('status_reason')
    _tenant_statuses(STATUSES_BEFORE)
