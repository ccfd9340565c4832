"""Pure rules: whether a free time suits a waiting customer (place, provider, dates, time of day), and who comes first."""
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.modules.waitlist.models import PARTS_OF_DAY

# Customers offered one freed time at once: the first to claim it books it, the others stay on the list.
OFFERED_AT_ONCE = 3


@dataclass(frozen=True)
class Wish:
    """What one waiting customer asked for (a WaitlistEntry's preferences)."""

    location_id: int
    provider_id: int | None
    first_day: date
    last_day: date
    parts: tuple[str, ...] = ()
    from_time: time | None = None
    until_time: time | None = None

    @classmethod
    def of(cls, entry) -> "Wish":
        return cls(entry.location_id, entry.provider_id, entry.first_day, entry.last_day, entry.parts,
                   entry.from_time, entry.until_time)


def suits(wish: Wish, *, location_id: int, provider_id: int, starts_at: datetime, zone: ZoneInfo) -> bool:
    """Does a time starting at ``starts_at`` with ``provider_id`` at ``location_id`` suit ``wish``? Days and
    times of day are the location's wall clock."""
    if wish.location_id != location_id or wish.provider_id not in (None, provider_id):
        return False
    local = starts_at.astimezone(zone)
    if not wish.first_day <= local.date() <= wish.last_day:
        return False
    return at_preferred_time(wish, local.time())


def at_preferred_time(wish: Wish, wall: time) -> bool:
    if wish.from_time is not None or wish.until_time is not None:
        return (wish.from_time or time.min) <= wall < (wish.until_time or time.max)
    if not wish.parts:
        return True  # any time of day
    return any(PARTS_OF_DAY[part][0] <= wall < PARTS_OF_DAY[part][1] for part in wish.parts if part in PARTS_OF_DAY)


def first_suited(entries, *, location_id: int, provider_id: int, starts_at: datetime, zone: ZoneInfo,
                 limit: int = OFFERED_AT_ONCE) -> list:
    """The first ``limit`` entries the time suits, first joined first (ties by id)."""
    ordered = sorted(entries, key=lambda e: (e.joined_at, e.id))
    return [e for e in ordered if suits(Wish.of(e), location_id=location_id, provider_id=provider_id,
                                        starts_at=starts_at, zone=zone)][:limit]
