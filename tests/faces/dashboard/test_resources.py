"""Rooms and resources as the practice meets them: the owner sets them up (audited), a service asks for one
of a kind, a customer and the front desk find the only room taken, and the calendar shows each room's
appointments in its column."""
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments import staff_booking
from app.modules.appointments.models import Appointment
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Service
from app.modules.resources import setup
from app.modules.resources.models import AppointmentResource, Resource
from tests.support import factories
from tests.support.booking import filled_form, service_url
from tests.support.clients import signed_in
from tests.support.database import scalars
from tests.support.pages import form_fields, html, key, text
from tests.support.practice import add, offering, working


def a_room(clinic, name="Surgery 1", capacity=1, kind="surgery") -> Resource:
    with tenant_context(clinic.tenant):
        room = setup.create_resource(db.session, clinic.tenant, location=clinic.london, name=name, kind=kind,
                                     capacity=capacity, actor=None)
        db.session.flush()
    return room


def one_surgery(clinic):
    """Dental check-ups (Chloe) and physiotherapy (Dana, also in London) both need the one surgery."""
    room = a_room(clinic)
    with tenant_context(clinic.tenant):
        dana = add(factories.Provider(tenant_id=clinic.tenant.id, name="Dana Reyes"))
        add(*working(clinic.tenant, dana, clinic.london), *offering(clinic.tenant, dana, clinic.physio))
        db.session.execute(sa.update(Service).where(Service.id.in_([clinic.dental.id, clinic.physio.id]))
                           .values(resource_kind="surgery"))
        db.session.commit()
    return room, dana


def chloe_books_dental(clinic, start):
    with tenant_context(clinic.tenant):
        made = staff_booking.book_by_staff(
            db.session, clinic.tenant, service=clinic.dental, provider=clinic.chloe, location=clinic.london,
            starts_at=start, customer=factories.customer(clinic.tenant, name="Grace Hopper"), notify=False,
            actor=None, now=clock.now())
        db.session.commit()
    return made


# --- set-up ---------------------------------------------------------------------------------

def test_owner_adds_a_room_sees_it_listed_and_every_change_is_audited(clinic, visitor):
    owner = signed_in(visitor, clinic)
    form = form_fields(html(owner.get("/dashboard/setup/resources/new")), "resource-form")
    response = owner.post("/dashboard/setup/resources/new", form | {
        "name": " Surgery  1 ", "kind": "Surgery", "location_id": str(clinic.london.id), "capacity": "1"})
    assert response.status_code == 303
    (room,) = scalars(clinic.tenant, select(Resource))
    assert (room.name, room.kind, room.capacity, room.location_id, room.active) == ("Surgery 1", "surgery", 1,
                                                                                   clinic.london.id, True)
    page = text(html(owner.get("/dashboard/setup/resources")))
    assert "Surgery 1" in page and "Harbour Street" in page and "Active" in page
    edit = form_fields(html(owner.get(f"/dashboard/setup/resources/{room.id}")), "resource-form")
    assert owner.post(f"/dashboard/setup/resources/{room.id}", edit | {"capacity": "3"}).status_code == 303
    assert f'action="/dashboard/setup/resources/{room.id}/deactivate"' in html(owner.get("/dashboard/setup/resources"))
    assert owner.post(f"/dashboard/setup/resources/{room.id}/deactivate", {}).status_code == 303
    assert "Deactivated" in text(html(owner.get("/dashboard/setup/resources")))
    events = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.entity_type == "Resource").order_by(AuditEvent.id))
    assert [e.action for e in events] == ["resource.create", "resource.update", "resource.deactivate"]
    assert events[1].details["before"]["capacity"] == 1 and events[1].details["after"]["capacity"] == 3
    assert events[0].actor_user_id is not None


def test_a_room_without_a_name_or_with_a_capacity_of_nought_is_refused_with_the_values_kept(clinic, visitor):
    owner = signed_in(visitor, clinic)
    form = form_fields(html(owner.get("/dashboard/setup/resources/new")), "resource-form")
    response = owner.post("/dashboard/setup/resources/new", form | {
        "name": "", "kind": "chair", "location_id": str(clinic.london.id), "capacity": "2"})
    assert response.status_code == 422
    assert "Give the resource a name." in text(html(response)) and 'value="chair"' in html(response)
    response = owner.post("/dashboard/setup/resources/new", form | {
        "name": "Chair A", "kind": "chair", "location_id": str(clinic.london.id), "capacity": "0"})
    assert response.status_code == 422 and "From 1 to 100" in text(html(response))
    assert 'value="Chair A"' in html(response)
    assert scalars(clinic.tenant, select(Resource)) == []


def test_a_service_asks_for_a_kind_the_practice_has(clinic, visitor):
    a_room(clinic)
    owner = signed_in(visitor, clinic)
    url = f"/dashboard/setup/services/{clinic.physio.id}/edit"
    page = html(owner.get(url))
    assert '<option value="surgery">Surgery</option>' in page
    form = form_fields(page, "service-form")
    assert owner.post(url, form | {"resource_kind": "surgery"}).status_code == 303
    assert scalars(clinic.tenant, select(Service.resource_kind).where(Service.id == clinic.physio.id)) == ["surgery"]
    response = owner.post(url, form | {"resource_kind": "spaceship"})
    assert response.status_code == 422 and "Choose one of the kinds" in text(html(response))
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "service.update"))
    assert (event.details["before"], event.details["after"]) == ({"resource_kind": None}, {"resource_kind": "surgery"})


