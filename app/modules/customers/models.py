"""The people who book, per tenant, and the one-time links they sign in with."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, tenant_table_args


class Customer(TenantOwned, db.Model):
    __tablename__ = "customers"
    __table_args__ = tenant_table_args(
        "customers",
        ("merged_into_id", "customers"),
        extra=(
            sa.UniqueConstraint("tenant_id", "email", name="uq_customers_tenant_id_email"),
            # The directory's keyset order: by name, then id.
            sa.Index("ix_customers_tenant_id_name_id", "tenant_id", "name", "id"),
        ),
    )

    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    email_consent: Mapped[bool] = mapped_column(default=True)
    sms_consent: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # A duplicate merged into another customer is deactivated and points at the one kept.
    merged_into_id: Mapped[int | None]
    # Erased on request: the personal fields are anonymised, the appointments kept.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
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


class CustomerNote(TenantOwned, db.Model):
    """A staff note on a customer: dated, signed, never shown to the customer, never edited."""

    __tablename__ = "customer_notes"
    __table_args__ = tenant_table_args(
        "customer_notes", ("customer_id", "customers"), ("author_user_id", "users"),
    )

    customer_id: Mapped[int]
    author_user_id: Mapped[int | None]
    # Kept as written, so the signature survives the author's account being renamed or removed.
    author_name: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
