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

    @property
    def provider_param(self) -> str:
        return str(self.provider_id) if self.provider_id else "any"

    @property
    def previous_week(self) -> date | None:
        monday = self.week[0][0]
        return monday - timedelta(days=7) if monday > self.today else None

    @property
    def next_week(self) -> date:
        return self.week[0][0] + timedelta(days=7)

    def query(self, **changes) -> dict:
        """URL parameters for this picker with ``changes`` applied."""
        params = {"location": self.location.id, "provider": self.provider_param, "day": self.day.isoformat()}
        return params | {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changes.items()}


def today_at(location, now: datetime) -> date:
    return now.astimezone(ZoneInfo(location.timezone)).date()


def build(session, *, service, location, locations, providers, provider_id, day: date | None, now: datetime,
          ignore_appointment_id: int | None = None) -> Picker:
    """Slots for the week around ``day`` (default: the first day with slots this week)."""
    today = today_at(location, now)
    day = max(day or today, today)
    monday, sunday = availability.week_of(day)

    def calendar(first: date, last: date) -> availability.Calendar:
        return availability.load(
            session, service=service, location=location, first_day=first, last_day=last,
            provider_id=provider_id, ignore_appointment_id=ignore_appointment_id,
        )

    this_week = calendar(max(monday, today), sunday)
    slots = this_week.slots(now)
    per_day = availability.days_with_slots(slots)
    week = [(monday + timedelta(days=i), per_day.get(monday + timedelta(days=i), 0)) for i in range(7)]
    if per_day and not per_day.get(day) and day == today:
        day = min(per_day)
    next_available = None
    if not slots:
        later = calendar(sunday + timedelta(days=1), today + this_week.policy.horizon).slots(now)
        next_available = later[0].local_start.date() if later else None
    return Picker(
        service=service, location=location, locations=locations, providers=providers, provider_id=provider_id,
        day=day, today=today, week=week, slots=[s for s in slots if s.local_start.date() == day],
        next_available=next_available,
    )


def nearest(slots: list[Slot], wanted: datetime, count: int = ALTERNATIVES) -> list[Slot]:
    """The ``count`` slots closest in time to ``wanted``, in time order."""
    closest = sorted(slots, key=lambda slot: abs(slot.starts_at - wanted))[:count]
    return sorted(closest, key=lambda slot: slot.starts_at)
