"""Booking from the calendar as staff: the form (page or dialog), the customer found or created, the
online rules overridden only on purpose, never an overlap, walk-ins, and who may book where."""
from urllib.parse import urlencode

import pytest
from sqlalchemy import select

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.customers.models import Customer
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import scalars
from tests.support.pages import form_fields, html, key, text

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")

NEW_CUSTOMER = {"name": "Ada Lovelace", "email": "Ada@Example.com", "phone": "07911 123456"}


def new_url(clinic, start, provider=None, location=None, **more) -> str:
    provider, location = provider or clinic.chloe, location or clinic.london
    return "/dashboard/appointments/new?" + urlencode(
        {"provider_id": provider.id, "location_id": location.id, "start": key(start), **more})


def filled(member, clinic, start, *, provider=None, location=None, **values) -> dict:
    """The create form as served for ``start``, filled in for a new customer's dental check-up."""
    page = member.get(new_url(clinic, start, provider, location))
    assert page.status_code == 200, text(html(page))[:300]
    return form_fields(html(page), "new-appointment-form") | {"service_id": clinic.dental.id} | NEW_CUSTOMER | values


def appointments(clinic):
    return scalars(clinic.tenant, select(Appointment).order_by(Appointment.starts_at))


def test_book_a_new_customer_into_an_empty_slot(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(3), "10:00")
    page = html(desk.get(new_url(clinic, start)))
    assert "Chloe Martin" in page and "Harbour Street" in page and "10:00 GMT" in page
    assert '<input checked id="notify" name="notify" type="checkbox"' in page  # on by default
    form = filled(desk, clinic, start, note="Prefers the window chair")
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 303
    (made,) = appointments(clinic)
    assert response.headers["Location"].endswith(f"/dashboard/appointments/{made.id}")
    assert (made.source, made.status, made.starts_at, made.provider_id) == ("staff", "confirmed", start, clinic.chloe.id)
    assert made.internal_notes == "Prefers the window chair" and made.price == 4500
    (customer,) = scalars(clinic.tenant, select(Customer))
    assert (customer.name, customer.email, customer.phone) == ("Ada Lovelace", "ada@example.com", "+447911123456")
    (participant,) = scalars(clinic.tenant, select(AppointmentParticipant))
    assert (participant.appointment_id, participant.customer_id, participant.seats) == (made.id, customer.id, 1)
    kinds = scalars(clinic.tenant, select(Notification.kind).where(Notification.appointment_id == made.id)
                    .order_by(Notification.id))
    assert kinds[0] == "booking_confirmed" and set(kinds[1:]) <= {"reminder"}
    (confirmation,) = scalars(clinic.tenant, select(Notification).where(Notification.kind == "booking_confirmed"))
    assert (confirmation.recipient, confirmation.status) == ("ada@example.com", "queued")
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "appointment.booked_by_staff"))
    assert event.entity_id == made.id and event.details["customer_id"] == customer.id
    created = scalars(clinic.tenant, select(AuditEvent.entity_id).where(AuditEvent.action == "customer.created"))
    assert created == [customer.id]
    assert "Ada Lovelace" in text(html(desk.get(f"/dashboard/appointments/{made.id}")))