# --- booking, as a customer and as the front desk ---------------------------------------------

def test_a_customer_is_not_offered_the_time_the_only_room_is_used_and_a_late_submit_gets_a_409(clinic, visitor):
    room, dana = one_surgery(clinic)
    start = clinic.at(clinic.day(3), "10:00")
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, start, service=clinic.physio, provider=dana.id)  # offered: the room is free
    chloe_books_dental(clinic, start)  # … until Chloe's patient takes it
    slots = html(guest.get(service_url(clinic, clinic.physio, provider=dana.id, day=clinic.day(3).isoformat())))
    assert key(start) not in slots and key(clinic.at(clinic.day(3), "11:00")) in slots
    response = guest.post(f"/services/{clinic.physio.id}/book", form, csrf=False)
    assert response.status_code == 409
    assert "just been taken" in text(html(response)) and 'class="slot"' in html(response)
    uses = scalars(clinic.tenant, select(AppointmentResource.resource_id))
    assert uses == [room.id]
    assert len(scalars(clinic.tenant, select(Appointment))) == 1


def test_a_customer_booking_gets_the_room_recorded(clinic, visitor):
    room, dana = one_surgery(clinic)
    start = clinic.at(clinic.day(3), "14:00")
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, start, service=clinic.physio, provider=dana.id)
    assert guest.post(f"/services/{clinic.physio.id}/book", form, csrf=False).status_code == 303
    (appointment,) = scalars(clinic.tenant, select(Appointment))
    (use,) = scalars(clinic.tenant, select(AppointmentResource))
    assert (use.appointment_id, use.resource_id, use.active, use.exclusive) == (appointment.id, room.id, True, True)
    assert (use.blocked_from, use.blocked_until) == (appointment.blocked_from, appointment.blocked_until)


def test_the_front_desk_cannot_put_a_second_service_in_the_room_even_outside_the_rules(clinic, visitor):
    room, dana = one_surgery(clinic)
    start = clinic.at(clinic.day(3), "10:00")
    chloe_books_dental(clinic, start)
    desk = signed_in(visitor, clinic, "staff")
    url = "/dashboard/appointments/new?" + urlencode(
        {"provider_id": dana.id, "location_id": clinic.london.id, "start": key(start)})
    form = form_fields(html(desk.get(url)), "new-appointment-form") | {
        "service_id": clinic.physio.id, "name": "Ada Lovelace", "email": "ada@example.com", "phone": "",
        "override_rules": "y"}
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 409
    assert "No room is free at that time" in text(html(response)) and 'value="Ada Lovelace"' in html(response)
    assert len(scalars(clinic.tenant, select(Appointment))) == 1


# --- the calendar by room ---------------------------------------------------------------------

def test_the_calendar_by_room_shows_each_appointment_in_its_rooms_column(clinic, visitor):
    room, dana = one_surgery(clinic)
    second = a_room(clinic, "Surgery 2")
    start = clinic.at(clinic.day(1), "10:00")
    made = chloe_books_dental(clinic, start)
    with tenant_context(clinic.tenant):
        other = staff_booking.book_by_staff(
            db.session, clinic.tenant, service=clinic.physio, provider=dana, location=clinic.london,
            starts_at=start, customer=factories.customer(clinic.tenant, name="Alan Turing"), notify=False,
            actor=None, now=clock.now())
        db.session.commit()
    desk = signed_in(visitor, clinic, "staff")
    page = html(desk.get(f"/dashboard/calendar/rooms?date={clinic.day(1).isoformat()}&location_id={clinic.london.id}"))
    assert "By room" in page
    first_column = page.split(f'id="col-room-{room.id}-{clinic.day(1).isoformat()}"', 1)[1].split('class="cal-col', 1)[0]
    second_column = page.split(f'id="col-room-{second.id}-{clinic.day(1).isoformat()}"', 1)[1].split("</section>", 1)[0]
    assert "Surgery 1" in first_column and "Grace Hopper" in first_column and "Alan Turing" not in first_column
    assert f"/dashboard/appointments/{made.appointment_id}" in first_column
    assert "Surgery 2" in second_column and "Alan Turing" in second_column
    assert f"/dashboard/appointments/{other.appointment_id}" in second_column
    assert "data-move-url" not in first_column  # moved by its page's form, not by dragging between rooms
    details = text(html(desk.get(f"/dashboard/appointments/{other.appointment_id}")))
    assert "Harbour Street, Surgery 2 (surgery)" in details


def test_a_provider_sees_only_their_own_appointments_in_the_rooms(clinic, visitor):
    room, dana = one_surgery(clinic)
    second = a_room(clinic, "Surgery 2")
    start = clinic.at(clinic.day(1), "10:00")
    chloe_books_dental(clinic, start)
    with tenant_context(clinic.tenant):
        staff_booking.book_by_staff(
            db.session, clinic.tenant, service=clinic.physio, provider=dana, location=clinic.london,
            starts_at=start, customer=factories.customer(clinic.tenant, name="Alan Turing"), notify=False,
            actor=None, now=clock.now())
        db.session.commit()
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        db.session.execute(sa.update(factories.Provider).where(factories.Provider.id == dana.id).values(user_id=user.id))
        db.session.commit()
    member = signed_in(visitor, clinic, user=user)
    url = f"/dashboard/calendar/rooms?date={clinic.day(1).isoformat()}&location_id={clinic.london.id}"
    page = text(html(member.get(url)))
    assert room.name in page and second.name in page
    assert "Alan Turing" in page and "Grace Hopper" not in page
