"""The people who book, per tenant, and the one-time links they sign in with."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, tenant_table_args


class Customer(TenantOwned, db.Model):
    __tablename__ = "customers"
    __table_args__ = tenant_table_args(
        "customers", extra=(sa.UniqueConstraint("tenant_id", "email", name="uq_customers_tenant_id_email"),)
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    email_consent: Mapped[bool] = mapped_column(default=True)
    sms_consent: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of a signed-in customer's session: raising it ends every session on the server.
    session_version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))


class CustomerSignInToken(TenantOwned, db.Model):
    """A single-use emailed sign-in link. Only the token's hash is stored."""

    __tablename__ = "customer_sign_in_tokens"
    __table_args__ = tenant_table_args(
        "customer_sign_in_tokens",
        ("customer_id", "customers"),
        extra=(sa.UniqueConstraint("token_hash", name="uq_customer_sign_in_tokens_token_hash"),),
    )

    customer_id: Mapped[int]
    token_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
