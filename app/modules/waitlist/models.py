"""Waitlist entries (who waits for what), holds (a freed time kept aside) and offers (a hold sent to an entry)."""
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, enum, tenant_table_args

ENTRY_STATUSES = ("waiting", "booked", "left")
HOLD_STATUSES = ("held", "claimed", "expired", "lost")
OFFER_STATUSES = ("open", "claimed", "gone", "expired")
# Parts of the day a customer may prefer, as local wall-clock [from, until).
PARTS_OF_DAY = {"morning": (time(0), time(12)), "afternoon": (time(12), time(17)), "evening": (time(17), time(23, 59))}


class WaitlistEntry(TenantOwned, db.Model):
    """A customer waiting for a service at a location, with a provider or anyone, over a date range."""

    __tablename__ = "waitlist_entries"
    __table_args__ = tenant_table_args(
        "waitlist_entries",
        ("service_id", "services"),
        ("location_id", "locations"),
        ("provider_id", "providers"),
        ("customer_id", "customers"),
        extra=(
            # Matching reads the waiting entries of a service, first joined first.
            sa.Index("ix_waitlist_entries_waiting", "tenant_id", "service_id", "status", "joined_at"),
            sa.CheckConstraint("first_day <= last_day", name="waitlist_range_order"),
        ),
    )

    service_id: Mapped[int]
    location_id: Mapped[int]
    provider_id: Mapped[int | None]
    customer_id: Mapped[int]
    first_day: Mapped[date]
    last_day: Mapped[date]
    # Comma-separated names from PARTS_OF_DAY, or empty with from/until below, or both empty: any time.
    parts_of_day: Mapped[str] = mapped_column(sa.String(40), default="")
    from_time: Mapped[time | None]
    until_time: Mapped[time | None]
    status: Mapped[str] = mapped_column(enum(*ENTRY_STATUSES, name="waitlist_entry_status"), default="waiting")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Only the SHA-256 of the leave link's token: the link itself is in the customer's email.
    leave_token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Set only when the customer asked to be texted too (their consent): offers go there by SMS as well.
    sms_phone: Mapped[str | None] = mapped_column(sa.String(32))
    # When the sweep last looked for a time for it: the sweep takes the least recently checked first.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    service = relationship("Service", primaryjoin="Service.id == foreign(WaitlistEntry.service_id)", viewonly=True)
    location = relationship("Location", primaryjoin="Location.id == foreign(WaitlistEntry.location_id)", viewonly=True)
    provider = relationship("Provider", primaryjoin="Provider.id == foreign(WaitlistEntry.provider_id)", viewonly=True)
    customer = relationship("Customer", primaryjoin="Customer.id == foreign(WaitlistEntry.customer_id)", viewonly=True)

    @property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in self.parts_of_day.split(",") if p)


class WaitlistHold(TenantOwned, db.Model):
    """A freed time kept aside for the customers offered it, until ``held_until``: busy for everyone else."""

    __tablename__ = "waitlist_holds"
    __table_args__ = tenant_table_args(
        "waitlist_holds",
        ("service_id", "services"),
        ("location_id", "locations"),
        ("provider_id", "providers"),
        extra=(
            # The booked-times statement reads the active holds of some providers around a range.
            sa.Index("ix_waitlist_holds_active", "tenant_id", "provider_id", "starts_at",
                     postgresql_where=sa.text("status = 'held'"), sqlite_where=sa.text("status = 'held'")),
        ),
    )

    service_id: Mapped[int]
    location_id: Mapped[int]
    provider_id: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    held_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(enum(*HOLD_STATUSES, name="waitlist_hold_status"), default="held")
    participant_id: Mapped[int | None]  # the booking that claimed it

    service = relationship("Service", primaryjoin="Service.id == foreign(WaitlistHold.service_id)", viewonly=True)
    location = relationship("Location", primaryjoin="Location.id == foreign(WaitlistHold.location_id)", viewonly=True)
    provider = relationship("Provider", primaryjoin="Provider.id == foreign(WaitlistHold.provider_id)", viewonly=True)


class WaitlistOffer(TenantOwned, db.Model):
    """A hold offered to one entry, by a tokenised link (only its hash kept)."""

    __tablename__ = "waitlist_offers"
    __table_args__ = tenant_table_args(
        "waitlist_offers",
        ("hold_id", "waitlist_holds"),
        ("entry_id", "waitlist_entries"),
        extra=(sa.UniqueConstraint("hold_id", "entry_id", name="uq_waitlist_offers_hold_entry"),),
    )

    hold_id: Mapped[int]
    entry_id: Mapped[int]
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(enum(*OFFER_STATUSES, name="waitlist_offer_status"), default="open")
    offered_by: Mapped[str] = mapped_column(sa.String(20), default="system")  # "system" or "staff"

    hold = relationship("WaitlistHold", primaryjoin="WaitlistHold.id == foreign(WaitlistOffer.hold_id)", viewonly=True)
    entry = relationship("WaitlistEntry", primaryjoin="WaitlistEntry.id == foreign(WaitlistOffer.entry_id)", viewonly=True)
