"""Repeat bookings: a customer may book places in one group session more than once.

Revision ID: 0005_repeat_bookings
Revises: 0004_notifications
"""
from alembic import op

revision = "0005_repeat_bookings"
down_revision = "0004_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("appointment_participants", schema=None) as batch_op:
        batch_op.drop_constraint("uq_appointment_participants_customer", type_="unique")


def downgrade():
    with op.batch_alter_table("appointment_participants", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_appointment_participants_customer", ["tenant_id", "appointment_id", "customer_id"]
        )
