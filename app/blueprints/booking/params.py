"""Reading the booking site's query and form parameters: slot instants and days."""
from datetime import date, datetime, timezone

from flask import abort

INSTANT_FORMAT = "%Y-%m-%dT%H:%MZ"
# Days a customer could mean. Beyond them, zone conversions and week arithmetic overflow the calendar.
PLAUSIBLE_DAYS = (date(1900, 1, 1), date(9000, 12, 31))


def parse_instant(value: str | None) -> datetime | None:
    """A slot key ("2026-03-29T09:15Z") as a UTC instant, or None when malformed."""
    try:
        instant = datetime.strptime(value or "", INSTANT_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    return instant if PLAUSIBLE_DAYS[0] <= instant.date() <= PLAUSIBLE_DAYS[1] else None


def parse_day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(400, description="That is not a date.")
    if not PLAUSIBLE_DAYS[0] <= day <= PLAUSIBLE_DAYS[1]:
        abort(400, description="That date is too far away.")
    return day
