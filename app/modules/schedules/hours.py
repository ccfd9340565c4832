"""A provider's working hours at a location: the weekly intervals, date overrides and time off, checked
and audited; and the online times they give, as the availability engine computes them.

Weekly rows are named for the form that edits them: ``"<weekday>-<row>-starts_at"`` (``"monday-1-ends_at"``),
so a refusal can be shown at the very input it is about."""
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit, availability
from app.modules.catalogue.models import Location, ProviderLocation
from app.modules.schedules.models import ScheduleOverride, TimeOff, WorkingHours

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Weekly hours in two zones meet differently as each zone's clocks change: a year of dates sees every case.
CLASH_HORIZON_DAYS = 371

Row = tuple[time | None, time | None]
Week = dict[int, list[tuple[time, time]]]


class OtherHours(NamedTuple):
    """A weekly interval of the same provider at another location."""

    location_name: str
    zone: str
    weekday: int
    starts_at: time
    ends_at: time


def row_field(weekday: int, row: int, part: str) -> str:
    return f"{DAYS[weekday]}-{row}-{part}"


def hhmm(value: time) -> str:
    return value.strftime("%H:%M")


# Pure rules


def check_week(rows: dict[int, list[Row]]) -> Week:
    """The week's intervals, each day sorted, from the form's rows (empty rows left out). Refuses a row
    missing one end, an end not after its start, and two intervals of one day overlapping."""
    week: Week = {}
    for weekday in range(7):
        kept: list[tuple[time, time, int]] = []
        for index, (start, end) in enumerate(rows.get(weekday, [])):
            if start is None and end is None:
                continue
            if start is None:
                raise DomainError("Give the time this interval starts.", field=row_field(weekday, index, "starts_at"))
            if end is None:
                raise DomainError("Give the time this interval ends.", field=row_field(weekday, index, "ends_at"))
            if end <= start:
                raise DomainError(f"The end must be after the start ({hhmm(start)}).",
                                  field=row_field(weekday, index, "ends_at"))
            kept.append((start, end, index))
        kept.sort()
        for (start, end, _), (next_start, next_end, index) in zip(kept, kept[1:]):
            if next_start < end:
                raise DomainError(f"Overlaps {hhmm(start)}–{hhmm(end)} on {DAYS[weekday].title()}.",
                                  field=row_field(weekday, index, "starts_at"))
        if kept:
            week[weekday] = [(start, end) for start, end, _ in kept]
    return week


def first_clash(week: Week, zone: str, others: list[OtherHours], first_day: date) -> tuple[int, int, OtherHours] | None:
    """The first interval of ``week`` (weekday, its position that day) that would have the provider at
    another location at the same instant, with the hours it meets; None when there is none.

    Compared as UTC instants on real dates, so a location in another zone clashes when its hours
    really meet these (in whichever season), and one in the same zone when the wall-clock times do."""
    if not week or not others:
        return None
    same_zone = all(other.zone == zone for other in others)
    days = [first_day + timedelta(days=n) for n in range(7 if same_zone else CLASH_HORIZON_DAYS)]
    theirs: dict[date, list[tuple[datetime, datetime, OtherHours]]] = defaultdict(list)
    for day in [days[0] - timedelta(days=1), *days, days[-1] + timedelta(days=1)]:
        for other in others:
            if other.weekday == day.weekday():
                other_zone = ZoneInfo(other.zone)
                theirs[day].append((_instant(day, other.starts_at, other_zone, True),
                                    _instant(day, other.ends_at, other_zone, False), other))
    own_zone = ZoneInfo(zone)
    for day in days:
        for index, (start, end) in enumerate(week.get(day.weekday(), [])):
            opens, closes = _instant(day, start, own_zone, True), _instant(day, end, own_zone, False)
            for near in (day - timedelta(days=1), day, day + timedelta(days=1)):
                for their_start, their_end, other in theirs[near]:
                    if their_start < closes and opens < their_end:
                        return day.weekday(), index, other
    return None


def _instant(day: date, wall: time, zone: ZoneInfo, earliest: bool) -> datetime:
    return availability.resolve(day, wall, zone, earliest=earliest)


def local_instant(day: date, wall: time, zone: str, *, earliest: bool = True) -> datetime:
    """A wall-clock time on a local date in ``zone`` as a UTC instant: a skipped (spring) time is the
    moment clocks jump; a repeated (autumn) one its first occurrence, or its second with ``earliest=False``."""
    return availability.resolve(day, wall, ZoneInfo(zone), earliest=earliest)


# Reading


