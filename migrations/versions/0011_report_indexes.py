"""Report indexes: a range's bookings found from its appointments without reading the table.

The customers and revenue reports reach each appointment's bookings by appointment id; with the customer,
the cancellation and the places in the index, PostgreSQL reads the index alone (1.6 ms instead of a 58 ms sequential scan
of 100,000 participants, docs/PERFORMANCE.md).

Revision ID: 0011_report_indexes
Revises: 0010_tenant_lifecycle
"""
from alembic import op

revision = '0011_report_indexes'
down_revision = '0010_tenant_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_appointment_participants_for_reports', 'appointment_participants',
                    ['tenant_id', 'appointment_id', 'customer_id', 'cancelled_at', 'seats'])


def downgrade():
    op.drop_index('ix_appointment_participants_for_reports',
                  table_name='appointment_participants')
