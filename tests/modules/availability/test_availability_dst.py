"""Slots across daylight-saving changes, in three hemispheres' zones.

On the spring date the skipped hour holds no slot; on the autumn date the
repeated hour gives distinct instants, never duplicates; every slot lasts
exactly its duration in UTC; labels show the configured wall-clock times.
"""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.modules.availability.engine import Calendar, Policy, ProviderCalendar, resolve

UTC = timezone.utc
EVERY_15 = Policy(min_notice=timedelta(0), horizon=timedelta(days=3650), interval=timedelta(minutes=15))
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)

# zone, date clocks go forward (an hour is skipped), the skipped local hour, date they go back, the repeated hour
TRANSITIONS = [
    ("America/New_York", date(2026, 3, 8), 2, date(2026, 11, 1), 1),
    ("Europe/London", date(2026, 3, 29), 1, date(2026, 10, 25), 1),
    ("Australia/Sydney", date(2026, 10, 4), 2, date(2026, 4, 5), 2),
]


def slots_on(zone_name: str, day: date, hours: tuple[str, str], duration: int = 30):
    provider = ProviderCalendar(1, "P", timedelta(minutes=duration), None)
    provider.weekly[day.weekday()] = [(time.fromisoformat(hours[0]), time.fromisoformat(hours[1]))]
    calendar = Calendar(
        service_id=1, location_id=1, zone=ZoneInfo(zone_name), capacity=1, buffer_before=timedelta(0),
        buffer_after=timedelta(0), policy=EVERY_15, first_day=day, last_day=day, providers=[provider],
    )
    return calendar.slots(LONG_AGO)


def wall_clock_grid(start: str, end: str, duration: int) -> list[str]:
    """The labels a day without any transition shows: every 15 minutes while the slot fits."""
    cursor = datetime.combine(date(2026, 1, 1), time.fromisoformat(start))
    stop = datetime.combine(date(2026, 1, 1), time.fromisoformat(end))
    labels = []
    while cursor + timedelta(minutes=duration) <= stop:
        labels.append(cursor.strftime("%H:%M"))
        cursor += timedelta(minutes=15)
    return labels


def both_transitions():
    for zone, spring, skipped, autumn, repeated in TRANSITIONS:
        yield pytest.param(zone, spring, id=f"{zone}-spring")
        yield pytest.param(zone, autumn, id=f"{zone}-autumn")


@pytest.mark.parametrize("zone,day", list(both_transitions()))
@pytest.mark.parametrize("hours", [("09:00", "12:30"), ("13:30", "18:00")], ids=["morning", "afternoon"])
def test_daytime_schedules_keep_their_wall_clock_labels_on_transition_days(zone, day, hours):
    slots = slots_on(zone, day, hours)
    assert [slot.label for slot in slots] == wall_clock_grid(*hours, duration=30)
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)
    assert all(slot.local_start.date() == day for slot in slots)


@pytest.mark.parametrize("zone,spring,skipped,autumn,repeated", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_no_slot_falls_in_the_skipped_hour(zone, spring, skipped, autumn, repeated):
    slots = slots_on(zone, spring, ("00:00", "06:00"))
    hours_shown = {slot.local_start.hour for slot in slots}
    assert skipped not in hours_shown
    assert hours_shown == set(range(6)) - {skipped}
    # Five real hours of work; the last slot ends exactly at the configured 06:00.
    assert slots[-1].local_end.strftime("%H:%M") == "06:00"
    assert slots[-1].ends_at - slots[0].starts_at == timedelta(hours=5)
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)
    instants = [slot.starts_at for slot in slots]
    assert all(later - earlier == timedelta(minutes=15) for earlier, later in zip(instants, instants[1:]))


@pytest.mark.parametrize("zone,spring,skipped,autumn,repeated", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_the_repeated_hour_has_no_duplicates_and_no_gaps(zone, spring, skipped, autumn, repeated):
    slots = slots_on(zone, autumn, ("00:00", "06:00"))
    instants = [slot.starts_at for slot in slots]
    assert len(instants) == len(set(instants))
    # Seven real hours between 00:00 and 06:00: every 15 minutes, without a gap.
    assert all(later - earlier == timedelta(minutes=15) for earlier, later in zip(instants, instants[1:]))
    assert slots[-1].ends_at - slots[0].starts_at == timedelta(hours=7)
    # The repeated hour appears twice on the wall clock, told apart by its UTC offset.
    repeated_labels = [s.local_start.strftime("%H:%M %Z") for s in slots if s.local_start.hour == repeated]
    assert len(repeated_labels) == 8 and len(set(repeated_labels)) == 8
    assert len({s.local_start.utcoffset() for s in slots if s.local_start.hour == repeated}) == 2
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)


@pytest.mark.parametrize("zone,spring,skipped,autumn,repeated", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_a_slot_spanning_the_change_lasts_its_exact_duration(zone, spring, skipped, autumn, repeated):
    for day in (spring, autumn):
        for slot in slots_on(zone, day, ("00:00", "06:00"), duration=90):
            assert slot.ends_at - slot.starts_at == timedelta(minutes=90)


@pytest.mark.parametrize("zone,spring,skipped,autumn,repeated", TRANSITIONS, ids=[t[0] for t in TRANSITIONS])
def test_resolving_wall_clock_times_on_transition_days(zone, spring, skipped, autumn, repeated):
    tz = ZoneInfo(zone)
    in_gap = time(skipped, 30)
    jump = resolve(spring, in_gap, tz, earliest=True)
    assert jump.astimezone(tz).strftime("%H:%M") == f"{skipped + 1:02d}:00"
    first = resolve(autumn, time(repeated, 30), tz, earliest=True)
    second = resolve(autumn, time(repeated, 30), tz, earliest=False)
    assert second - first == timedelta(hours=1)
    assert first.astimezone(tz).strftime("%H:%M") == second.astimezone(tz).strftime("%H:%M") == f"{repeated:02d}:30"
