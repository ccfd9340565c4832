"""Bookable slots: when a service can start, from schedules, exceptions and existing appointments.

Loading takes at most three SQL statements, whatever the range, providers or
appointments (``load``); everything after that is pure computation over plain
values (``Calendar.slots``). No Flask here.

Time: schedules are wall-clock times in the location's zone; slots are UTC
instants. A working interval is resolved to UTC once, then stepped in UTC, so
durations are exact, the skipped hour of spring never holds a slot, and the
repeated hour of autumn yields distinct instants, never duplicates.
"""
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import (
    Appointment, AppointmentParticipant, BookingPolicy, LocationClosure, Provider, ProviderLocation,
    ProviderService, ScheduleOverride, TimeOff, UTCDateTime, WorkingHours,
)
from app.models.appointment import ACTIVE_STATUSES

UTC = timezone.utc


@dataclass(frozen=True)
class Policy:
    min_notice: timedelta = timedelta(hours=1)
    horizon: timedelta = timedelta(days=60)
    interval: timedelta = timedelta(minutes=15)
    cancel_cutoff: timedelta = timedelta(hours=24)
    reschedule_cutoff: timedelta = timedelta(hours=24)

    @classmethod
    def from_minutes(cls, notice, horizon_days, interval, cancel, reschedule) -> "Policy":
        return cls(
            timedelta(minutes=notice), timedelta(days=horizon_days), timedelta(minutes=interval),
            timedelta(minutes=cancel), timedelta(minutes=reschedule),
        )


@dataclass(frozen=True)
class Booked:
    """An active appointment as far as availability cares."""

    appointment_id: int
    service_id: int
    location_id: int
    starts_at: datetime
    blocked_from: datetime
    blocked_until: datetime
    seats_taken: int


@dataclass
class ProviderCalendar:
    provider_id: int
    name: str
    duration: timedelta
    price: int | None
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=lambda: defaultdict(list))
    overrides: dict[date, list[tuple[time, time]]] = field(default_factory=dict)  # [] is a day off
    time_off: list[tuple[datetime, datetime]] = field(default_factory=list)
    booked: list[Booked] = field(default_factory=list)

    def hours_on(self, day: date) -> list[tuple[time, time]]:
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), [])

    def appointments_on(self, day: date, zone: ZoneInfo) -> int:
        return sum(1 for b in self.booked if b.starts_at.astimezone(zone).date() == day)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo
    provider_ids: tuple[int, ...]
    seats_left: int | None = None  # only for group services

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def label(self) -> str:
        return self.local_start.strftime("%H:%M")

    @property
    def key(self) -> str:
        """The slot's start as submitted by forms: an exact UTC instant."""
        return self.starts_at.strftime("%Y-%m-%dT%H:%MZ")


