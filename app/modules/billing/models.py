"""What tenants pay the platform: plans, subscriptions, invoices and payments."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import db
from app.core.records import Record, TenantOwned, UTCDateTime, enum, tenant_table_args

SUBSCRIPTION_STATUSES = ("trialing", "active", "past_due", "cancelled")
INVOICE_STATUSES = ("draft", "open", "paid", "void")
PAYMENT_STATUSES = ("pending", "succeeded", "failed", "refunded")
PLAN_INTERVALS = ("month", "year")


class Plan(Record, db.Model):
    """A platform-wide price list entry; not owned by any tenant. A limit of None is unlimited."""

    __tablename__ = "plans"
    __table_args__ = (sa.CheckConstraint("price >= 0", name="price_not_negative"),)

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    price: Mapped[int]  # minor units of ``currency``, each ``interval``
    currency: Mapped[str] = mapped_column(sa.String(3), default="EUR")
    interval: Mapped[str] = mapped_column(enum(*PLAN_INTERVALS, name="plan_interval"), default="month",
                                          server_default="month")
    max_providers: Mapped[int | None]
    max_locations: Mapped[int | None]
    max_sms_per_month: Mapped[int | None]
    custom_domain_allowed: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Deactivated plans are never deleted: subscriptions keep pointing at them, new ones cannot choose them.
    active: Mapped[bool] = mapped_column(default=True)
    # The Stripe Price a Checkout session subscribes to; None: this plan cannot be bought through Stripe.
    stripe_price_id: Mapped[str | None] = mapped_column(sa.String(100))


class Subscription(TenantOwned, db.Model):
    __tablename__ = "subscriptions"
    __table_args__ = tenant_table_args("subscriptions")

    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("plans.id"), index=True)
    status: Mapped[str] = mapped_column(enum(*SUBSCRIPTION_STATUSES, name="subscription_status"))
    current_period_start: Mapped[datetime] = mapped_column(UTCDateTime)
    current_period_end: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The payment provider's customer and subscription (None until the practice subscribes through it).
    provider_customer_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    provider_subscription_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    # The creation time of the newest provider event that moved the practice's standing: an older event
    # arriving late is recorded but never moves the practice backwards.
    standing_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    plan = relationship(Plan)


class Invoice(TenantOwned, db.Model):
    __tablename__ = "invoices"
    __table_args__ = tenant_table_args(
        "invoices",
        ("subscription_id", "subscriptions"),
        extra=(
            sa.UniqueConstraint("number", name="uq_invoices_number"),
            sa.UniqueConstraint("provider_reference", name="uq_invoices_provider_reference"),
            sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        ),
    )

    subscription_id: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(32))
    amount: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    status: Mapped[str] = mapped_column(enum(*INVOICE_STATUSES, name="invoice_status"), default="draft")
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_reference: Mapped[str | None] = mapped_column(sa.String(100))  # Stripe's in_… id
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    hosted_invoice_url: Mapped[str | None] = mapped_column(sa.String(1000))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Payment(TenantOwned, db.Model):
    __tablename__ = "payments"
    __table_args__ = tenant_table_args(
        "payments",
        ("invoice_id", "invoices"),
        extra=(sa.CheckConstraint("amount > 0", name="amount_positive"),),
    )

    invoice_id: Mapped[int]
    amount: Mapped[int]
    status: Mapped[str] = mapped_column(enum(*PAYMENT_STATUSES, name="payment_status"))
    provider_reference: Mapped[str | None] = mapped_column(sa.String(200))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEvent(Record, db.Model):
    """An event the payment provider sent, stored once by its id before any work is done on it.
    Platform-wide: the event names its practice inside its payload, and the handler finds it."""

    __tablename__ = "billing_events"
    __table_args__ = (sa.UniqueConstraint("provider", "event_id", name="uq_billing_events_provider_event_id"),)

    provider: Mapped[str] = mapped_column(sa.String(20))
    event_id: Mapped[str] = mapped_column(sa.String(100))
    type: Mapped[str] = mapped_column(sa.String(100), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the event's own ``created``
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What handling made of it: applied, stale (older than what the practice's standing already reflects),
    # ignored (a type we do not act on, or a practice we do not know), or failed (with the error).
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    error: Mapped[str | None] = mapped_column(sa.String(500))
