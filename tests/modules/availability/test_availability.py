"""The availability engine: pure computation over calendars, and loading them in three statements."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.appointments.models import Appointment
from app.modules.availability import loading
from app.modules.availability.engine import Booked, Calendar, Policy, ProviderCalendar
from app.modules.catalogue.models import LocationClosure
from app.modules.schedules.models import BookingPolicy, ScheduleOverride, TimeOff, WorkingHours
from tests.support import factories
from tests.support.practice import build_practice

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
MONDAY = date(2026, 6, 1)  # summer time: London is UTC+1
NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
NO_NOTICE = Policy(min_notice=timedelta(0), horizon=timedelta(days=365), interval=timedelta(minutes=30))


def at(hhmm: str, day: date = MONDAY) -> datetime:
    """A London wall-clock time on ``day`` as a UTC instant."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(UTC)


def provider(pid=1, *, hours=(("09:00", "12:00"),), duration=30, booked=(), time_off=(), overrides=None, days=range(7)):
    calendar = ProviderCalendar(pid, f"Provider {pid}", timedelta(minutes=duration), None)
    for weekday in days:
        calendar.weekly[weekday] = [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in hours]
    calendar.booked = list(booked)
    calendar.time_off = list(time_off)
    calendar.overrides = overrides or {}
    return calendar


def calendar(*providers, policy=NO_NOTICE, first=MONDAY, last=MONDAY, capacity=1, before=0, after=0, closures=()):
    return Calendar(
        service_id=10, location_id=20, zone=LONDON, capacity=capacity,
        buffer_before=timedelta(minutes=before), buffer_after=timedelta(minutes=after),
        policy=policy, first_day=first, last_day=last, closures=set(closures), providers=list(providers),
    )


def booked(start: str, end: str, *, before=0, after=0, service_id=99, seats=1, appointment_id=1) -> Booked:
    starts, ends = at(start), at(end)
    return Booked(appointment_id, service_id, 20, starts, starts - timedelta(minutes=before), ends + timedelta(minutes=after), seats)


def labels(slots) -> list[str]:
    return [slot.label for slot in slots]


