"""A report's figures, aggregated in the database (GROUP BY, CASE sums) in one statement each, on
PostgreSQL and SQLite alike: appointments by status, lead times, revenue, new and returning customers,
booked minutes, and the busiest hours in each location's local time."""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.expression import FunctionElement

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Service

# Every appointment booked, whatever became of it; a declined request was never booked.
BOOKED = ("pending", "confirmed", "checked_in", "completed", "cancelled", "no_show")
# Appointments that held the provider's time: they count towards utilisation, the busiest hours and customers.
HELD = ("pending", "confirmed", "checked_in", "completed", "no_show")
# Appointments whose price the practice takes (or will): not a cancellation, not a no-show.
EARNING = ("pending", "confirmed", "checked_in", "completed")
STATUS_ORDER = ("pending", "confirmed", "checked_in", "completed", "no_show", "cancelled")

# How far ahead people book, in whole days of 24 hours from booking to start: (key, label, from, until).
LEAD_BUCKETS = (
    ("same_day", "Same day (under 24 hours)", 0, 1),
    ("1_2", "1–2 days", 1, 3),
    ("3_7", "3–7 days", 3, 8),
    ("8_30", "8–30 days", 8, 31),
    ("over_30", "Over 30 days", 31, None),
)
DAY, HOUR, MINUTE = 86400, 3600, 60
# 1 January 1970 was a Thursday: the weekday (Monday 0) of day 0 of the epoch.
EPOCH_WEEKDAY = 3


class epoch(FunctionElement):
    """Whole seconds since 1970 of a UTC instant: the one piece of date arithmetic the two databases spell
    differently; weekdays, hours and lengths are integer arithmetic on it from there."""

    type = sa.BigInteger()
    inherit_cache = True


@compiles(epoch, "postgresql")
def _epoch_postgresql(element, compiler, **kw):
    # FLOOR: a cast alone would round, where SQLite's strftime truncates to the whole second.
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(epoch, "sqlite")
def _epoch_sqlite(element, compiler, **kw):
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@dataclass(frozen=True)
class Scope:
    """Which appointments a report counts: those starting in [start, end), at one location or all, and
    of the providers named (None: every provider)."""

    start: datetime
    end: datetime
    location_id: int | None = None
    provider_ids: tuple[int, ...] | None = None
    zones: dict[int, str] = field(default_factory=dict)  # location id → IANA zone, for local hours

    def where(self, appointment=Appointment) -> list:
        conditions = [appointment.starts_at >= self.start, appointment.starts_at < self.end]
        if self.location_id is not None:
            conditions.append(appointment.location_id == self.location_id)
        if self.provider_ids is not None:
            conditions.append(appointment.provider_id.in_(self.provider_ids))
        return conditions


def _count_when(condition):
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


# Appointments by status


@dataclass(frozen=True)
class StatusFigures:
    by_status: dict[str, int]
    late_cancellations: int

    @property
    def booked(self) -> int:
        return sum(self.by_status.values())

    @property
    def no_shows(self) -> int:
        return self.by_status.get("no_show", 0)

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.booked if self.booked else None

    @property
    def late_cancellation_rate(self) -> float | None:
        return self.late_cancellations / self.booked if self.booked else None


def appointments_by_status(session: Session, scope: Scope) -> StatusFigures:
    rows = session.execute(
        sa.select(Appointment.status, sa.func.count(), _count_when(Appointment.cancelled_late))
        .where(*scope.where(), Appointment.status.in_(BOOKED))
        .group_by(Appointment.status)
    ).all()
    counts = {status: 0 for status in STATUS_ORDER}
    late = 0
    for status, count, late_ones in rows:
        counts[status] = count
        late += late_ones if status == "cancelled" else 0
    return StatusFigures(counts, late)


# Lead time


def lead_times(session: Session, scope: Scope) -> dict[str, int]:
    """Appointments booked by how far ahead: from ``created_at`` (when it was booked) to its start."""
    days = (epoch(Appointment.starts_at) - epoch(Appointment.created_at)) // DAY
    bucket = sa.case(
        *[(days < until, key) for key, _, _, until in LEAD_BUCKETS if until is not None],
        else_=LEAD_BUCKETS[-1][0],
    ).label("bucket")
    rows = session.execute(
        sa.select(bucket, sa.func.count()).where(*scope.where(), Appointment.status.in_(BOOKED)).group_by(bucket)
    ).all()
    counts = dict.fromkeys((key for key, *_ in LEAD_BUCKETS), 0)
    counts.update({key: count for key, count in rows})
    return counts


# Revenue


@dataclass(frozen=True)
class RevenueRow:
    provider_id: int
    service_id: int
    service: str
    appointments: int
    amount: int  # minor units of the practice's currency