@dataclass
class Calendar:
    """Everything needed to compute one service's slots at one location over a date range."""

    service_id: int
    location_id: int
    zone: ZoneInfo
    capacity: int
    buffer_before: timedelta
    buffer_after: timedelta
    policy: Policy
    first_day: date
    last_day: date
    closures: set[date] = field(default_factory=set)
    providers: list[ProviderCalendar] = field(default_factory=list)

    def days(self):
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def slots(self, now: datetime) -> list[Slot]:
        """Every bookable slot in the range, earliest first; "any provider" merges providers."""
        merged: dict[datetime, Slot] = {}
        for provider in self.providers:
            for slot in self._provider_slots(provider, now):
                other = merged.get(slot.starts_at)
                if other is None:
                    merged[slot.starts_at] = slot
                else:
                    seats = None if slot.seats_left is None else max(slot.seats_left, other.seats_left or 0)
                    merged[slot.starts_at] = Slot(
                        other.starts_at, max(other.ends_at, slot.ends_at), self.zone,
                        other.provider_ids + slot.provider_ids, seats,
                    )
        return [merged[start] for start in sorted(merged)]

    def slot_at(self, starts_at: datetime, now: datetime) -> Slot | None:
        """The slot offered at exactly ``starts_at``, if any."""
        return next((slot for slot in self.slots(now) if slot.starts_at == starts_at), None)

    def offered_when_free(self, starts_at: datetime, now: datetime) -> bool:
        """Would ``starts_at`` be offered if nobody had booked anything? Tells "taken" from "never offered"."""
        free = replace(self, providers=[replace(p, booked=[]) for p in self.providers])
        return free.slot_at(starts_at, now) is not None

    def least_busy(self, slot: Slot) -> int:
        """For "any provider": the free provider with the fewest appointments that day, lowest id on ties."""
        day = slot.local_start.date()
        counts = {p.provider_id: p.appointments_on(day, self.zone) for p in self.providers}
        return min(slot.provider_ids, key=lambda pid: (counts[pid], pid))

    def seats_left(self, provider_id: int, starts_at: datetime) -> int:
        """Places left in this provider's session starting at ``starts_at``; 1 for a service that is not a group."""
        if self.capacity == 1:
            return 1
        taken = sum(
            b.seats_taken for b in self.provider(provider_id).booked
            if b.service_id == self.service_id and b.location_id == self.location_id and b.starts_at == starts_at
        )
        return self.capacity - taken

    def provider(self, provider_id: int) -> ProviderCalendar | None:
        return next((p for p in self.providers if p.provider_id == provider_id), None)

    def _provider_slots(self, provider: ProviderCalendar, now: datetime):
        earliest = now + self.policy.min_notice
        latest = now + self.policy.horizon
        blockers, sessions = self._blockers(provider)
        for day in self.days():
            if day in self.closures:
                continue
            for start_local, end_local in provider.hours_on(day):
                start = resolve(day, start_local, self.zone, earliest=True)
                end = resolve(day, end_local, self.zone, earliest=False)
                cursor = start
                while cursor + provider.duration <= end:
                    if earliest <= cursor <= latest:
                        slot = self._offer(provider, cursor, blockers, sessions)
                        if slot is not None:
                            yield slot
                    cursor += self.policy.interval

    def _blockers(self, provider: ProviderCalendar):
        """Busy intervals (merged) and, for a group service, its open sessions here by start."""
        sessions: dict[datetime, Booked] = {}
        busy = list(provider.time_off)
        for booked in provider.booked:
            if self.capacity > 1 and booked.service_id == self.service_id and booked.location_id == self.location_id:
                sessions[booked.starts_at] = booked
            else:
                busy.append((booked.blocked_from, booked.blocked_until))
        return Intervals(busy), sessions

    def _offer(self, provider, starts_at, blockers, sessions) -> Slot | None:
        ends_at = starts_at + provider.duration
        block = (starts_at - self.buffer_before, ends_at + self.buffer_after)
        if blockers.overlaps(*block):
            return None
        session = sessions.get(starts_at)
        others = (s for s in sessions.values() if s is not session)
        if any(s.blocked_from < block[1] and block[0] < s.blocked_until for s in others):
            return None
        if self.capacity == 1:
            return Slot(starts_at, ends_at, self.zone, (provider.provider_id,))
        seats_left = self.capacity - (session.seats_taken if session else 0)
        if seats_left <= 0:
            return None
        return Slot(starts_at, ends_at, self.zone, (provider.provider_id,), seats_left)