def test_slots_step_through_working_hours_in_the_locations_wall_clock():
    slots = calendar(provider()).slots(NOW)
    assert labels(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert slots[0].starts_at == datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
    assert all(slot.ends_at - slot.starts_at == timedelta(minutes=30) for slot in slots)


def test_a_slot_must_end_within_the_interval():
    slots = calendar(provider(duration=70)).slots(NOW)
    assert labels(slots) == ["09:00", "09:30", "10:00", "10:30"]  # 11:00 + 70 min would pass 12:00


def test_several_intervals_a_day():
    slots = calendar(provider(hours=(("09:00", "10:00"), ("14:00", "15:00")))).slots(NOW)
    assert labels(slots) == ["09:00", "09:30", "14:00", "14:30"]


def test_existing_appointments_block_their_time_and_their_buffers():
    # 10:00–10:30 with a 15-minute buffer after: blocked until 10:45.
    busy = provider(booked=[booked("10:00", "10:30", after=15)])
    assert labels(calendar(busy).slots(NOW)) == ["09:00", "09:30", "11:00", "11:30"]


def test_the_new_services_buffers_count_too():
    # 15 minutes before: a 10:30 start would block [10:15, 11:00), overlapping 10:00–10:30.
    busy = provider(booked=[booked("10:00", "10:30")])
    assert labels(calendar(busy, before=15).slots(NOW)) == ["09:00", "09:30", "11:00", "11:30"]
    # 15 minutes after: a 09:30 start would block [09:30, 10:15).
    assert labels(calendar(busy, after=15).slots(NOW)) == ["09:00", "10:30", "11:00", "11:30"]


def test_back_to_back_appointments_fit_because_ranges_are_half_open():
    busy = provider(booked=[booked("09:30", "10:00")])
    assert "10:00" in labels(calendar(busy).slots(NOW))
    assert "09:00" in labels(calendar(busy).slots(NOW))


def test_minimum_notice_and_maximum_horizon():
    policy = Policy(min_notice=timedelta(hours=2), horizon=timedelta(days=2), interval=timedelta(minutes=30))
    now = at("08:15")
    slots = calendar(provider(), policy=policy, last=MONDAY + timedelta(days=5)).slots(now)
    assert slots[0].label == "10:30"  # 08:15 + 2 h = 10:15, next slot 10:30
    assert max(slot.starts_at for slot in slots) <= now + timedelta(days=2)
    # Wednesday's first slot (09:00) is past 08:15 two days on: beyond the horizon.
    assert {slot.local_start.date() for slot in slots} == {MONDAY, MONDAY + timedelta(days=1)}


def test_an_override_replaces_the_weekly_hours_and_a_day_off_removes_them():
    tuesday = MONDAY + timedelta(days=1)
    overrides = {MONDAY: [(time(13), time(14))], tuesday: []}
    slots = calendar(provider(overrides=overrides), last=tuesday + timedelta(days=1)).slots(NOW)
    by_day = {}
    for slot in slots:
        by_day.setdefault(slot.local_start.date(), []).append(slot.label)
    assert by_day[MONDAY] == ["13:00", "13:30"]
    assert tuesday not in by_day
    assert by_day[tuesday + timedelta(days=1)][0] == "09:00"


def test_time_off_and_location_closures():
    away = provider(time_off=[(at("09:45"), at("11:00"))])
    assert labels(calendar(away).slots(NOW)) == ["09:00", "11:00", "11:30"]
    assert calendar(provider(), closures=[MONDAY]).slots(NOW) == []


def test_group_session_shows_seats_left_and_a_full_session_is_not_offered():
    session = booked("10:00", "10:30", service_id=10, seats=4)
    slots = calendar(provider(booked=[session]), capacity=6).slots(NOW)
    at_ten = next(slot for slot in slots if slot.label == "10:00")
    assert at_ten.seats_left == 2
    assert next(slot for slot in slots if slot.label == "09:00").seats_left == 6
    full = booked("10:00", "10:30", service_id=10, seats=6)
    assert "10:00" not in labels(calendar(provider(booked=[full]), capacity=6).slots(NOW))


def test_a_group_session_still_blocks_overlapping_starts_and_other_services():
    session = booked("10:00", "10:30", service_id=10, seats=1)
    assert "10:30" in labels(calendar(provider(booked=[session], duration=30), capacity=6).slots(NOW))
    one_on_one = calendar(provider(booked=[session]))  # service 10 at capacity 1: the session is just busy time
    assert "10:00" not in labels(one_on_one.slots(NOW))


def test_any_provider_offers_the_union_and_assigns_the_least_busy_deterministically():
    early = provider(1, hours=(("09:00", "10:00"),), booked=[booked("09:30", "10:00", appointment_id=5)])
    late = provider(2, hours=(("09:30", "11:00"),))
    cal = calendar(early, late)
    slots = cal.slots(NOW)
    assert labels(slots) == ["09:00", "09:30", "10:00", "10:30"]
    by_label = {slot.label: slot for slot in slots}
    assert by_label["09:00"].provider_ids == (1,)
    assert by_label["09:30"].provider_ids == (2,)
    both = calendar(provider(1), provider(2))
    slot = both.slots(NOW)[0]
    assert slot.provider_ids == (1, 2)
    assert both.least_busy(slot) == 1  # tie on zero appointments: the lower id
    busier = calendar(provider(1, booked=[booked("11:30", "12:00")]), provider(2))
    assert busier.least_busy(busier.slots(NOW)[0]) == 2


def test_offered_when_free_tells_taken_from_never_offered():
    cal = calendar(provider(booked=[booked("10:00", "10:30")]))
    assert cal.slot_at(at("10:00"), NOW) is None
    assert cal.offered_when_free(at("10:00"), NOW)
    assert not cal.offered_when_free(at("10:10"), NOW)  # off the grid
    assert not cal.offered_when_free(at("13:00"), NOW)  # outside hours


@st.composite
def busy_days(draw):
    """A working day with random bookings, time off, buffers, lengths, step and notice."""
    minutes = st.integers(min_value=0, max_value=12 * 60)
    bookings = draw(st.lists(st.tuples(minutes, st.integers(min_value=5, max_value=120)), max_size=12))
    time_off = draw(st.lists(st.tuples(minutes, st.integers(min_value=5, max_value=180)), max_size=3))
    return dict(
        duration=draw(st.sampled_from([15, 20, 30, 45, 50, 60, 90])),
        interval=draw(st.sampled_from([5, 10, 15, 20, 30, 60])),
        before=draw(st.sampled_from([0, 5, 10, 15])), after=draw(st.sampled_from([0, 5, 10, 30])),
        notice=draw(st.integers(min_value=0, max_value=10 * 60)),
        bookings=bookings, time_off=time_off,
    )


@settings(max_examples=300, deadline=None)
@given(busy_days())
def test_the_starts_offered_are_exactly_those_a_step_by_step_check_finds(day):
    """The engine skips past busy time in one jump; it must offer just what checking every step would."""
    opens = at("08:00")
    instant = lambda minute: opens + timedelta(minutes=minute)  # noqa: E731
    busy = [(instant(m), instant(m + length)) for m, length in day["bookings"] + day["time_off"]]
    calendar_ = calendar(
        provider(hours=(("08:00", "20:00"),), duration=day["duration"],
                 booked=[Booked(n, 99, 20, a, a, b, 1) for n, (a, b) in enumerate(busy[:len(day["bookings"])])],
                 time_off=busy[len(day["bookings"]):]),
        policy=Policy(min_notice=timedelta(minutes=day["notice"]), horizon=timedelta(days=365),
                      interval=timedelta(minutes=day["interval"])),
        before=day["before"], after=day["after"],
    )
    now = opens
    duration, step = timedelta(minutes=day["duration"]), timedelta(minutes=day["interval"])
    before, after = timedelta(minutes=day["before"]), timedelta(minutes=day["after"])
    expected, start = [], opens
    while start + duration <= at("20:00"):
        clear = all(not (a < start + duration + after and start - before < b) for a, b in busy)
        if clear and start >= now + timedelta(minutes=day["notice"]):
            expected.append(start)
        start += step
    assert [slot.starts_at for slot in calendar_.slots(now)] == expected


def test_a_weeks_offers_count_each_local_day_and_make_one_days_slots_across_the_clocks_going_back():
    """The picker counts a week's starts per day and makes slots of one day only: the counts and that
    day's slots are those of the whole week's slots, on the week London's clocks go back (25 October 2026)."""
    monday, sunday = date(2026, 10, 19), date(2026, 10, 25)
    week = calendar(
        provider(1, hours=(("00:00", "03:00"), ("09:00", "12:00")), time_off=[(at("10:00", monday), at("10:30", monday))]),
        provider(2, hours=(("00:30", "02:30"), ("23:00", "23:59")), duration=45),
        first=monday, last=sunday,
    )
    every_slot = week.slots(NOW)
    offers = week.offers(NOW)

    assert offers.per_day() == availability.days_with_slots(every_slot)
    assert offers.per_day()[sunday] > offers.per_day()[monday]  # the repeated hour gives Sunday more starts
    for day in week.days():
        assert offers.slots(day) == [slot for slot in every_slot if slot.local_start.date() == day]
    assert offers.slots() == every_slot


# --- loading from the database -------------------------------------------------------------

@pytest.fixture
def statements(app):
    """Collect every SQL statement the engine sends."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def clinic(app):
    tenant = factories.tenant("clinic", timezone="Europe/London")
    location = factories.location(tenant, timezone="Europe/London")
    service = factories.service(tenant, duration_minutes=30, buffer_after_minutes=10)
    providers = [factories.provider(tenant, location=location, services=[service]) for _ in range(3)]
    with tenant_context(tenant):
        db.session.execute(sa.update(WorkingHours).values(starts_at=time(8), ends_at=time(18)))
        db.session.add(WorkingHours(tenant_id=tenant.id, provider_id=providers[0].id, location_id=location.id, weekday=5, starts_at=time(9), ends_at=time(12)))
        db.session.commit()
    return tenant, location, service, providers


def load_week(service, location, first=date(2030, 6, 3), **kwargs):
    return availability.load(db.session, service=service, location=location, first_day=first, last_day=first + timedelta(days=6), **kwargs)


def seed_appointments(tenant, location, service, providers, count: int) -> None:
    """``count`` back-to-back appointments spread over the providers, around the loaded week."""
    start = datetime(2030, 5, 1, 8, tzinfo=UTC)
    rows = []
    for n in range(count):
        provider = providers[n % len(providers)]
        starts = start + timedelta(minutes=40 * (n // len(providers)))
        rows.append(dict(
            tenant_id=tenant.id, location_id=location.id, provider_id=provider.id, service_id=service.id,
            starts_at=starts, ends_at=starts + timedelta(minutes=30), blocked_from=starts,
            blocked_until=starts + timedelta(minutes=40), status="confirmed", capacity=1, price=0,
            source="online", manage_token=f"token-{n}",
        ))
    with tenant_context(tenant):
        db.session.execute(sa.insert(Appointment), rows)
        db.session.commit()


@pytest.mark.parametrize("appointments", [0, 10_000])
def test_loading_takes_at_most_three_statements_whatever_the_data(clinic, statements, appointments):
    tenant, location, service, providers = clinic
    if appointments:
        seed_appointments(tenant, location, service, providers, appointments)
    with tenant_context(tenant):
        db.session.refresh(service)
        db.session.refresh(location)
        statements.clear()
        cal = load_week(service, location)
        for weeks in (1, 4):
            availability.load(db.session, service=service, location=location, first_day=date(2030, 6, 3), last_day=date(2030, 6, 3) + timedelta(weeks=weeks))
    assert len(statements) == 3 * 3, statements
    assert len(cal.providers) == 3


def test_loaded_calendar_honours_every_kind_of_rule(clinic):
    tenant, location, service, providers = clinic
    first, second, third = providers
    monday = date(2030, 6, 3)
    with tenant_context(tenant):
        db.session.add_all([
            BookingPolicy(tenant_id=tenant.id, service_id=service.id, min_notice_minutes=0, slot_interval_minutes=60, max_horizon_days=9999),
            ScheduleOverride(tenant_id=tenant.id, provider_id=first.id, location_id=location.id, on_date=monday, is_day_off=True),
            ScheduleOverride(tenant_id=tenant.id, provider_id=second.id, location_id=location.id, on_date=monday, starts_at=time(19), ends_at=time(20)),
            TimeOff(tenant_id=tenant.id, provider_id=third.id, starts_at=datetime(2030, 6, 3, 7, tzinfo=UTC), ends_at=datetime(2030, 6, 4, 0, tzinfo=UTC)),
            LocationClosure(tenant_id=tenant.id, location_id=location.id, starts_on=monday + timedelta(days=1), ends_on=monday + timedelta(days=1)),
        ])
        db.session.commit()
        cal = load_week(service, location)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    slots = cal.slots(now)
    monday_slots = [s for s in slots if s.local_start.date() == monday]
    assert [(s.label, s.provider_ids) for s in monday_slots] == [("19:00", (second.id,))]
    assert not any(s.local_start.date() == monday + timedelta(days=1) for s in slots)
    assert cal.policy.interval == timedelta(minutes=60)


def test_another_tenants_appointments_do_not_block(clinic):
    tenant, location, service, providers = clinic
    other = build_practice("other")
    factories.appointment(
        other["tenant"], location=other["location"], provider=other["provider"], service=other["service"],
        customer=other["customer"], starts_at=datetime(2030, 6, 3, 9, tzinfo=UTC),
    )
    with tenant_context(tenant):
        cal = load_week(service, location)
    assert all(not p.booked for p in cal.providers)


def test_the_appointments_read_from_the_core_table_are_still_only_the_tenants(clinic):
    """The booked times are read outside the ORM's automatic scope: their statement names the tenant
    itself, so even another tenant's provider ids find nothing."""
    tenant, location, service, providers = clinic
    other = build_practice("other")
    factories.appointment(
        other["tenant"], location=other["location"], provider=other["provider"], service=other["service"],
        customer=other["customer"], starts_at=datetime(2030, 6, 3, 9, tzinfo=UTC),
    )
    window = (datetime(2030, 6, 3, tzinfo=UTC), datetime(2030, 6, 4, tzinfo=UTC))
    theirs = ProviderCalendar(other["provider"].id, "theirs", timedelta(minutes=30), None)
    with tenant_context(tenant):
        loading._load_booked(db.session, tenant.id, {theirs.provider_id: theirs}, *window, None)
    assert theirs.booked == []
    with tenant_context(other["tenant"]):
        loading._load_booked(db.session, other["tenant"].id, {theirs.provider_id: theirs}, *window, None)
    assert [b.starts_at for b in theirs.booked] == [datetime(2030, 6, 3, 9, tzinfo=UTC)]