def test_a_double_submitted_form_books_once(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    form = filled(desk, clinic, clinic.at(clinic.day(3), "10:00"))
    assert desk.post("/dashboard/appointments/new", form).status_code == 303
    assert desk.post("/dashboard/appointments/new", form).status_code == 303
    assert len(appointments(clinic)) == 1


def test_unticked_notify_sends_nothing(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    form = filled(desk, clinic, clinic.at(clinic.day(3), "10:00"))
    del form["notify"]
    assert desk.post("/dashboard/appointments/new", form).status_code == 303
    assert len(appointments(clinic)) == 1
    assert scalars(clinic.tenant, select(Notification)) == []


def test_with_htmx_the_form_is_a_dialog_and_success_is_a_calendar_change(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(3), "11:00")
    dialog = html(desk.get(new_url(clinic, start), htmx=True))
    assert dialog.lstrip().startswith('<dialog open class="appointment-dialog"') and "<html" not in dialog
    assert 'aria-labelledby="new-appointment-title"' in dialog and '<form method="dialog">' in dialog
    assert 'hx-trigger="input changed delay:300ms, search"' in dialog
    form = form_fields(dialog, "new-appointment-form") | {"service_id": clinic.dental.id} | NEW_CUSTOMER
    response = desk.post("/dashboard/appointments/new", form, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Trigger"] == "calendar-changed"
    assert [a.starts_at for a in appointments(clinic)] == [start]


def test_services_are_only_those_the_provider_offers_there(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    chloe_page = html(desk.get(new_url(clinic, clinic.at(clinic.day(3), "10:00"))))
    for offered in ("Dental check-up", "Pilates group class", "Physiotherapy session"):
        assert offered in chloe_page
    assert "Retired treatment" not in chloe_page
    start = clinic.at(clinic.day(3), "10:00", clinic.brooklyn)
    ben_page = html(desk.get(new_url(clinic, start, clinic.ben, clinic.brooklyn)))
    assert "Dental check-up" in ben_page and "Pilates" not in ben_page and "Physiotherapy" not in ben_page
    form = filled(desk, clinic, start, provider=clinic.ben, location=clinic.brooklyn, service_id=clinic.pilates.id)
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 422
    assert "Choose one of this provider" in html(response) and 'value="Ada Lovelace"' in html(response)
    assert appointments(clinic) == []


def test_an_overlap_is_a_409_naming_the_appointment_in_the_way(clinic, visitor):
    grace = factories.customer(clinic.tenant, name="Grace Hopper")
    start = clinic.at(clinic.day(3), "10:00")
    existing = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe,
                                     service=clinic.dental, customer=grace, starts_at=start)
    desk = signed_in(visitor, clinic, "staff")
    before = len(scalars(clinic.tenant, select(Customer)))
    form = filled(desk, clinic, clinic.at(clinic.day(3), "10:30"), override_rules="y")  # inside the buffer after
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 409
    page = text(html(response))
    assert "Chloe Martin already has Dental check-up with Grace Hopper" in page and "10:00–10:30" in page
    assert f"/dashboard/appointments/{existing.id}" in html(response) and 'value="Ada Lovelace"' in html(response)
    assert [a.id for a in appointments(clinic)] == [existing.id]
    assert len(scalars(clinic.tenant, select(Customer))) == before
    assert scalars(clinic.tenant, select(Notification)) == []
    assert scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "appointment.booked_by_staff")) == []


def test_outside_hours_is_refused_without_the_override_and_booked_with_it(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    evening = clinic.at(clinic.day(3), "18:00")
    form = filled(desk, clinic, evening)
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 422
    page = html(response)
    assert "outside Chloe Martin’s working hours at Harbour Street (that day: 09:00–17:00)" in page
    assert "Book outside the online rules" in page and 'value="Ada Lovelace"' in page
    assert appointments(clinic) == []
    assert desk.post("/dashboard/appointments/new", form | {"override_rules": "y"}).status_code == 303
    (made,) = appointments(clinic)
    assert made.starts_at == evening
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "appointment.booked_by_staff"))
    assert event.details["outside_rules"] is True


def test_inside_the_notice_and_beyond_the_horizon_say_which_rule(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    soon = filled(desk, clinic, clinic.at(clinic.day(0), "10:00"))  # half an hour from now, inside the hour's notice
    assert "inside the minimum notice of 1 hour" in html(desk.post("/dashboard/appointments/new", soon))
    far = filled(desk, clinic, clinic.at(clinic.day(90), "10:00"))
    assert "beyond the booking horizon of 60 days" in html(desk.post("/dashboard/appointments/new", far))
    assert appointments(clinic) == []


def test_active_search_finds_by_name_email_and_phone(clinic, visitor):
    factories.customer(clinic.tenant, name="Grace Hopper", email="admiral@navy.example", phone="+447400123456")
    factories.customer(clinic.tenant, name="Alan Turing", email="alan@example.com")
    desk = signed_in(visitor, clinic, "staff")
    for q in ("hopp", "ADMIRAL@", "07400 123456", "123456"):
        found = html(desk.get("/dashboard/customers/search?" + urlencode({"q": q}), htmx=True))
        assert "Grace Hopper" in found and "Alan Turing" not in found, q
        assert 'type="radio" name="customer_id"' in found and 'form="new-appointment-form"' in found
    assert "No customer matches" in html(desk.get("/dashboard/customers/search?q=nobody", htmx=True))
    # Without JavaScript the search re-renders the create page with the choices.
    start = clinic.at(clinic.day(3), "10:00")
    page = html(desk.get(new_url(clinic, start, q="turing")))
    assert "Alan Turing" in page and "Grace Hopper" not in page and "New appointment" in page


def test_book_a_customer_found_by_the_search(clinic, visitor):
    grace = factories.customer(clinic.tenant, name="Grace Hopper", email="grace@example.com")
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(3), "10:00")
    form = filled(desk, clinic, start, customer_id=grace.id, name="", email="", phone="")
    refused = desk.post("/dashboard/appointments/new", form | {"start": key(clinic.at(clinic.day(3), "20:00"))})
    assert refused.status_code == 422  # outside hours: Grace stays picked
    assert f'name="customer_id" value="{grace.id}" form="new-appointment-form" checked' in html(refused)
    assert desk.post("/dashboard/appointments/new", form).status_code == 303
    (participant,) = scalars(clinic.tenant, select(AppointmentParticipant))
    assert participant.customer_id == grace.id
    assert len(scalars(clinic.tenant, select(Customer))) == 1


def test_a_group_session_takes_seats(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(3), "12:00")
    assert desk.post("/dashboard/appointments/new", filled(desk, clinic, start, service_id=clinic.pilates.id,
                                                            seats="4")).status_code == 303
    second = filled(desk, clinic, start, service_id=clinic.pilates.id, seats="3", email="bob@example.com", name="Bob")
    response = desk.post("/dashboard/appointments/new", second)
    assert response.status_code == 422 and "Only 2 places are left" in html(response)
    assert desk.post("/dashboard/appointments/new", second | {"seats": "2"}).status_code == 303
    (session,) = appointments(clinic)
    assert sorted(p.seats for p in scalars(clinic.tenant, select(AppointmentParticipant))) == [2, 4]
    assert session.capacity == 6


