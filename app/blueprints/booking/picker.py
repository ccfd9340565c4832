"""The slot picker as customers see it: locations, providers, a week strip and one day's times."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.modules import availability
from app.modules.availability.engine import Slot

ALTERNATIVES = 4


@dataclass
class Picker:
    service: object
    location: object
    locations: list
    providers: list
    provider_id: int | None
    day: date
    today: date
    week: list[tuple[date, int]]  # each day of the week with its number of slots
    slots: list[Slot]  # the chosen day's
    next_available: date | None  # when the whole week is empty
    previous_week: date | None  # the first day of the week before with times (its first bookable day if none)
    next_week: date  # likewise for the week after
    figures: list[tuple[int, int]]  # (minutes, price) of each provider who could take a booking

    @property
    def provider_param(self) -> str:
        return str(self.provider_id) if self.provider_id else "any"

    @property
    def minutes(self) -> tuple[int, int]:
        """The shortest and longest appointment the chosen provider, or anyone, would give."""
        return min(m for m, _ in self.figures), max(m for m, _ in self.figures)

    @property
    def prices(self) -> tuple[int, int]:
        return min(p for _, p in self.figures), max(p for _, p in self.figures)

    def query(self, **changes) -> dict:
        """URL parameters for this picker with ``changes`` applied."""
        params = {"location": self.location.id, "provider": self.provider_param, "day": self.day.isoformat()}
        return params | {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}


def today_at(location, now: datetime) -> date:
    return now.astimezone(ZoneInfo(location.timezone)).date()


def build(session, *, service, location, locations, providers, provider_id, day: date | None, now: datetime,
          ignore_appointment_id: int | None = None) -> Picker:
    """Slots for the week around ``day`` (default: the first day with slots this week), and where
    "Previous week" and "Next week" land: on the first day of that week with times."""
    today = today_at(location, now)
    day = max(day or today, today)
    monday, sunday = availability.week_of(day)
    week_before, week_after = monday - timedelta(days=7), sunday + timedelta(days=7)

    def calendar(first: date, last: date) -> availability.Calendar:
        return availability.load(
            session, service=service, location=location, first_day=first, last_day=last,
            provider_id=provider_id, ignore_appointment_id=ignore_appointment_id,
        )

    # The weeks either side come in the same three statements: only to know where their links land.
    three_weeks = calendar(max(week_before, today), week_after)
    nearby = three_weeks.slots(now)
    around = availability.days_with_slots(nearby)
    slots = [s for s in nearby if monday <= s.local_start.date() <= sunday]
    per_day = {d: n for d, n in around.items() if monday <= d <= sunday}
    week = [(monday + timedelta(days=i), per_day.get(monday + timedelta(days=i), 0)) for i in range(7)]
    if per_day and not per_day.get(day) and day == today:
        day = min(per_day)
    next_available = None
    if not slots:
        next_available = min((d for d in around if d > sunday), default=None)
        if next_available is None:
            later = calendar(week_after + timedelta(days=1), today + three_weeks.policy.horizon).slots(now)
            next_available = later[0].local_start.date() if later else None
    return Picker(
        service=service, location=location, locations=locations, providers=providers, provider_id=provider_id,
        day=day, today=today, week=week, slots=[s for s in slots if s.local_start.date() == day],
        next_available=next_available,
        previous_week=_first_with_times(around, max(week_before, today), monday - timedelta(days=1)),
        next_week=_first_with_times(around, sunday + timedelta(days=1), week_after),
        figures=[(int(p.duration.total_seconds() // 60), p.price) for p in three_weeks.providers]
        or [(service.duration_minutes, service.price)],
    )


def _first_with_times(per_day, first: date, last: date) -> date | None:
    """The first day from ``first`` to ``last`` with times, else ``first``; None for an empty range."""
    if first > last:
        return None
    return min((d for d in per_day if first <= d <= last), default=first)


def alternatives(session, *, service, location, provider_id, wanted: datetime, now: datetime,
                 ignore_appointment_id: int | None = None, days: int = 7, count: int = ALTERNATIVES) -> list[Slot]:
    """The free times nearest ``wanted``, from its day through the ``days`` after (as far as the
    booking horizon allows): when the wanted time was a day's last, the next day's come first."""
    first = max(today_at(location, wanted), today_at(location, now))
    calendar = availability.load(
        session, service=service, location=location, first_day=first, last_day=first + timedelta(days=days),
        provider_id=provider_id, ignore_appointment_id=ignore_appointment_id,
    )
    return nearest(calendar.slots(now), wanted, count)


def nearest(slots: list[Slot], wanted: datetime, count: int = ALTERNATIVES) -> list[Slot]:
    """The ``count`` slots closest in time to ``wanted``, in time order."""
    closest = sorted(slots, key=lambda slot: abs(slot.starts_at - wanted))[:count]
    return sorted(closest, key=lambda slot: slot.starts_at)
