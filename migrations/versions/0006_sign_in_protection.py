"""Sign-in protection: a per-account lockout for staff, and customer sessions ended on the server.

Revision ID: 0006_sign_in_protection
Revises: 0005_repeat_bookings
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_sign_in_protection"
down_revision = "0005_repeat_bookings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("failed_sign_ins", sa.Integer(), server_default=sa.text("0"), nullable=False))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_version", sa.Integer(), server_default=sa.text("1"), nullable=False))


def downgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_column("session_version")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_sign_ins")
