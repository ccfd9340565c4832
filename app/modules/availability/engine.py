"""Bookable slots, computed: when a service can start, from schedules, exceptions and existing appointments.

Pure computation over plain values (``Calendar.slots``); ``loading`` fills a Calendar
from the database. No Flask and no SQL here.

Time: schedules are wall-clock times in the location's zone; slots are UTC
instants. A working interval is resolved to UTC once, then stepped in UTC, so
durations are exact, the skipped hour of spring never holds a slot, and the
repeated hour of autumn yields distinct instants, never duplicates.
"""
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from app.core.zones import wall_time

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


class Booked(NamedTuple):
    """An active appointment as far as availability cares (a tuple: a picker reads hundreds)."""

    appointment_id: int
    service_id: int
    location_id: int
    starts_at: datetime
    blocked_from: datetime
    blocked_until: datetime
    seats_taken: int
    provider_id: int | None = None  # last, so a loaded row is a Booked as it comes


@dataclass
class ProviderCalendar:
    provider_id: int
    name: str
    duration: timedelta
    price: int | None  # what this provider charges for the service
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


class Terms(NamedTuple):
    """What one provider's appointment at a slot would be: its end and its price."""

    provider_id: int
    ends_at: datetime
    price: int | None


class Slot(NamedTuple):
    """A start offered; ``ends_at`` and ``price`` are what the customer is shown and booked at. For
    "any provider", ``terms`` says what each provider's would be: only those matching may take it.
    (A tuple: a week's picker makes hundreds.)"""

    starts_at: datetime
    ends_at: datetime
    zone: ZoneInfo
    provider_ids: tuple[int, ...]
    seats_left: int | None = None  # only for group services
    price: int | None = None
    terms: tuple[Terms, ...] = ()

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def label(self) -> str:
        return wall_time(self.starts_at, self.zone)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def key(self) -> str:
        """The slot's start as submitted by forms: an exact UTC instant."""
        return self.starts_at.strftime("%Y-%m-%dT%H:%MZ")


class ResourceUse(NamedTuple):
    """One appointment's use of a resource over its blocked time."""

    appointment_id: int
    blocked_from: datetime
    blocked_until: datetime


@dataclass
class PooledResource:
    resource_id: int
    capacity: int
    uses: list[ResourceUse] = field(default_factory=list)

    def room(self, start: datetime, end: datetime, ignoring: int | None = None) -> int:
        """How many more appointments could use it all through [start, end): capacity less the most
        uses overlapping at any one moment of it."""
        overlapping = [u for u in self.uses if u.blocked_from < end and start < u.blocked_until
                       and u.appointment_id != ignoring]
        if not overlapping:
            return self.capacity
        if self.capacity == 1:
            return 0
        # The most at once: a sweep over where uses begin (+1) and end (-1), ends first at a tie ([) ranges).
        events = sorted([(max(u.blocked_from, start), 1) for u in overlapping]
                        + [(min(u.blocked_until, end), -1) for u in overlapping])
        most = current = 0
        for _, step in events:
            current += step
            most = max(most, current)
        return self.capacity - most