def revenue(session: Session, scope: Scope) -> list[RevenueRow]:
    """What the appointments kept or due bring in, by provider and service: each booking's places at the
    price the appointment was booked at (a group session's bookings each pay for their own places; a
    booking cancelled out of a session pays nothing)."""
    # Places looked up per appointment (an index lookup each) rather than joined: a join lets PostgreSQL
    # hash every booking the practice ever had, and the report would grow with its history.
    places = (
        sa.select(sa.func.coalesce(sa.func.sum(AppointmentParticipant.seats), 0))
        .where(AppointmentParticipant.appointment_id == Appointment.id, AppointmentParticipant.cancelled_at.is_(None))
        .correlate(Appointment)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Appointment.provider_id, Appointment.service_id, Service.name, sa.func.count(),
                  sa.func.coalesce(sa.func.sum(Appointment.price * places), 0))
        .join(Service, Service.id == Appointment.service_id)
        .where(*scope.where(), Appointment.status.in_(EARNING))
        .group_by(Appointment.provider_id, Appointment.service_id, Service.name)
        .order_by(Service.name, Appointment.service_id, Appointment.provider_id)
    ).all()
    return [RevenueRow(*row) for row in rows]


# New and returning customers


@dataclass(frozen=True)
class CustomerFigures:
    new: int
    returning: int

    @property
    def total(self) -> int:
        return self.new + self.returning


def customers(session: Session, scope: Scope) -> CustomerFigures:
    """Customers seen in the range: new when their first appointment ever (with the practice, anywhere, with
    anyone) falls in it, returning when they had one before. Cancelled bookings do not count."""
    seen = (
        sa.select(AppointmentParticipant.customer_id)
        .join(Appointment, Appointment.id == AppointmentParticipant.appointment_id)
        .where(*scope.where(), Appointment.status.in_(HELD), AppointmentParticipant.cancelled_at.is_(None))
        .distinct()
        .subquery()
    )
    earlier_booking, earlier = aliased(AppointmentParticipant), aliased(Appointment)
    came_before = (
        sa.select(earlier_booking.id)
        .join(earlier, earlier.id == earlier_booking.appointment_id)
        .where(earlier_booking.customer_id == seen.c.customer_id, earlier.starts_at < scope.start,
               earlier.status.in_(HELD), earlier_booking.cancelled_at.is_(None))
        .exists()
    )
    returning = _count_when(came_before)
    total, returning = session.execute(sa.select(sa.func.count(), returning).select_from(seen)).one()
    return CustomerFigures(new=total - returning, returning=returning)


# Booked minutes (utilisation's numerator)


def booked_minutes(session: Session, scope: Scope) -> dict[int, int]:
    """Minutes of appointments that held each provider's time, by provider."""
    minutes = sa.func.sum((epoch(Appointment.ends_at) - epoch(Appointment.starts_at)) // MINUTE)
    rows = session.execute(
        sa.select(Appointment.provider_id, minutes)
        .where(*scope.where(), Appointment.status.in_(HELD))
        .group_by(Appointment.provider_id)
    ).all()
    return {provider_id: int(total or 0) for provider_id, total in rows}


# The busiest hours


def offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[int, int]]:
    """The zone's UTC offsets over [start, end): (from this epoch second, offset in seconds), earliest first."""
    def offset_at(second: int) -> int:
        return int(datetime.fromtimestamp(second, timezone.utc).astimezone(zone).utcoffset().total_seconds())

    first, last = int(start.timestamp()), int(end.timestamp())
    found = [(first, offset_at(first))]
    day = first
    while day < last:
        following = min(day + DAY, last)
        if offset_at(following) != found[-1][1]:
            low, high = day, following  # the change lies in (low, high]: find its second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset_at(middle) == found[-1][1] else (low, middle)
            found.append((high, offset_at(high)))
        day = following
    return found


def _local_seconds(scope: Scope):
    """The appointment's start as seconds since 1970 on its location's wall clock: its UTC epoch plus the
    offset its zone had then (changes of offset in the range written out, so DST is exact on both databases)."""
    starts = epoch(Appointment.starts_at)
    whens = []
    for location_id, zone_name in sorted(scope.zones.items()):
        segments = offsets(ZoneInfo(zone_name), scope.start, scope.end)
        at_location = Appointment.location_id == location_id
        for (_, offset), (following, _) in zip(segments, segments[1:]):
            whens.append((sa.and_(at_location, starts < following), offset))
        whens.append((at_location, segments[-1][1]))
    return starts + (sa.case(*whens, else_=0) if whens else 0)


def busiest_hours(session: Session, scope: Scope) -> dict[tuple[int, int], int]:
    """Appointments that held time, by local weekday (Monday 0) and hour of their start."""
    starts = (
        sa.select(_local_seconds(scope).label("local"))
        .where(*scope.where(), Appointment.status.in_(HELD))
        .subquery()
    )
    weekday = ((starts.c.local // DAY + EPOCH_WEEKDAY) % 7).label("weekday")
    hour = ((starts.c.local % DAY) // HOUR).label("hour")
    rows = session.execute(sa.select(weekday, hour, sa.func.count()).group_by(weekday, hour)).all()
    return {(int(day), int(hr)): count for day, hr, count in rows}
