"""Practice set-up: team invitations, emailed account links, the logo and the providers' own hours.

Revision ID: 0007_practice_setup
Revises: 0006_sign_in_protection
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007_practice_setup'
down_revision = '0006_sign_in_protection'
branch_labels = None
depends_on = None


KINDS_BEFORE = (
    "booking_confirmed", "booking_pending", "booking_approved", "cancelled", "rescheduled", "reminder", "magic_link",
    "password_reset", "invitation",
)
KINDS_AFTER = (*KINDS_BEFORE, "email_confirmation")


def _notification_kinds(kinds) -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("notification_kind", type_="check")
        batch_op.create_check_constraint("notification_kind", sa.column("kind").in_(kinds))


def upgrade():
    _notification_kinds(KINDS_AFTER)
    op.create_table('account_tokens',
    sa.Column('tenant_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('password_reset', 'email_confirmation', name='account_token_purpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_account_tokens_tenant_id_tenants')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_account_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_account_tokens_token_hash'))
    )
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.create_index('ix_account_tokens_user_id', ['user_id'], unique=False)

    op.create_table('invitations',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('owner', 'admin', 'staff', 'provider', name='invitation_role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['users.id'], name=op.f('fk_invitations_invited_by_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'provider_id'], ['providers.tenant_id', 'providers.id'], name='fk_invitations_provider_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id', 'user_id'], ['users.tenant_id', 'users.id'], name='fk_invitations_user_id_same_tenant'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_invitations_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitations')),
    sa.UniqueConstraint('tenant_id', 'id', name='uq_invitations_tenant_id_id'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitations_token_hash'))
    )
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_tenant_id_provider_id', ['tenant_id', 'provider_id'], unique=False)
        batch_op.create_index('ix_invitations_tenant_id_user_id', ['tenant_id', 'user_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('logo_type', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('providers_manage_own_hours', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('parameter_options', schema=None) as batch_op:
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))


def downgrade():
    _notification_kinds(KINDS_BEFORE)
    with op.batch_alter_table('parameter_options', schema=None) as batch_op:
        batch_op.drop_column('active')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_confirmed_at')

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('providers_manage_own_hours')
        batch_op.drop_column('logo_type')
        batch_op.drop_column('logo')

    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_tenant_id_user_id')
        batch_op.drop_index('ix_invitations_tenant_id_provider_id')

    op.drop_table('invitations')
    with op.batch_alter_table('account_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_account_tokens_user_id')

    op.drop_table('account_tokens')
