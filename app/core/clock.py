"""The one clock: every "now" in Sloty is read here, then passed down as an argument.

Domain code never reads the time itself; views, jobs and CLI commands call ``now()`` once and
hand it on. Tests set the time with time-machine, which moves this clock with everything else.
"""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def today_in(zone: str) -> date:
    """The current local date in the IANA time zone ``zone``."""
    return now().astimezone(ZoneInfo(zone)).date()