@dataclass
class ResourcePool:
    """The active resources of the kind a service needs at its location, with their uses: a start is
    offered only if one of them has room over the whole block, buffers included."""

    resources: list[PooledResource] = field(default_factory=list)

    def free_resource(self, start: datetime, end: datetime, ignoring: int | None = None,
                      preferring: int | None = None) -> int | None:
        """The resource to use over [start, end): ``preferring`` if it has room, else the one with the most
        room (lowest id on ties); None when none has."""
        rooms = {r.resource_id: r.room(start, end, ignoring) for r in self.resources}
        if rooms.get(preferring, 0) > 0:
            return preferring
        best = max(rooms.items(), key=lambda item: (item[1], -item[0]), default=None)
        return best[0] if best and best[1] > 0 else None

    def with_room(self, starts: list[datetime], before: timedelta, after: timedelta) -> list[datetime]:
        return [s for s in starts if self.free_resource(s - before, s + after) is not None]

    def unused(self) -> "ResourcePool":
        return ResourcePool([PooledResource(r.resource_id, r.capacity) for r in self.resources])


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
    resources: ResourcePool | None = None  # None: the service needs no resource

    def days(self):
        day = self.first_day
        while day <= self.last_day:
            yield day
            day += timedelta(days=1)

    def slots(self, now: datetime) -> list[Slot]:
        """Every bookable slot in the range, earliest first; "any provider" merges providers."""
        return self.offers(now).slots()

    def offers(self, now: datetime) -> "Offers":
        """Every start offered in the range and who offers it, not yet made into slots: a picker
        counts a week's starts but shows one day's slots."""
        offers: dict[datetime, list[tuple[ProviderCalendar, int | None]]] = defaultdict(list)
        for provider in self.providers:
            for starts, seats_left in self._provider_starts(provider, now):
                offer = (provider, seats_left)
                for starts_at in starts:
                    offers[starts_at].append(offer)
        return Offers(self, offers)

    def _slot(self, starts_at: datetime, offers: list[tuple[ProviderCalendar, int | None]]) -> Slot:
        if len(offers) == 1:
            provider, seats_left = offers[0]
            ends_at = starts_at + provider.duration
            return Slot(starts_at, ends_at, self.zone, (provider.provider_id,),
                        None if self.capacity == 1 else seats_left, provider.price,
                        (Terms(provider.provider_id, ends_at, provider.price),))
        terms = tuple(Terms(p.provider_id, starts_at + p.duration, p.price) for p, _ in offers)
        # Providers' lengths or prices may differ: show the shortest, then the cheapest.
        shown = min(terms, key=lambda t: (t.ends_at, t.price or 0, t.provider_id))
        seats = None if self.capacity == 1 else max(seats_left for _, seats_left in offers)
        return Slot(starts_at, shown.ends_at, self.zone, tuple(t.provider_id for t in terms), seats, shown.price, terms)

    def slot_at(self, starts_at: datetime, now: datetime) -> Slot | None:
        """The slot offered at exactly ``starts_at``, if any."""
        return next((slot for slot in self.slots(now) if slot.starts_at == starts_at), None)

    def offered_when_free(self, starts_at: datetime, now: datetime) -> bool:
        """Would ``starts_at`` be offered if nobody had booked anything? Tells "taken" from "never offered"."""
        free = replace(self, providers=[replace(p, booked=[]) for p in self.providers],
                       resources=self.resources and self.resources.unused())
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

    def _provider_starts(self, provider: ProviderCalendar, now: datetime):
        """The starts ``provider`` could take, in runs that have the same seats left (None unless a
        group): (starts, seats) for each working interval, or for each start of a group's."""
        earliest = now + self.policy.min_notice
        latest = now + self.policy.horizon
        interval, duration = self.policy.interval, provider.duration
        before, after = self.buffer_before, self.buffer_after
        blockers, sessions = self._blockers(provider)
        capacity = None if self.capacity == 1 else self.capacity
        pool = self.resources
        for day in self.days():
            if day in self.closures:
                continue
            for start_local, end_local in provider.hours_on(day):
                start = resolve(day, start_local, self.zone, earliest=True)
                last = min(resolve(day, end_local, self.zone, earliest=False) - duration, latest)
                # Starts step from the start of the hours, skipping in whole steps those too soon.
                first = step_from(start, earliest, interval)
                if not sessions:
                    starts = blockers.free_starts(start, first, last, interval, before, duration + after)
                    yield (starts if pool is None else pool.with_room(starts, before, duration + after)), capacity
                    continue
                cursor = first
                while cursor <= last:
                    busy_until = blockers.overlap_end(cursor - before, cursor + duration + after)
                    if busy_until is not None:
                        # Every later start overlaps that busy time too until it clears: skip them at once.
                        cursor = step_from(start, busy_until + before, interval)
                        continue
                    if (seats_left := self._seats_in_session(cursor, duration, sessions)) > 0 and (
                        # Joining a session uses its resource; a new one needs a resource with room.
                        pool is None or cursor in sessions or pool.with_room([cursor], before, duration + after)
                    ):
                        yield (cursor,), seats_left
                    cursor += interval

    def _blockers(self, provider: ProviderCalendar):
        """Busy intervals (merged) and, for a group service, its open sessions here by start."""
        if self.capacity == 1:  # no sessions to join: everything booked is busy
            return Intervals([*provider.time_off, *((b.blocked_from, b.blocked_until) for b in provider.booked)]), {}
        sessions: dict[datetime, Booked] = {}
        busy = list(provider.time_off)
        for booked in provider.booked:
            if self.capacity > 1 and booked.service_id == self.service_id and booked.location_id == self.location_id:
                sessions[booked.starts_at] = booked
            else:
                busy.append((booked.blocked_from, booked.blocked_until))
        return Intervals(busy), sessions

    def _seats_in_session(self, starts_at: datetime, duration: timedelta, sessions: dict[datetime, Booked]) -> int:
        """Seats left for a group start: joining its own session, and never overlapping another (0)."""
        block_start, block_end = starts_at - self.buffer_before, starts_at + duration + self.buffer_after
        session = sessions.get(starts_at)
        if any(s.blocked_from < block_end and block_start < s.blocked_until for s in sessions.values() if s is not session):
            return 0
        return self.capacity - (session.seats_taken if session else 0)


