"""The slot picker as customers see it: locations, providers, a week strip and one day's times."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from urllib.parse import urlencode
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
    previous_week: date | None  # the Monday of the week before, unless it is all past; the picker lands on
    next_week: date  # the Monday after; its link lands on that week's first day with times
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

    def day_link(self, day: date) -> str:
        """The query string showing ``day``: built from a prefix worked out once, as the week strip
        makes nine of them on every picker."""
        return f"{self._link_prefix}&day={day.isoformat()}"

    def week_link(self, monday: date) -> str:
        """The query string landing on ``monday``'s week, on its first day with times."""
        return f"{self._link_prefix}&day={monday.isoformat()}&week={monday.isoformat()}"

    @cached_property
    def _link_prefix(self) -> str:
        return urlencode({"location": self.location.id, "provider": self.provider_param})


def today_at(location, now: datetime) -> date:
    return now.astimezone(ZoneInfo(location.timezone)).date()


def build(session, *, service, location, locations, providers, provider_id, day: date | None, now: datetime,
          week: date | None = None, ignore_appointment_id: int | None = None) -> Picker:
    """Slots for the week around ``day``. From today, or with ``week`` (where "Previous week" and
    "Next week" lead), the picker lands on that week's first day with times."""
    today = today_at(location, now)
    day = max(week or day or today, today)
    landing = week is not None or day == today
    monday, sunday = availability.week_of(day)

    def calendar(first: date, last: date) -> availability.Calendar:
        return availability.load(
            session, service=service, location=location, first_day=first, last_day=last,
            provider_id=provider_id, ignore_appointment_id=ignore_appointment_id,
        )

    this_week = calendar(max(monday, today), sunday)
    offers = this_week.offers(now)  # the week's starts are counted; only the chosen day's become slots
    per_day = offers.per_day()
    week_days = [(monday + timedelta(days=i), per_day.get(monday + timedelta(days=i), 0)) for i in range(7)]
    if per_day and not per_day.get(day) and landing:
        day = min(per_day)
    next_available = None
    if not per_day:
        later = calendar(sunday + timedelta(days=1), today + this_week.policy.horizon).slots(now)
        next_available = later[0].local_start.date() if later else None
    return Picker(
        service=service, location=location, locations=locations, providers=providers, provider_id=provider_id,
        day=day, today=today, week=week_days, slots=offers.slots(day),
        next_available=next_available,
        previous_week=monday - timedelta(days=7) if monday > today else None,
        next_week=monday + timedelta(days=7),
        figures=[(int(p.duration.total_seconds() // 60), p.price) for p in this_week.providers]
        or [(service.duration_minutes, service.price)],
    )


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