def test_inline_customer_details_are_validated_with_values_kept(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    form = filled(desk, clinic, clinic.at(clinic.day(3), "10:00"), email="not-an-email", phone="12", note="Keep me")
    response = desk.post("/dashboard/appointments/new", form)
    assert response.status_code == 422
    page = html(response)
    assert "not a valid email address" in text(page).lower() or "must have an @-sign" in page
    assert "does not look like a phone number" in page or "phone number is not valid" in page
    assert 'value="Ada Lovelace"' in page and 'value="not-an-email"' in page and "Keep me" in page
    missing = desk.post("/dashboard/appointments/new", form | {"name": "", "email": ""})
    assert missing.status_code == 422 and "Choose a customer from the search, or give the new customer" in html(missing)
    assert appointments(clinic) == [] and scalars(clinic.tenant, select(Customer)) == []


def test_walk_in_books_the_first_free_time_today(clinic, visitor, clock):
    # Now 09:30 in London; Chloe is busy until 10:15 (10:00 check-up, 10 minutes' buffer after).
    grace = factories.customer(clinic.tenant, name="Grace Hopper")
    today = clinic.day(0)
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=grace, starts_at=clinic.at(today, "09:30"))
    desk = signed_in(visitor, clinic, "staff")
    form = filled(desk, clinic, clinic.at(today, "16:00"), name="Walk In Person", email="walkin@example.com")
    response = desk.post("/dashboard/appointments/walk-in", form)
    assert response.status_code == 303
    made = appointments(clinic)[-1]
    assert made.starts_at == clinic.at(today, "10:15") and made.source == "staff"
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "appointment.booked_by_staff"))
    assert event.details["walk_in"] is True


def test_a_walk_in_before_opening_goes_in_at_the_start_of_the_providers_hours(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(0, clinic.brooklyn), "11:00", clinic.brooklyn)
    form = filled(desk, clinic, start, provider=clinic.ben, location=clinic.brooklyn, phone="(212) 555-0143")
    # 04:30 in Brooklyn: Ben works 09:00-12:00, so a walk-in goes in at 09:00 there.
    assert desk.post("/dashboard/appointments/walk-in", form).status_code == 303
    assert appointments(clinic)[0].starts_at == clinic.at(clinic.day(0, clinic.brooklyn), "09:00", clinic.brooklyn)


@pytest.mark.now("2031-03-12T18:30:00+00:00")
def test_walk_in_after_hours_says_so(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    form = filled(desk, clinic, clinic.at(clinic.day(1), "10:00"))
    response = desk.post("/dashboard/appointments/walk-in", form)
    assert response.status_code == 409 and "no free time left today" in html(response)
    assert appointments(clinic) == []


def test_a_provider_books_only_on_their_own_calendar(clinic, visitor):
    user = factories.user(clinic.tenant, "provider")
    factories.save(clinic.tenant, clinic.chloe).user_id = user.id
    chloe = signed_in(visitor, clinic, user=user)
    start = clinic.at(clinic.day(3), "10:00", clinic.brooklyn)
    assert chloe.get(new_url(clinic, start, clinic.ben, clinic.brooklyn)).status_code == 404
    form = filled(chloe, clinic, clinic.at(clinic.day(3), "10:00"))
    assert chloe.post("/dashboard/appointments/new", form | {"provider_id": clinic.ben.id,
                                                             "location_id": clinic.brooklyn.id}).status_code == 404
    assert appointments(clinic) == []
    assert chloe.post("/dashboard/appointments/new", form).status_code == 303
    # The search shows a provider only the customers they have seen, and they may pick no other.
    stranger = factories.customer(clinic.tenant, name="Stranger Danger", email="stranger@example.com")
    later = form | {"start": key(clinic.at(clinic.day(4), "10:00")), "idempotency_key": "another-key-of-16+"}
    assert chloe.post("/dashboard/appointments/new", later | {"customer_id": stranger.id}).status_code == 404
    assert "Stranger" not in html(chloe.get("/dashboard/customers/search?q=stranger", htmx=True))
    assert "Ada Lovelace" in html(chloe.get("/dashboard/customers/search?q=ada", htmx=True))


def test_another_tenants_ids_are_404(clinic, elsewhere, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(clinic.day(3), "10:00")
    theirs = elsewhere["provider"], elsewhere["location"]
    assert desk.get(new_url(clinic, start, theirs[0], clinic.london)).status_code == 404
    assert desk.get(new_url(clinic, start, clinic.chloe, theirs[1])).status_code == 404
    form = filled(desk, clinic, start)
    assert desk.post("/dashboard/appointments/new", form | {"provider_id": theirs[0].id}).status_code == 404
    assert desk.post("/dashboard/appointments/new", form | {"customer_id": elsewhere["customer"].id}).status_code == 404
    assert desk.post("/dashboard/appointments/walk-in", form | {"location_id": theirs[1].id}).status_code == 404
    assert appointments(clinic) == []
