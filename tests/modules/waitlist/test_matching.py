"""The pure matching rules: place, provider, date range, times of day (wall clock), and first come first served."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from app.modules.waitlist.matching import Wish, first_suited, suits

LONDON = ZoneInfo("Europe/London")
DAY = date(2031, 3, 12)


def at(hhmm: str, day: date = DAY) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), LONDON).astimezone(timezone.utc)


def test_the_place_provider_and_range_must_suit():
    wish = Wish(location_id=1, provider_id=None, first_day=DAY, last_day=DAY + timedelta(days=2))
    assert suits(wish, location_id=1, provider_id=7, starts_at=at("10:00"), zone=LONDON)
    assert not suits(wish, location_id=2, provider_id=7, starts_at=at("10:00"), zone=LONDON)
    assert not suits(wish, location_id=1, provider_id=7, starts_at=at("10:00", DAY + timedelta(days=3)), zone=LONDON)
    assert not suits(wish, location_id=1, provider_id=7, starts_at=at("10:00", DAY - timedelta(days=1)), zone=LONDON)
    with_one = Wish(location_id=1, provider_id=7, first_day=DAY, last_day=DAY)
    assert suits(with_one, location_id=1, provider_id=7, starts_at=at("10:00"), zone=LONDON)
    assert not suits(with_one, location_id=1, provider_id=8, starts_at=at("10:00"), zone=LONDON)


def test_times_of_day_are_the_locations_wall_clock():
    mornings = Wish(1, None, DAY, DAY, parts=("morning",))
    evenings = Wish(1, None, DAY, DAY, parts=("afternoon", "evening"))
    assert suits(mornings, location_id=1, provider_id=7, starts_at=at("11:45"), zone=LONDON)
    assert not suits(mornings, location_id=1, provider_id=7, starts_at=at("12:00"), zone=LONDON)
    assert suits(evenings, location_id=1, provider_id=7, starts_at=at("18:00"), zone=LONDON)
    # 23:30 UTC on a summer day is 00:30 the next day in London: that day's morning.
    summer = date(2031, 7, 1)
    late = datetime.combine(summer, time(23, 30), timezone.utc)
    assert suits(Wish(1, None, summer + timedelta(days=1), summer + timedelta(days=1), parts=("morning",)),
                 location_id=1, provider_id=7, starts_at=late, zone=LONDON)


def test_a_from_until_window_takes_precedence_and_excludes_its_end():
    window = Wish(1, None, DAY, DAY, parts=("evening",), from_time=time(9), until_time=time(10))
    assert suits(window, location_id=1, provider_id=7, starts_at=at("09:00"), zone=LONDON)
    assert not suits(window, location_id=1, provider_id=7, starts_at=at("10:00"), zone=LONDON)
    assert not suits(window, location_id=1, provider_id=7, starts_at=at("18:00"), zone=LONDON)


@dataclass
class Entry:
    id: int
    joined_at: datetime
    location_id: int = 1
    provider_id: int | None = None
    first_day: date = DAY
    last_day: date = DAY
    parts: tuple = ()
    from_time: time | None = None
    until_time: time | None = None


def test_first_joined_first_served_among_those_it_suits():
    joined = datetime(2031, 3, 1, tzinfo=timezone.utc)
    entries = [Entry(5, joined + timedelta(hours=3)), Entry(2, joined + timedelta(hours=1), parts=("evening",)),
               Entry(9, joined), Entry(4, joined + timedelta(hours=2)), Entry(3, joined + timedelta(hours=2))]
    chosen = first_suited(entries, location_id=1, provider_id=7, starts_at=at("10:00"), zone=LONDON, limit=3)
    assert [e.id for e in chosen] == [9, 3, 4]
