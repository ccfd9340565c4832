"""Billing through a payment provider: the provider's events stored once each, its customer and
subscription on the practice's subscription, invoices' periods and links, and each plan's Stripe price.

Revision ID: 0012_billing
Revises: 0011_report_indexes
Create Date: 2026-12-03 11:22:34.854718

"""
import sqlalchemy as sa
from alembic import op

revision = '0012_billing'
down_revision = '0011_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('billing_events',
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_billing_events')),
    sa.UniqueConstraint('provider', 'event_id', name='uq_billing_events_provider_event_id')
    )
    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_billing_events_type'), ['type'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_reference', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('period_start', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('hosted_invoice_url', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint('uq_invoices_provider_reference', ['provider_reference'])

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stripe_price_id', sa.String(length=100), nullable=True))

    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider_customer_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('provider_subscription_id', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('standing_event_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_subscriptions_provider_customer_id'), ['provider_customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriptions_provider_subscription_id'), ['provider_subscription_id'], unique=False)



def downgrade():
    with op.batch_alter_table('subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriptions_provider_subscription_id'))
        batch_op.drop_index(batch_op.f('ix_subscriptions_provider_customer_id'))
        batch_op.drop_column('standing_event_at')
        batch_op.drop_column('provider_subscription_id')
        batch_op.drop_column('provider_customer_id')

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_column('stripe_price_id')

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_constraint('uq_invoices_provider_reference', type_='unique')
        batch_op.drop_column('paid_at')
        batch_op.drop_column('hosted_invoice_url')
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')
        batch_op.drop_column('provider_reference')

    with op.batch_alter_table('billing_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_billing_events_type'))

    op.drop_table('billing_events')