def weekly_hours(session: Session, provider, location) -> Week:
    week: Week = {}
    for row in session.scalars(
        select(WorkingHours).where(WorkingHours.provider_id == provider.id, WorkingHours.location_id == location.id)
        .order_by(WorkingHours.weekday, WorkingHours.starts_at)
    ):
        week.setdefault(row.weekday, []).append((row.starts_at, row.ends_at))
    return week


def hours_elsewhere(session: Session, provider, location) -> list[OtherHours]:
    """The provider's weekly hours at their other active locations: hours left at a location they no
    longer work at, or one closed for good, put them nowhere (the engine offers none there either)."""
    rows = session.execute(
        select(Location.name, Location.timezone, WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at)
        .join(Location, Location.id == WorkingHours.location_id)
        .join(ProviderLocation, (ProviderLocation.location_id == Location.id)
              & (ProviderLocation.provider_id == WorkingHours.provider_id))
        .where(WorkingHours.provider_id == provider.id, WorkingHours.location_id != location.id, Location.active)
        .order_by(WorkingHours.weekday, WorkingHours.starts_at)
    )
    return [OtherHours(*row) for row in rows]


def upcoming_overrides(session: Session, provider, location, *, today: date) -> list[ScheduleOverride]:
    return session.scalars(
        select(ScheduleOverride).where(ScheduleOverride.provider_id == provider.id,
                                       ScheduleOverride.location_id == location.id, ScheduleOverride.on_date >= today)
        .order_by(ScheduleOverride.on_date, ScheduleOverride.starts_at)
    ).all()


def current_time_off(session: Session, provider, *, now: datetime) -> list[TimeOff]:
    """The provider's absences not over yet, earliest first."""
    return session.scalars(
        select(TimeOff).where(TimeOff.provider_id == provider.id, TimeOff.ends_at > now).order_by(TimeOff.starts_at)
    ).all()


def online_times(session: Session, provider, location, service, *, now: datetime, days: int = 7):
    """``(local date, slots)`` for each of the coming ``days`` at ``location``: what customers are offered
    online for ``service`` with this provider, computed by the availability engine itself."""
    first_day = now.astimezone(ZoneInfo(location.timezone)).date()
    last_day = first_day + timedelta(days=days - 1)
    calendar = availability.load(session, service=service, location=location, first_day=first_day,
                                 last_day=last_day, provider_id=provider.id)
    by_day = {day: [] for day in calendar.days()}
    for slot in calendar.slots(now):
        by_day[slot.local_start.date()].append(slot)
    return list(by_day.items())


# Changes


def _works_at(session: Session, provider, location) -> None:
    linked = session.scalar(select(ProviderLocation.id).where(ProviderLocation.provider_id == provider.id,
                                                              ProviderLocation.location_id == location.id))
    if linked is None:
        raise DomainError(f"{provider.name} does not work at {location.name}.")


def save_weekly_hours(session: Session, provider, location, rows: dict[int, list[Row]], *, today: date, actor) -> Week:
    """Replace the provider's weekly hours at ``location`` with ``rows`` (by weekday, as the form has them)."""
    _works_at(session, provider, location)
    week = check_week(rows)
    clash = first_clash(week, location.timezone, hours_elsewhere(session, provider, location), today)
    if clash is not None:
        weekday, index, other = clash
        start, end = week[weekday][index]
        # Point at the form row the interval came from: rows are checked in the order given, blanks skipped.
        position = [i for i, (s, e) in enumerate(rows.get(weekday, [])) if (s, e) == (start, end)][0]
        there = f" ({other.zone})" if other.zone != location.timezone else ""
        raise DomainError(
            f"{provider.name} works at {other.location_name} then: {DAYS[other.weekday].title()} "
            f"{hhmm(other.starts_at)}–{hhmm(other.ends_at)}{there}.",
            field=row_field(weekday, position, "starts_at"),
        )
    earlier = session.execute(select(WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at).where(
        WorkingHours.provider_id == provider.id, WorkingHours.location_id == location.id)
        .order_by(WorkingHours.weekday, WorkingHours.starts_at)).all()
    before = {}
    for weekday, start, end in earlier:
        before.setdefault(DAYS[weekday], []).append(f"{hhmm(start)}-{hhmm(end)}")
    session.execute(delete(WorkingHours).where(WorkingHours.provider_id == provider.id,
                                               WorkingHours.location_id == location.id))
    session.add_all(
        WorkingHours(tenant_id=provider.tenant_id, provider_id=provider.id, location_id=location.id,
                     weekday=weekday, starts_at=start, ends_at=end)
        for weekday, intervals in week.items() for start, end in intervals
    )
    session.flush()
    after = {DAYS[d]: [f"{hhmm(s)}-{hhmm(e)}" for s, e in week[d]] for d in sorted(week) if week[d]}
    changed = [day for day in DAYS if before.get(day, []) != after.get(day, [])]  # only the days that changed
    audit.record(session, "hours.weekly.save", provider, actor=actor, location_id=location.id,
                 before={day: before.get(day, []) for day in changed}, after={day: after.get(day, []) for day in changed})
    return week