class Intervals:
    """A union of half-open [start, end) intervals, for fast overlap tests."""

    def __init__(self, intervals):
        merged: list[list[datetime]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self.starts = [start for start, _ in merged]
        self.ends = [end for _, end in merged]

    def overlaps(self, start: datetime, end: datetime) -> bool:
        index = bisect_right(self.starts, start) - 1
        if index >= 0 and self.ends[index] > start:
            return True
        return index + 1 < len(self.starts) and self.starts[index + 1] < end


def resolve(day: date, wall: time, zone: ZoneInfo, *, earliest: bool) -> datetime:
    """The UTC instant of a wall-clock time on a local date.

    A repeated (autumn) wall time resolves to its first occurrence for a start
    (``earliest``) and its second for an end, so the whole repeated hour is
    worked. A skipped (spring) wall time resolves to the moment clocks jump.
    """
    naive = datetime.combine(day, wall)
    valid = sorted(
        {
            instant
            for fold in (0, 1)
            if (instant := naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)).astimezone(zone).replace(tzinfo=None)
            == naive
        }
    )
    if valid:
        return valid[0] if earliest else valid[-1]
    # In the gap: the first wall-clock minute after it is the jump itself.
    while not valid:
        naive += timedelta(minutes=1)
        instant = naive.replace(tzinfo=zone).astimezone(UTC)
        valid = [instant] if instant.astimezone(zone).replace(tzinfo=None) == naive else []
    return valid[0]


def load_policy(session: Session, service_id: int) -> Policy:
    """The service's booking policy, or the tenant's default."""
    row = session.execute(_policy_query(service_id)).first()
    return Policy.from_minutes(*row) if row else Policy()


def _policy_query(service_id: int) -> sa.Select:
    return (
        sa.select(
            BookingPolicy.min_notice_minutes, BookingPolicy.max_horizon_days, BookingPolicy.slot_interval_minutes,
            BookingPolicy.cancel_cutoff_minutes, BookingPolicy.reschedule_cutoff_minutes,
        )
        .where(sa.or_(BookingPolicy.service_id == service_id, BookingPolicy.service_id.is_(None)))
        .order_by(BookingPolicy.service_id.is_(None))  # the service's own policy first
        .limit(1)
    )


