"""The front desk's calendar: appointments carry a version (stale moves are refused), a late
cancellation flag and the declined status; providers a private calendar feed.

Revision ID: 0008_calendar
Revises: 0007_practice_setup
Create Date: 2026-12-02 16:08:29.441542

"""
import sqlalchemy as sa
from alembic import op

revision = '0008_calendar'
down_revision = '0007_practice_setup'
branch_labels = None
depends_on = None

STATUSES_BEFORE = ("pending", "confirmed", "checked_in", "completed", "cancelled", "no_show")
STATUSES_AFTER = STATUSES_BEFORE + ("declined",)


def _appointment_statuses(statuses) -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_constraint("appointment_status", type_="check")
        batch_op.create_check_constraint("appointment_status", sa.column("status").in_(statuses))


def upgrade():
    _appointment_statuses(STATUSES_AFTER)
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_late', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))

    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feed_token_hash', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_providers_feed_token_hash'), ['feed_token_hash'])


def downgrade():
    op.execute("UPDATE appointments SET status = 'cancelled' WHERE status = 'declined'")
    with op.batch_alter_table('providers', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_providers_feed_token_hash'), type_='unique')
        batch_op.drop_column('feed_token_hash')

    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('cancelled_late')
    _appointment_statuses(STATUSES_BEFORE)
