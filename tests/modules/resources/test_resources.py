"""Resources: the engine offers a start only when a resource of the kind has room over the whole block;
booking (staff, online, moves) claims one inside the lock; the database refuses overlapping use."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules import availability
from app.modules.appointments import booking, lifecycle, staff_booking
from app.modules.availability.engine import PooledResource, ResourcePool, ResourceUse
from app.modules.resources import setup
from app.modules.resources.models import AppointmentResource, Resource
from tests.support import factories, services
from tests.support.practice import working

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")


def at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=LONDON).astimezone(UTC)


# --- the pure pool --------------------------------------------------------------------------

def test_a_room_of_one_has_no_room_over_any_overlap_and_buffers_count():
    day = date(2030, 6, 3)
    room = PooledResource(1, 1, [ResourceUse(9, at(day, "10:00"), at(day, "10:40"))])
    pool = ResourcePool([room])
    assert pool.free_resource(at(day, "09:30"), at(day, "10:00")) == 1  # touching is not overlapping ([) ranges)
    assert pool.free_resource(at(day, "10:30"), at(day, "11:00")) is None  # inside its after-buffer
    assert pool.free_resource(at(day, "10:30"), at(day, "11:00"), ignoring=9) == 1  # as when moving it
    starts = [at(day, "09:00"), at(day, "09:30"), at(day, "10:00"), at(day, "10:30"), at(day, "11:00")]
    # A block from 10 minutes before the start to 30 after: 09:30's ends as the use begins; 10:30's would
    # begin at 10:20, inside it; 11:00's begins at 10:50, after it.
    assert pool.with_room(starts, timedelta(minutes=10), timedelta(minutes=30)) == [
        at(day, "09:00"), at(day, "09:30"), at(day, "11:00")]


def test_a_capacity_of_two_takes_two_at_once_not_three():
    day = date(2030, 6, 3)
    chairs = PooledResource(5, 2, [ResourceUse(1, at(day, "10:00"), at(day, "11:00")),
                                   ResourceUse(2, at(day, "10:30"), at(day, "11:30"))])
    assert chairs.room(at(day, "09:00"), at(day, "10:00")) == 2
    assert chairs.room(at(day, "09:30"), at(day, "10:15")) == 1
    assert chairs.room(at(day, "10:30"), at(day, "11:00")) == 0  # both at once
    assert chairs.room(at(day, "11:00"), at(day, "12:00")) == 1  # the first has ended by then


def test_the_pool_prefers_the_resource_kept_then_the_roomiest_then_the_lowest_id():
    day = date(2030, 6, 3)
    busy = PooledResource(1, 2, [ResourceUse(1, at(day, "10:00"), at(day, "11:00"))])
    pool = ResourcePool([busy, PooledResource(2, 2), PooledResource(3, 2)])
    block = (at(day, "10:00"), at(day, "10:30"))
    assert pool.free_resource(*block) == 2
    assert pool.free_resource(*block, preferring=1) == 1


# --- a practice with one room ---------------------------------------------------------------

class Spa:
    def __init__(self):
        self.tenant = factories.tenant(timezone="Europe/London")
        self.location = factories.location(self.tenant, timezone="Europe/London")
        self.massage = factories.service(self.tenant, name="Massage", duration_minutes=60, buffer_after_minutes=15,
                                         resource_kind="treatment room")
        self.facial = factories.service(self.tenant, name="Facial", duration_minutes=30, resource_kind="treatment room")
        self.nails = factories.service(self.tenant, name="Nails", duration_minutes=30)
        self.ana = factories.provider(self.tenant, name="Ana", services=[self.massage, self.nails])
        self.bo = factories.provider(self.tenant, name="Bo", services=[self.facial, self.nails])
        factories.save(self.tenant, *working(self.tenant, self.ana, self.location, hours=("08:00", "20:00")),
                       *working(self.tenant, self.bo, self.location, hours=("08:00", "20:00")))
        with tenant_context(self.tenant):
            self.room = setup.create_resource(db.session, self.tenant, location=self.location, name="Room 1",
                                              kind="Treatment room", capacity=1, actor=None)
            db.session.flush()  # its audit event too, inside its tenant's scope
        self.day = clock.now().astimezone(LONDON).date() + timedelta(days=3)

    def book(self, service, provider, hhmm: str, day: date | None = None, **options):
        with tenant_context(self.tenant):
            made = staff_booking.book_by_staff(
                db.session, self.tenant, service=service, provider=provider, location=self.location,
                starts_at=at(day or self.day, hhmm), customer=factories.customer(self.tenant), notify=False,
                actor=None, now=clock.now(), **options,
            )
            db.session.flush()
            return made

    def starts(self, service, day: date | None = None) -> list[str]:
        day = day or self.day
        with tenant_context(self.tenant):
            calendar = availability.load(db.session, service=service, location=self.location, first_day=day, last_day=day)
            return [slot.label for slot in calendar.slots(clock.now())]

    def uses(self) -> list[tuple]:
        with tenant_context(self.tenant):
            return db.session.execute(
                sa.select(AppointmentResource.appointment_id, AppointmentResource.resource_id,
                          AppointmentResource.active, AppointmentResource.exclusive)
                .order_by(AppointmentResource.id)).all()


@pytest.fixture
def spa(app):
    return Spa()


def test_a_service_needing_the_room_is_not_offered_while_another_service_uses_it(spa):
    made = spa.book(spa.massage, spa.ana, "10:00")  # the room until 11:15, with the buffer
    assert spa.uses() == [(made.appointment_id, spa.room.id, True, True)]
    offered = spa.starts(spa.facial)
    # Bo is free all day, but not the room: from 09:45 (a 30-minute facial would run into it) to 11:15.
    assert "09:30" in offered and "11:15" in offered
    assert not {"09:45", "10:00", "10:30", "11:00"} & set(offered)
    assert "10:00" in spa.starts(spa.nails)  # a service that needs no room does not care


def test_staff_cannot_put_two_services_in_the_one_room_and_a_cancellation_frees_it(spa):
    first = spa.book(spa.massage, spa.ana, "10:00")
    with pytest.raises(staff_booking.Overlap, match="No room is free"):
        spa.book(spa.facial, spa.bo, "11:00", override_rules=True)  # inside the massage's buffer
    with tenant_context(spa.tenant):
        lifecycle.cancel(db.session, first.appointment, reason="Unwell", actor=None, now=clock.now())
    assert spa.uses()[0][2] is False
    second = spa.book(spa.facial, spa.bo, "11:00")
    assert spa.uses()[-1] == (second.appointment_id, spa.room.id, True, True)


def test_a_move_rechecks_the_room_and_carries_its_use(spa):
    spa.book(spa.massage, spa.ana, "10:00")
    facial = spa.book(spa.facial, spa.bo, "14:00")
    with tenant_context(spa.tenant):
        appointment = facial.appointment
        with pytest.raises(lifecycle.TimeTaken, match="No room is free"):
            lifecycle.move(db.session, appointment, starts_at=at(spa.day, "10:30"), provider=spa.bo,
                           duration_minutes=30, version=appointment.version, notify=False, actor=None, now=clock.now())
        db.session.refresh(appointment)
        lifecycle.move(db.session, appointment, starts_at=at(spa.day, "16:00"), provider=spa.bo,
                       duration_minutes=30, version=appointment.version, notify=False, actor=None, now=clock.now())
        use = db.session.scalar(sa.select(AppointmentResource).where(AppointmentResource.appointment_id == appointment.id))
        assert (use.blocked_from, use.blocked_until) == (at(spa.day, "16:00"), at(spa.day, "16:30"))
    assert "14:00" in spa.starts(spa.massage) and "15:30" not in spa.starts(spa.massage)


def test_a_customer_rescheduling_keeps_the_room_right(spa):
    with tenant_context(spa.tenant):
        db.session.execute(sa.update(type(spa.massage)).values(requires_approval=False))
    made = spa.book(spa.facial, spa.bo, "09:00")
    spa.book(spa.massage, spa.ana, "12:00")
    with tenant_context(spa.tenant):
        with pytest.raises(booking.SlotTaken):
            booking.reschedule(db.session, made, at(spa.day, "12:30"), now=clock.now())
        booking.reschedule(db.session, made, at(spa.day, "15:00"), now=clock.now())
    assert "09:00" in spa.starts(spa.massage) and "14:45" not in spa.starts(spa.massage)


def test_a_room_for_two_takes_two_and_refuses_a_third(spa):
    with tenant_context(spa.tenant):
        setup.update_resource(db.session, spa.room, location=spa.location, name="Big room", kind="treatment room",
                              capacity=2, actor=None)
    carol = factories.provider(spa.tenant, name="Carol", services=[spa.facial])
    factories.save(spa.tenant, *working(spa.tenant, carol, spa.location, hours=("08:00", "20:00")))
    spa.book(spa.massage, spa.ana, "10:00")
    spa.book(spa.facial, spa.bo, "10:30")
    assert [use[3] for use in spa.uses()] == [False, False]  # not exclusive: counted under the lock instead
    assert "10:30" not in spa.starts(spa.facial)  # Carol is free, the room is full
    with pytest.raises(staff_booking.Overlap, match="No room is free"):
        spa.book(spa.facial, carol, "10:30", override_rules=True)
    spa.book(spa.facial, carol, "11:15")  # the massage's buffer has ended: one use left


def test_a_deactivated_room_is_not_used_and_a_second_one_is(spa):
    spa.book(spa.massage, spa.ana, "10:00")
    with tenant_context(spa.tenant):
        other = setup.create_resource(db.session, spa.tenant, location=spa.location, name="Room 2",
                                      kind="treatment room", capacity=1, actor=None)
    made = spa.book(spa.facial, spa.bo, "10:00")
    assert spa.uses()[-1][:2] == (made.appointment_id, other.id)
    with tenant_context(spa.tenant):
        setup.set_resource_active(db.session, other, False, actor=None)
        setup.set_resource_active(db.session, spa.room, False, actor=None)
    assert spa.starts(spa.facial) == []  # no active room of the kind: nothing to offer
    with pytest.raises(staff_booking.Overlap, match="No room is free"):
        spa.book(spa.facial, spa.bo, "15:00", override_rules=True)


@pytest.mark.now("2031-03-26T09:00:00+00:00")
def test_on_the_day_clocks_go_forward_the_room_is_held_in_real_time(app):
    spa = Spa()
    day = date(2031, 3, 30)  # London jumps from 01:00 to 02:00
    made = spa.book(spa.massage, spa.ana, "00:30", day=day, override_rules=True)  # till 02:45 wall, 1h15 real
    with tenant_context(spa.tenant):
        use = db.session.scalar(sa.select(AppointmentResource).where(
            AppointmentResource.appointment_id == made.appointment_id))
        assert use.blocked_until - use.blocked_from == timedelta(minutes=75)
        assert use.blocked_until == at(day, "02:45")
    with pytest.raises(staff_booking.Overlap, match="No room is free"):
        spa.book(spa.facial, spa.bo, "02:30", day=day, override_rules=True)  # 01:30 UTC: inside the use
    spa.book(spa.facial, spa.bo, "02:45", day=day, override_rules=True)
    assert "08:00" in spa.starts(spa.facial, day) and len(spa.starts(spa.facial, day)) > 40


# --- the database's final word and the statement count ---------------------------------------

def test_the_exclusion_constraint_refuses_a_direct_overlapping_use(spa):
    services.require("postgres")
    first = spa.book(spa.massage, spa.ana, "10:00")
    second = spa.book(spa.facial, spa.bo, "14:00")
    db.session.commit()
    with tenant_context(spa.tenant):
        with pytest.raises(IntegrityError, match="ex_appointment_resources_no_overlap"):
            with db.session.begin_nested():
                db.session.execute(sa.update(AppointmentResource)
                                   .where(AppointmentResource.appointment_id == second.appointment_id)
                                   .values(blocked_from=at(spa.day, "11:00"), blocked_until=at(spa.day, "11:30")))
        # Not exclusive (a resource for several), or no longer active: the constraint lets it be.
        db.session.execute(sa.update(AppointmentResource)
                           .where(AppointmentResource.appointment_id == first.appointment_id).values(active=False))
        db.session.execute(sa.update(AppointmentResource)
                           .where(AppointmentResource.appointment_id == second.appointment_id)
                           .values(blocked_from=at(spa.day, "10:00"), blocked_until=at(spa.day, "10:30")))
        db.session.flush()


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)


def test_a_service_needing_a_resource_loads_in_one_more_statement_whatever_the_uses(spa, statements):
    for hhmm in ("08:00", "10:00", "12:00", "14:00"):
        spa.book(spa.massage, spa.ana, hhmm)
    db.session.commit()
    with tenant_context(spa.tenant):
        for service, expected in ((spa.nails, 3), (spa.facial, 4)):
            db.session.refresh(service)
            db.session.refresh(spa.location)
            statements.clear()
            calendar = availability.load(db.session, service=service, location=spa.location, first_day=spa.day,
                                         last_day=spa.day + timedelta(days=6))
            assert len(statements) == expected, statements
            assert (calendar.resources is None) == (service is spa.nails)
    assert len(calendar.resources.resources[0].uses) == 4


def test_another_tenants_resources_and_uses_are_not_seen(spa):
    other = Spa()
    other.book(other.facial, other.bo, "10:00")
    assert "10:00" in spa.starts(spa.facial)
    with tenant_context(spa.tenant):
        assert [r.name for r in setup.listing(db.session)] == ["Room 1"]
        assert db.session.scalar(sa.select(Resource).where(Resource.id == other.room.id)) is None
