"""When providers can be booked: weekly hours, date overrides, time off and booking policies."""
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, tenant_table_args


class WorkingHours(TenantOwned, db.Model):
    """A weekly interval in the location's wall-clock time. A day may have several."""

    __tablename__ = "working_hours"
    __table_args__ = tenant_table_args(
        "working_hours",
        ("provider_id", "providers"),
        ("location_id", "locations"),
        extra=(
            sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
            sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        ),
    )

    provider_id: Mapped[int]
    location_id: Mapped[int]
    weekday: Mapped[int]  # Monday is 0, as in datetime.weekday()
    starts_at: Mapped[time]
    ends_at: Mapped[time]


class ScheduleOverride(TenantOwned, db.Model):
    """Hours for one local date that replace the weekly ones, or a day off when is_day_off."""

    __tablename__ = "schedule_overrides"
    __table_args__ = tenant_table_args(
        "schedule_overrides",
        ("provider_id", "providers"),
        ("location_id", "locations"),
        extra=(
            sa.CheckConstraint(
                "is_day_off OR (starts_at IS NOT NULL AND ends_at IS NOT NULL AND ends_at > starts_at)",
                name="hours_or_day_off",
            ),
        ),
    )

    provider_id: Mapped[int]
    location_id: Mapped[int]
    on_date: Mapped[date]
    starts_at: Mapped[time | None]
    ends_at: Mapped[time | None]
    is_day_off: Mapped[bool] = mapped_column(default=False)


class TimeOff(TenantOwned, db.Model):
    """A provider's absence, between two UTC instants."""

    __tablename__ = "time_off"
    __table_args__ = tenant_table_args(
        "time_off",
        ("provider_id", "providers"),
        extra=(sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),),
    )

    provider_id: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(200), default="")


class BookingPolicy(TenantOwned, db.Model):
    """The tenant's default booking rules (service_id NULL), or one service's override."""

    __tablename__ = "booking_policies"
    __table_args__ = tenant_table_args(
        "booking_policies",
        ("service_id", "services"),
        extra=(
            sa.UniqueConstraint("tenant_id", "service_id"),
            sa.Index(
                "uq_booking_policies_tenant_default",
                "tenant_id",
                unique=True,
                postgresql_where=sa.text("service_id IS NULL"),
                sqlite_where=sa.text("service_id IS NULL"),
            ),
            sa.CheckConstraint(
                "min_notice_minutes >= 0 AND max_horizon_days > 0 AND slot_interval_minutes > 0"
                " AND cancel_cutoff_minutes >= 0 AND reschedule_cutoff_minutes >= 0",
                name="sane_values",
            ),
        ),
    )

    service_id: Mapped[int | None]
    min_notice_minutes: Mapped[int] = mapped_column(default=60)
    max_horizon_days: Mapped[int] = mapped_column(default=60)
    slot_interval_minutes: Mapped[int] = mapped_column(default=15)
    cancel_cutoff_minutes: Mapped[int] = mapped_column(default=24 * 60)
    reschedule_cutoff_minutes: Mapped[int] = mapped_column(default=24 * 60)
