"""A recurring rule expanded into its occurrences: local dates first, each then resolved to UTC at the
same wall-clock time, so 09:00 stays 09:00 local across daylight-saving changes. Pure: no database."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.core.errors import DomainError
from app.modules.availability.engine import resolve

MAX_OCCURRENCES = 52
MAX_INTERVAL_WEEKS = 12
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class RuleError(DomainError):
    """A repeat rule that cannot be expanded as given (422, at its field)."""


@dataclass(frozen=True)
class Rule:
    """Every ``interval_weeks`` weeks on ``weekdays`` (0 = Monday), from ``first_day``, ending after ``count``
    occurrences or on ``until`` (whichever comes first when both are given)."""

    first_day: date
    weekdays: tuple[int, ...]
    interval_weeks: int = 1
    count: int | None = None
    until: date | None = None

    def check(self) -> None:
        if not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise RuleError("Choose at least one weekday.", field="repeat_days")
        if not 1 <= self.interval_weeks <= MAX_INTERVAL_WEEKS:
            raise RuleError(f"Every 1 to {MAX_INTERVAL_WEEKS} weeks.", field="repeat_weeks")
        if self.count is None and self.until is None:
            raise RuleError("Say when the series ends: after a number of times, or on a date.", field="repeat_count")
        if self.count is not None and not 2 <= self.count <= MAX_OCCURRENCES:
            raise RuleError(f"Between 2 and {MAX_OCCURRENCES} times.", field="repeat_count")
        if self.until is not None and self.until <= self.first_day:
            raise RuleError("The end date must be after the first appointment.", field="repeat_until")

    @property
    def describe(self) -> str:
        every = "Every week" if self.interval_weeks == 1 else f"Every {self.interval_weeks} weeks"
        days = ", ".join(WEEKDAY_NAMES[d] for d in sorted(self.weekdays))
        end = f", {self.count} times" if self.count else ""
        if self.until:
            end += f", until {self.until:%-d %B %Y}"
        return f"{every} on {days}{end}"


def local_days(rule: Rule) -> list[date]:
    """The rule's local dates, in order. The weeks count from the Monday of ``first_day``'s week, so
    "every 2 weeks on Monday and Thursday" keeps both days in the same fortnight. More than
    ``MAX_OCCURRENCES`` dates (an end date far away) is refused rather than cut short."""
    rule.check()
    monday = rule.first_day - timedelta(days=rule.first_day.weekday())
    days: list[date] = []
    while True:
        for weekday in sorted(set(rule.weekdays)):
            day = monday + timedelta(days=weekday)
            if day < rule.first_day:
                continue
            if rule.until is not None and day > rule.until:
                return days
            if len(days) == MAX_OCCURRENCES:
                raise RuleError(f"A series has at most {MAX_OCCURRENCES} appointments: choose an earlier end date.",
                                field="repeat_until")
            days.append(day)
            if rule.count is not None and len(days) == rule.count:
                return days
        monday += timedelta(weeks=rule.interval_weeks)


def starts(days: list[date], wall: time, zone: ZoneInfo | str) -> list[datetime]:
    """Each local date at ``wall`` in ``zone`` as a UTC instant (the availability engine's ``resolve``: a repeated
    autumn time is its first occurrence, a skipped spring time the moment the clocks jump)."""
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return [resolve(day, wall, tz, earliest=True) for day in days]