@dataclass
class Offers:
    """The starts a calendar offers over its range, each with the providers offering it."""

    calendar: Calendar
    by_start: dict[datetime, list[tuple[ProviderCalendar, int | None]]]

    def __post_init__(self):
        self.starts = sorted(self.by_start)

    def per_day(self) -> Counter:
        """How many starts each local day of the range has (days without any are left out)."""
        counts = Counter()
        for day in self.calendar.days():
            low, high = local_day_bounds(day, day, self.calendar.zone)
            if count := bisect_left(self.starts, high) - bisect_left(self.starts, low):
                counts[day] = count
        return counts

    def slots(self, day: date | None = None) -> list[Slot]:
        """The slots, earliest first: every one, or those starting on the local ``day``."""
        starts = self.starts
        if day is not None:
            low, high = local_day_bounds(day, day, self.calendar.zone)
            starts = starts[bisect_left(starts, low):bisect_left(starts, high)]
        return [self.calendar._slot(starts_at, self.by_start[starts_at]) for starts_at in starts]


class Intervals:
    """A union of half-open [start, end) intervals, for fast overlap tests."""

    def __init__(self, intervals):
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                if end > self.ends[-1]:
                    self.ends[-1] = end
            else:
                self.starts.append(start)
                self.ends.append(end)

    def pairs(self) -> list[tuple[datetime, datetime]]:
        return list(zip(self.starts, self.ends))

    def covered(self, start: datetime, end: datetime) -> timedelta:
        """How much of [start, end) the intervals cover."""
        total = timedelta(0)
        for index in range(max(0, bisect_right(self.starts, start) - 1), len(self.starts)):
            if self.starts[index] >= end:
                break
            total += max(timedelta(0), min(end, self.ends[index]) - max(start, self.starts[index]))
        return total

    def overlap_end(self, start: datetime, end: datetime) -> datetime | None:
        """Where the first interval overlapping [start, end) ends; None when nothing overlaps it."""
        index = bisect_right(self.starts, start) - 1
        if index >= 0 and self.ends[index] > start:
            return self.ends[index]
        if index + 1 < len(self.starts) and self.starts[index + 1] < end:
            return self.ends[index + 1]
        return None

    def free_starts(self, origin: datetime, first: datetime, last: datetime, interval: timedelta,
                    before: timedelta, after: timedelta) -> list[datetime]:
        """The starts ``first``, ``first + interval``, … up to ``last`` (all on ``origin``'s grid) whose
        block, from ``before`` ahead of the start to ``after`` past it, overlaps no interval.
        Walks the free gaps rather than testing each start: a start is blocked by [b, e) exactly
        when it lies strictly between ``b - after`` and ``e + before``."""
        free: list[datetime] = []
        cursor = first
        starts, ends = self.starts, self.ends
        for index in range(bisect_right(ends, cursor - before), len(starts)):  # intervals ending after the block starts
            bound = min(last, starts[index] - after)
            while cursor <= bound:
                free.append(cursor)
                cursor += interval
            if cursor > last:
                return free
            cleared = ends[index] + before
            if cursor < cleared:
                cursor = step_from(origin, cleared, interval)
        while cursor <= last:
            free.append(cursor)
            cursor += interval
        return free


def working_time(provider: ProviderCalendar, first_day: date, last_day: date, zone: ZoneInfo,
                 closures: set[date] = frozenset()) -> timedelta:
    """How long ``provider`` works at one location from ``first_day`` to ``last_day``: their hours there
    (a date's override instead of the week's), less the location's closed days and their time off.

    The same rules as ``Calendar.slots``: each interval resolved to UTC as slots are (a repeated autumn hour
    worked twice, a skipped spring hour not at all), so a report's working time is the time slots are offered in."""
    worked = []
    day = first_day
    while day <= last_day:
        if day not in closures:
            for start_local, end_local in provider.hours_on(day):
                start = resolve(day, start_local, zone, earliest=True)
                end = resolve(day, end_local, zone, earliest=False)
                if end > start:
                    worked.append((start, end))
        day += timedelta(days=1)
    away = Intervals(provider.time_off)
    total = timedelta(0)
    for start, end in Intervals(worked).pairs():
        total += (end - start) - away.covered(start, end)
    return total


def step_from(origin: datetime, instant: datetime, interval: timedelta) -> datetime:
    """The first of ``origin``, ``origin + interval``, … that is not before ``instant``."""
    return origin + max(0, -((origin - instant) // interval)) * interval


@lru_cache(maxsize=4096)  # pure, and a picker asks for the same few hours again and again
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


def local_day_bounds(first_day: date, last_day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC instants from the start of ``first_day`` to the end of ``last_day`` in ``zone``."""
    start = resolve(first_day, time.min, zone, earliest=True)
    end = resolve(last_day + timedelta(days=1), time.min, zone, earliest=True)
    return start, end


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday around ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def days_with_slots(slots: list[Slot]) -> Counter:
    return Counter(slot.local_start.date() for slot in slots)
