"""Accounts: tenant staff and platform superadmins."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, enum, tenant_table_args

ROLES = ("superadmin", "owner", "admin", "staff", "provider")
TENANT_ROLES = ROLES[1:]


class User(TenantOwned, db.Model):
    """A person who signs in. Superadmins belong to no tenant; everyone else to exactly one."""

    __tablename__ = "users"
    __table_args__ = tenant_table_args(
        "users",
        extra=(
            sa.UniqueConstraint("tenant_id", "email", name="uq_users_tenant_id_email"),
            sa.Index(
                "uq_users_superadmin_email",
                "email",
                unique=True,
                postgresql_where=sa.text("tenant_id IS NULL"),
                sqlite_where=sa.text("tenant_id IS NULL"),
            ),
            sa.CheckConstraint(
                "(role = 'superadmin') = (tenant_id IS NULL)", name="superadmin_has_no_tenant"
            ),
        ),
    )

    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), nullable=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(enum(*ROLES, name="user_role"))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the session's identity: raising it signs every session of this user out.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wrong passwords in a row, and until when the account then refuses every password (users.py).
    failed_sign_ins: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the owner who signed a practice up follows the link emailed to them.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Flask-Login protocol.
    is_anonymous = False

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_superadmin(self) -> bool:
        return self.role == "superadmin"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


INVITATION_ROLES = ("owner", "admin", "staff", "provider")
TOKEN_PURPOSES = ("password_reset", "email_confirmation")


class Invitation(TenantOwned, db.Model):
    """Someone asked to join a practice's team. Only the token's hash is kept; the link is single-use."""

    __tablename__ = "invitations"
    __table_args__ = tenant_table_args("invitations", ("provider_id", "providers"), ("user_id", "users"))

    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(enum(*INVITATION_ROLES, name="invitation_role"))
    provider_id: Mapped[int | None] = mapped_column()
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column()  # the account it became


class AccountToken(TenantOwned, db.Model):
    """A single-use emailed link for an account: a password reset or an email confirmation.
    Only its hash is kept."""

    __tablename__ = "account_tokens"
    __table_args__ = (sa.Index("ix_account_tokens_user_id", "user_id"),)

    tenant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tenants.id"), nullable=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    purpose: Mapped[str] = mapped_column(enum(*TOKEN_PURPOSES, name="account_token_purpose"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
