"""Rules only PostgreSQL enforces: no overlapping appointments, and the slug format.

Written by hand: autogenerate does not render exclusion constraints faithfully.
Two active appointments (pending, confirmed, checked_in) of one provider may not
overlap; ranges are half-open, so back-to-back appointments are fine, and they
span blocked_from..blocked_until, so the service's buffers are included.

Revision ID: 0002_database_enforced_rules
Revises: 0001_initial_schema
"""
from alembic import op

revision = "0002_database_enforced_rules"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None

ACTIVE = "('pending', 'confirmed', 'checked_in')"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.execute(
        f"""
        ALTER TABLE appointments ADD CONSTRAINT ex_appointments_no_overlap
        EXCLUDE USING gist (
            tenant_id WITH =,
            provider_id WITH =,
            tstzrange(blocked_from, blocked_until, '[)') WITH &&
        ) WHERE (status IN {ACTIVE})
        """
    )
    op.execute(
        "ALTER TABLE tenants ADD CONSTRAINT ck_tenants_slug_format "
        "CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$')"
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE tenants DROP CONSTRAINT ck_tenants_slug_format")
    op.execute("ALTER TABLE appointments DROP CONSTRAINT ex_appointments_no_overlap")
