"""The audit log: each event's user agent, and the trail made append-only in PostgreSQL.

A trigger refuses every UPDATE and DELETE of ``audit_events``, whichever client asks; the ORM's guard
(app/modules/audit/guard.py) refuses them earlier, with a clearer error, on both databases.

Revision ID: 0013_audit_log
Revises: 0012_billing
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_audit_log'
down_revision = '0012_billing'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('audit_events', sa.Column('user_agent', sa.String(length=512), nullable=True))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("""
            CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege';
            END;
            $$
        """)
        op.execute("""
            CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
            FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
        """)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION audit_events_append_only()")
    with op.batch_alter_table('audit_events') as batch_op:
        batch_op.drop_column('user_agent')
