"""The date range a report covers: presets (this week, last month, …) worked out from a local "today", and
the range's UTC bounds in the practice's time zone. Pure: no clock, no SQL."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.core.errors import DomainError
from app.modules.availability.engine import local_day_bounds

# The longest range a report covers: long enough for "last year" and a leap day, short enough that a
# mistyped year does not make the database work through a century.
LONGEST = timedelta(days=366)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _next_quarter(first: date) -> date:
    return date(first.year + 1, 1, 1) if first.month == 10 else date(first.year, first.month + 3, 1)


def _month_before(first: date) -> date:
    return date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)


def _month_end(first: date) -> date:
    following = date(first.year + 1, 1, 1) if first.month == 12 else date(first.year, first.month + 1, 1)
    return following - timedelta(days=1)


def _this_week(today):
    monday = today - timedelta(days=today.weekday())
    return monday, monday + timedelta(days=6)


def _last_week(today):
    monday, _ = _this_week(today - timedelta(days=7))
    return monday, monday + timedelta(days=6)


def _this_month(today):
    first = today.replace(day=1)
    return first, _month_end(first)


def _last_month(today):
    first = _month_before(today.replace(day=1))
    return first, _month_end(first)


def _this_quarter(today):
    first = _quarter_start(today)
    return first, _next_quarter(first) - timedelta(days=1)


def _last_quarter(today):
    first = _quarter_start(_quarter_start(today) - timedelta(days=1))
    return first, _next_quarter(first) - timedelta(days=1)


PRESETS = {
    "this_week": ("This week", _this_week),
    "last_week": ("Last week", _last_week),
    "this_month": ("This month", _this_month),
    "last_month": ("Last month", _last_month),
    "last_30_days": ("Last 30 days", lambda today: (today - timedelta(days=29), today)),
    "this_quarter": ("This quarter", _this_quarter),
    "last_quarter": ("Last quarter", _last_quarter),
    "this_year": ("This year", lambda today: (date(today.year, 1, 1), date(today.year, 12, 31))),
    "last_year": ("Last year", lambda today: (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))),
}
DEFAULT_PRESET = "this_month"


@dataclass(frozen=True)
class Range:
    """Local dates ``first``..``last`` (both included) in the practice's zone ``zone``."""

    first: date
    last: date
    zone: ZoneInfo
    preset: str | None = None

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """The UTC instants from the start of ``first`` to the end of ``last``, DST included."""
        return local_day_bounds(self.first, self.last, self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%-d %b %Y}"
        return f"{self.first:%-d %b %Y} – {self.last:%-d %b %Y}"


def preset_range(preset: str, today: date, zone: ZoneInfo) -> Range:
    first, last = PRESETS[preset][1](today)
    return Range(first, last, zone, preset)


CUSTOM = "custom"  # the form's choice of its own two dates


def chosen_range(*, preset: str | None, start: str | None, end: str | None, today: date, zone: ZoneInfo) -> Range:
    """The range a report form asks for: a preset when one is chosen; else its own two dates, when it has any;
    else this month. Refuses a date that is no date, an end before the start and a range over a year, naming
    the field."""
    start, end = (start or "").strip(), (end or "").strip()
    if preset in PRESETS:
        return preset_range(preset, today, zone)
    if not start and not end:
        return preset_range(DEFAULT_PRESET, today, zone)
    first, last = _date(start, "start"), _date(end, "end")
    if last < first:
        raise DomainError("The end comes before the start.", field="end")
    if last - first >= LONGEST:
        raise DomainError("A report covers at most a year.", field="end")
    return Range(first, last, zone)


def _date(text: str, field: str) -> date:
    if not text:
        raise DomainError("Give a date (YYYY-MM-DD).", field=field)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError("That is not a date (YYYY-MM-DD).", field=field) from None
