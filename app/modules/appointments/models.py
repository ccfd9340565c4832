"""Appointments and who attends them."""
from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, joinedload, mapped_column, relationship

from app.core.database import db
from app.core.records import TenantOwned, UTCDateTime, enum, tenant_table_args

APPOINTMENT_STATUSES = ("pending", "confirmed", "checked_in", "completed", "cancelled", "no_show", "declined")
# Statuses that hold the provider's time; the exclusion constraint covers exactly these.
ACTIVE_STATUSES = ("pending", "confirmed", "checked_in")
SOURCES = ("online", "staff")
PARTICIPANT_ROLES = ("attendee", "guardian")

NO_OVERLAP = postgresql.ExcludeConstraint(
    ("tenant_id", "="),
    ("provider_id", "="),
    (sa.func.tstzrange(sa.column("blocked_from"), sa.column("blocked_until"), "[)"), "&&"),
    name="ex_appointments_no_overlap",
    using="gist",
    where=sa.text("status IN ('pending', 'confirmed', 'checked_in')"),
).ddl_if(dialect="postgresql")


class Appointment(TenantOwned, db.Model):
    """A booked time of one provider for one service at one location.

    ``blocked_from``/``blocked_until`` are the start and end widened by the
    service's buffers; they are what may not overlap.
    """

    __tablename__ = "appointments"
    __table_args__ = tenant_table_args(
        "appointments",
        ("location_id", "locations"),
        ("provider_id", "providers"),
        ("service_id", "services"),
        ("series_id", "series"),
        extra=(
            sa.UniqueConstraint("manage_token", name="uq_appointments_manage_token"),
            sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_appointments_tenant_id_idempotency_key"),
            sa.Index("ix_appointments_tenant_id_provider_id_starts_at", "tenant_id", "provider_id", "starts_at"),
            sa.Index("ix_appointments_tenant_id_starts_at", "tenant_id", "starts_at"),
            sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
            sa.CheckConstraint(
                "blocked_from <= starts_at AND blocked_until >= ends_at", name="buffers_enclose_time"
            ),
            sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
            sa.CheckConstraint("price >= 0", name="price_not_negative"),
            NO_OVERLAP,
        ),
    )

    location_id: Mapped[int]
    provider_id: Mapped[int]
    service_id: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_from: Mapped[datetime] = mapped_column(UTCDateTime)
    blocked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(enum(*APPOINTMENT_STATUSES, name="appointment_status"))
    capacity: Mapped[int] = mapped_column(default=1)
    price: Mapped[int] = mapped_column(default=0)
    public_notes: Mapped[str] = mapped_column(sa.Text, default="")
    internal_notes: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(enum(*SOURCES, name="appointment_source"), default="online")
    manage_token: Mapped[str] = mapped_column(sa.String(64))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    cancellation_reason: Mapped[str | None] = mapped_column(sa.Text)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Cancelled inside the cancel cutoff of its booking policy.
    cancelled_late: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Raised by every change of time, provider or status: a change made from a stale view is refused.
    version: Mapped[int] = mapped_column(default=1, server_default=sa.text("1"))
    # The recurring series this appointment is an occurrence of (series_booking), if any.
    series_id: Mapped[int | None]

    location = relationship("Location", primaryjoin="Location.id == foreign(Appointment.location_id)")
    provider = relationship("Provider", primaryjoin="Provider.id == foreign(Appointment.provider_id)")
    service = relationship("Service", primaryjoin="Service.id == foreign(Appointment.service_id)")
    participants: Mapped[list["AppointmentParticipant"]] = relationship(
        primaryjoin="Appointment.id == foreign(AppointmentParticipant.appointment_id)",
        back_populates="appointment",
    )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Series(TenantOwned, db.Model):
    """A recurring appointment as staff made it: every ``interval_weeks`` weeks on ``weekdays`` at the local
    ``start_time``, from ``first_day`` for ``count`` occurrences or until ``until``. The rule is kept as made;
    the occurrences (appointments with this ``series_id``) are the truth once edited or cancelled."""

    __tablename__ = "series"
    __table_args__ = tenant_table_args(
        "series",
        ("customer_id", "customers"),
        ("service_id", "services"),
        ("provider_id", "providers"),
        ("location_id", "locations"),
        extra=(
            sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_series_tenant_id_idempotency_key"),
            sa.CheckConstraint("interval_weeks BETWEEN 1 AND 12", name="interval_weeks_range"),
            sa.CheckConstraint("count IS NOT NULL OR until IS NOT NULL", name="ends"),
        ),
    )

    customer_id: Mapped[int]
    service_id: Mapped[int]
    provider_id: Mapped[int]
    location_id: Mapped[int]
    interval_weeks: Mapped[int]
    weekdays: Mapped[str] = mapped_column(sa.String(20))  # ISO weekdays less one, e.g. "0,3" (Monday, Thursday)
    start_time: Mapped[time] = mapped_column(sa.Time)
    first_day: Mapped[date] = mapped_column(sa.Date)
    count: Mapped[int | None]
    until: Mapped[date | None] = mapped_column(sa.Date)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))

    customer = relationship("Customer", primaryjoin="Customer.id == foreign(Series.customer_id)")
    service = relationship("Service", primaryjoin="Service.id == foreign(Series.service_id)")
    provider = relationship("Provider", primaryjoin="Provider.id == foreign(Series.provider_id)")
    location = relationship("Location", primaryjoin="Location.id == foreign(Series.location_id)")


class AppointmentParticipant(TenantOwned, db.Model):
    """A customer's booking of an appointment; a group session has several. One customer may book
    a group session more than once (say, another place for a friend): each booking stands alone."""

    __tablename__ = "appointment_participants"
    __table_args__ = tenant_table_args(
        "appointment_participants",
        ("appointment_id", "appointments"),
        ("customer_id", "customers"),
        extra=(
            sa.UniqueConstraint("manage_token", name="uq_appointment_participants_manage_token"),
            sa.UniqueConstraint("tenant_id", "idempotency_key", name="uq_appointment_participants_idempotency_key"),
            sa.CheckConstraint("seats >= 1", name="seats_positive"),
            # The reports reach a range's bookings from its appointments by this index alone (0011_report_indexes).
            sa.Index("ix_appointment_participants_for_reports",
                     "tenant_id", "appointment_id", "customer_id", "cancelled_at", "seats"),
        ),
    )

    appointment_id: Mapped[int]
    customer_id: Mapped[int]
    role: Mapped[str] = mapped_column(enum(*PARTICIPANT_ROLES, name="participant_role"), default="attendee")
    seats: Mapped[int] = mapped_column(default=1)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Each booking is a participant: in a group session every customer manages their own seats.
    manage_token: Mapped[str | None] = mapped_column(sa.String(64))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(64))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE of this booking's invitation: rises with every reschedule.
    sequence: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    appointment: Mapped[Appointment] = relationship(
        primaryjoin="Appointment.id == foreign(AppointmentParticipant.appointment_id)",
        back_populates="participants",
    )
    customer = relationship("Customer", primaryjoin="Customer.id == foreign(AppointmentParticipant.customer_id)")


def with_appointment_details():
    """Loader options for a booking and all a page shows of it (appointment, service, location,
    provider, customer) in the same statement, instead of one lazy load each."""
    appointment = joinedload(AppointmentParticipant.appointment)
    return (
        appointment.joinedload(Appointment.service), appointment.joinedload(Appointment.location),
        appointment.joinedload(Appointment.provider), joinedload(AppointmentParticipant.customer),
    )
