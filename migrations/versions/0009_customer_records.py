"""Customer records: staff notes, merges and erasure, the indexes the directory searches with, and
notifications by recipient (a record lists the sign-in links sent to the customer's address).

On PostgreSQL, trigram indexes (pg_trgm) serve the search for any part of a name, email or phone;
they are written by hand, as the models do not describe them, and keep no pending list (fastupdate off).

Revision ID: 0009_customer_records
Revises: 0008_calendar
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_customer_records'
down_revision = '0008_calendar'
branch_labels = None
depends_on = None


TRIGRAM_INDEXES = {
    "ix_customers_name_trgm": "lower(name)",
    "ix_customers_email_trgm": "lower(email)",
    "ix_customers_phone_trgm": "phone",
}


def upgrade():
    op.create_table('customer_notes',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'author_user_id'], ['users.tenant_id', 'users.id'], name='fk_customer_notes_author_user_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'customer_id'], ['customers.tenant_id', 'customers.id'], name='fk_customer_notes_customer_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_customer_notes_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_notes')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_customer_notes_tenant_id_id')
    )
    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.create_index('ix_customer_notes_tenant_id_author_user_id', ['tenant_id', 'author_user_id'], unique=False)
        batch_op.create_index('ix_customer_notes_tenant_id_customer_id', ['tenant_id', 'customer_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_customers_tenant_id_merged_into_id', ['tenant_id', 'merged_into_id'], unique=False)
        batch_op.create_foreign_key('fk_customers_merged_into_id_same_tenant', 'customers', ['tenant_id', 'merged_into_id'], ['tenant_id', 'id'])
    op.create_index('ix_customers_tenant_id_name_id', 'customers', ['tenant_id', 'name', 'id'])
    op.create_index('ix_notifications_tenant_id_recipient', 'notifications', ['tenant_id', 'recipient'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in TRIGRAM_INDEXES.items():
            # fastupdate off: a new customer goes straight into the index. With a pending list, a bulk of new
            # rows (an import) left every search reading the whole list until the next vacuum: 50,000
            # customers' search took 50 ms, not 0.3 (docs/PERFORMANCE.md).
            op.execute(f"CREATE INDEX {name} ON customers USING gin (({expression}) gin_trgm_ops) WITH (fastupdate = off)")



def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX {name}")
    op.drop_index('ix_notifications_tenant_id_recipient', table_name='notifications')
    op.drop_index('ix_customers_tenant_id_name_id', table_name='customers')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_customers_merged_into_id_same_tenant', type_='foreignkey')
        batch_op.drop_index('ix_customers_tenant_id_merged_into_id')
        batch_op.drop_column('erased_at')
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('customer_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_customer_notes_tenant_id_customer_id')
        batch_op.drop_index('ix_customer_notes_tenant_id_author_user_id')

    op.drop_table('customer_notes')