def local_day_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants from the start of ``first_day`` to the end of ``last_day`` in ``zone``."""
    start = resolve(first_day, time.min, zone, earliest=True)
    end = resolve(last_day + timedelta(days=1), time.min, zone, earliest=True)
    return start, end


def load(
    session: Session, *, service, location, first_day: date, last_day: date,
    provider_id: int | None = None, ignore_appointment_id: int | None = None,
) -> Calendar:
    """Load what ``Calendar.slots`` needs, in three statements: providers with their hours and the
    policy; overrides, time off and closures; active appointments. ``ignore_appointment_id``
    leaves one appointment out, as when it is being moved."""
    zone = ZoneInfo(location.timezone)
    calendar = Calendar(
        service_id=service.id, location_id=location.id, zone=zone, capacity=service.capacity,
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        policy=Policy(), first_day=first_day, last_day=last_day,
    )
    providers = _load_providers(session, calendar, service, location, provider_id)
    if not providers:
        return calendar
    _load_exceptions(session, calendar, location, providers)
    range_start, range_end = local_day_bounds(first_day, last_day, zone)
    _load_booked(session, providers, range_start, range_end, ignore_appointment_id)
    calendar.providers = sorted(providers.values(), key=lambda p: p.provider_id)
    return calendar


def _load_providers(session, calendar, service, location, provider_id) -> dict[int, ProviderCalendar]:
    policy = _policy_query(service.id).subquery()
    query = (
        sa.select(
            Provider.id, Provider.name, ProviderService.duration_minutes, ProviderService.price,
            WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at, *policy.c,
        )
        .join(ProviderService, sa.and_(ProviderService.provider_id == Provider.id, ProviderService.service_id == service.id))
        .join(ProviderLocation, sa.and_(ProviderLocation.provider_id == Provider.id, ProviderLocation.location_id == location.id))
        .outerjoin(WorkingHours, sa.and_(WorkingHours.provider_id == Provider.id, WorkingHours.location_id == location.id))
        .outerjoin(policy, sa.true())
        .where(Provider.active)
        .order_by(Provider.id, WorkingHours.weekday, WorkingHours.starts_at)
    )
    if provider_id is not None:
        query = query.where(Provider.id == provider_id)
    providers: dict[int, ProviderCalendar] = {}
    for row in session.execute(query):
        if row.min_notice_minutes is not None:
            calendar.policy = Policy.from_minutes(*row[-5:])
        provider = providers.get(row.id)
        if provider is None:
            duration = timedelta(minutes=row.duration_minutes or service.duration_minutes)
            provider = providers[row.id] = ProviderCalendar(row.id, row.name, duration, row.price)
        if row.weekday is not None:
            provider.weekly[row.weekday].append((row.starts_at, row.ends_at))
    return providers


def _load_exceptions(session, calendar, location, providers) -> None:
    first, last = calendar.first_day, calendar.last_day
    ids = list(providers)
    no_date, no_time, no_instant = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Time), sa.cast(sa.null(), UTCDateTime())
    range_start, range_end = local_day_bounds(first, last, calendar.zone)
    overrides = sa.select(
        sa.literal("override").label("kind"), ScheduleOverride.provider_id.label("provider_id"),
        ScheduleOverride.on_date.label("first"), ScheduleOverride.on_date.label("last"),
        ScheduleOverride.starts_at.label("opens"), ScheduleOverride.ends_at.label("closes"),
        ScheduleOverride.is_day_off.label("day_off"),
        no_instant.label("starts"), no_instant.label("ends"),
    ).where(
        ScheduleOverride.location_id == location.id, ScheduleOverride.provider_id.in_(ids),
        ScheduleOverride.on_date.between(first, last),
    )
    time_off = sa.select(
        sa.literal("time_off"), TimeOff.provider_id, no_date, no_date, no_time, no_time, sa.false(),
        TimeOff.starts_at, TimeOff.ends_at,
    ).where(TimeOff.provider_id.in_(ids), TimeOff.starts_at < range_end, TimeOff.ends_at > range_start)
    closures = sa.select(
        sa.literal("closure"), sa.cast(sa.null(), sa.Integer), LocationClosure.starts_on, LocationClosure.ends_on,
        no_time, no_time, sa.false(), no_instant, no_instant,
    ).where(LocationClosure.location_id == location.id, LocationClosure.starts_on <= last, LocationClosure.ends_on >= first)
    for row in session.execute(sa.union_all(overrides, time_off, closures)):
        if row.kind == "override":
            hours = providers[row.provider_id].overrides.setdefault(row.first, [])
            if not row.day_off:
                hours.append((row.opens, row.closes))
        elif row.kind == "time_off":
            providers[row.provider_id].time_off.append((row.starts, row.ends))
        else:
            day = max(row.first, first)
            while day <= min(row.last, last):
                calendar.closures.add(day)
                day += timedelta(days=1)


def _load_booked(session, providers, range_start, range_end, ignore_appointment_id) -> None:
    # Buffers never exceed a day, so a day's margin catches every appointment whose block reaches the range.
    margin = timedelta(days=1)
    seats = sa.func.coalesce(
        sa.func.sum(sa.case((AppointmentParticipant.cancelled_at.is_(None), AppointmentParticipant.seats), else_=0)), 0
    )
    query = (
        sa.select(
            Appointment.id, Appointment.provider_id, Appointment.service_id, Appointment.location_id,
            Appointment.starts_at, Appointment.blocked_from, Appointment.blocked_until, seats.label("seats"),
        )
        .outerjoin(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
        .where(
            Appointment.provider_id.in_(list(providers)),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= range_start - margin,
            Appointment.starts_at < range_end + margin,
        )
        .group_by(Appointment.id)
    )
    if ignore_appointment_id is not None:
        query = query.where(Appointment.id != ignore_appointment_id)
    for row in session.execute(query):
        providers[row.provider_id].booked.append(
            Booked(row.id, row.service_id, row.location_id, row.starts_at, row.blocked_from, row.blocked_until, row.seats)
        )


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday around ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def days_with_slots(slots: list[Slot]) -> Counter:
    return Counter(slot.local_start.date() for slot in slots)