def add_override(session: Session, provider, location, *, on_date: date | None, day_off: bool,
                 starts_at: time | None, ends_at: time | None, actor) -> ScheduleOverride:
    """Hours on one date in place of that weekday's (several make several intervals), or a day off."""
    _works_at(session, provider, location)
    if on_date is None:
        raise DomainError("Give the date.", field="on_date")
    same_day = session.scalars(select(ScheduleOverride).where(
        ScheduleOverride.provider_id == provider.id, ScheduleOverride.location_id == location.id,
        ScheduleOverride.on_date == on_date)).all()
    if any(row.is_day_off for row in same_day):
        raise DomainError(f"{on_date.isoformat()} is already a day off.", field="on_date")
    if day_off:
        if same_day:
            raise DomainError(f"{on_date.isoformat()} has its own hours: remove them first.", field="on_date")
        starts_at = ends_at = None
    else:
        if starts_at is None:
            raise DomainError("Give the time these hours start, or tick “day off”.", field="starts_at")
        if ends_at is None:
            raise DomainError("Give the time these hours end.", field="ends_at")
        if ends_at <= starts_at:
            raise DomainError("The end must be after the start.", field="ends_at")
        for row in same_day:
            if row.starts_at < ends_at and starts_at < row.ends_at:
                raise DomainError(f"Overlaps {hhmm(row.starts_at)}–{hhmm(row.ends_at)} on that date.",
                                  field="starts_at")
    override = ScheduleOverride(tenant_id=provider.tenant_id, provider_id=provider.id, location_id=location.id,
                                on_date=on_date, is_day_off=day_off, starts_at=starts_at, ends_at=ends_at)
    session.add(override)
    session.flush()
    audit.record(session, "hours.override.add", override, actor=actor, provider_id=provider.id,
                 location_id=location.id, on_date=on_date.isoformat(), day_off=day_off,
                 hours=None if day_off else f"{hhmm(starts_at)}-{hhmm(ends_at)}")
    return override


def remove_override(session: Session, override: ScheduleOverride, *, actor) -> None:
    audit.record(session, "hours.override.remove", override, actor=actor, provider_id=override.provider_id,
                 location_id=override.location_id, on_date=override.on_date.isoformat(), day_off=override.is_day_off)
    session.delete(override)
    session.flush()


def add_time_off(session: Session, provider, *, zone: str, starts_on: date | None, starts_time: time | None,
                 ends_on: date | None, ends_time: time | None, reason: str = "", actor) -> TimeOff:
    """An absence from a local date and time to another in ``zone``, stored as UTC instants. An empty
    start time is the start of that day; an empty end date the start date; an empty end time the end of the day."""
    if starts_on is None:
        raise DomainError("Give the first day.", field="starts_on")
    ends_on = ends_on or starts_on
    starts_at = local_instant(starts_on, starts_time or time.min, zone)
    if ends_time is None:
        ends_at = local_instant(ends_on + timedelta(days=1), time.min, zone)
    else:
        ends_at = local_instant(ends_on, ends_time, zone, earliest=False)
    if ends_at <= starts_at:
        raise DomainError("The end must be after the start.", field="ends_on")
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise DomainError("At most 200 characters.", field="reason")
    time_off = TimeOff(tenant_id=provider.tenant_id, provider_id=provider.id, starts_at=starts_at, ends_at=ends_at,
                       reason=reason)
    session.add(time_off)
    session.flush()
    audit.record(session, "hours.time_off.add", time_off, actor=actor, provider_id=provider.id,
                 starts_at=starts_at.isoformat(), ends_at=ends_at.isoformat(), reason=reason)
    return time_off


def remove_time_off(session: Session, time_off: TimeOff, *, actor) -> None:
    audit.record(session, "hours.time_off.remove", time_off, actor=actor, provider_id=time_off.provider_id,
                 starts_at=time_off.starts_at.isoformat(), ends_at=time_off.ends_at.isoformat())
    session.delete(time_off)
    session.flush()
