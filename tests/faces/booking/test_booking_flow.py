"""The customer booking flow over HTTP, with and without htmx: home, slot picker, details with
conditional intake questions, the confirm POST, the confirmation page, and bad input."""
import re
from datetime import timedelta
from urllib.parse import urlencode

import icalendar
import pytest

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.availability.engine import week_of
from app.modules.catalogue.models import LocationClosure
from app.modules.customers.models import Customer
from app.modules.intake.models import AppointmentParameter, CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.booking import book, booked_token, details_url, filled_form, service_url, sign_in_customer
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import (
    assert_page,
    assert_redirected,
    field_error,
    form_fields,
    html,
    key,
    link_to,
    links,
    query,
    text,
)
from tests.support.practice import policy

# Messages a booking queues stay in the outbox, where these tests read them.
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
NOT_OFFERED = "That time is not offered. Please choose one of the times shown."
TAKEN = "Sorry — that time has just been taken."


def answers_of(clinic, booking) -> dict[str, str]:
    """The stored answers of one booking, by question key."""
    keys = {q.id: k for k, q in clinic.questions.items()}
    return {keys[a.parameter_id]: a.value for a in rows(clinic.tenant, AppointmentParameter,
                                                         AppointmentParameter.participant_id == booking.id)}


def only(tenant, model, *where):
    found = rows(tenant, model, *where)
    assert len(found) == 1, found
    return found[0]


# Home


def test_home_shows_the_practice_its_locations_and_services_by_category(clinic, visitor):
    page = html(visitor(clinic.host).get("/"))
    seen = text(page)

    assert "Riverside Clinic" in seen
    assert "Brooklyn Studio 210 Atlantic Avenue Brooklyn, NY 11201" in seen
    assert "Harbour Street 14 Harbour Street London SE1 9PF" in seen
    assert "Old Branch" not in seen  # inactive
    services = seen[seen.index("Services"):]
    assert re.search(
        r"Dental care Dental check-up 30 min · £45\.00"
        r" Classes Pilates group class 1 h · £18\.00 · group of up to 6"
        r" Physiotherapy Physiotherapy session 50 min · £55\.00", services,
    ), services
    assert "Retired treatment" not in seen  # inactive
    assert (f"/services/{clinic.dental.id}", "Dental check-up") in links(page)


# Service page: where, with whom, which day, which time


@HTMX
def test_service_page_offers_each_location_and_anyone_or_a_named_provider(clinic, visitor, htmx):
    page = assert_page(visitor(clinic.host).get(f"/services/{clinic.dental.id}", htmx=htmx), 200, htmx)
    choose = form_fields(page, "form0")

    assert re.findall(r'name="location" value="(\d+)"', page) == [str(clinic.brooklyn.id), str(clinic.london.id)]
    assert "Brooklyn Studio America/New_York" in text(page) and "Harbour Street Europe/London" in text(page)
    assert choose["location"] == str(clinic.brooklyn.id)  # one provider at each: the first by name
    assert re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page) == [
        ("any", "Anyone available"), (str(clinic.ben.id), "Ben Okafor"),
    ]
    assert "Former Dentist" not in page  # inactive


def test_a_single_location_is_named_rather_than_offered_as_a_choice(clinic, visitor):
    page = html(visitor(clinic.host).get(f"/services/{clinic.physio.id}"))
    assert 'name="location" value=' in page and 'type="radio"' not in page
    assert "At Harbour Street" in text(page)


@HTMX
def test_week_strip_shows_seven_days_and_links_to_the_weeks_around(clinic, visitor, htmx):
    day = clinic.day(14)  # the week before is wholly ahead: "Previous week" lands on its Monday
    monday, sunday = week_of(day)
    page = assert_page(visitor(clinic.host).get(service_url(clinic, day=day.isoformat()), htmx=htmx), 200, htmx)

    days = [(query(href)["day"], label) for href, label in links(page, "day")]
    assert [d for d, _ in days] == [(monday + timedelta(days=i)).isoformat() for i in range(7)]
    assert all(label.endswith("31 times") for _, label in days)  # 09:00–16:30 every 15 minutes
    # The links name the week; the picker then lands on its first day with times (here its Monday).
    assert query(link_to(page, "Previous week"))["week"] == (monday - timedelta(days=7)).isoformat()
    assert query(link_to(page, "Next week"))["week"] == (sunday + timedelta(days=1)).isoformat()
    assert [query(href)["day"] for href, _ in links(page, "chosen")] == [day.isoformat()]
    assert f"{day.strftime('%A')} {day.day} {day.strftime('%B')} times in Europe/London" in text(page)


def test_this_weeks_strip_has_no_previous_week(clinic, visitor):
    page = html(visitor(clinic.host).get(service_url(clinic, day=clinic.day(0).isoformat())))
    assert "← Previous week" in text(page)
    assert "rel=\"prev\"" not in page


@HTMX
def test_slots_are_labelled_in_the_locations_zone_and_link_to_the_utc_instant(clinic, visitor, htmx):
    brooklyn = clinic.brooklyn
    day = clinic.day(4, brooklyn)
    page = assert_page(
        visitor(clinic.host).get(service_url(clinic, location=brooklyn, day=day.isoformat()), htmx=htmx), 200, htmx
    )

    slots = links(page, "slot")
    assert [label for _, label in slots] == [
        "09:00", "09:15", "09:30", "09:45", "10:00", "10:15", "10:30", "10:45", "11:00", "11:15", "11:30",
    ]
    first = query(slots[0][0])
    assert first == {"location": str(brooklyn.id), "provider": "any", "start": key(clinic.at(day, "09:00", brooklyn))}
    assert first["start"][11:13] in ("13", "14")  # 09:00 in New York is 13:00 or 14:00 UTC
    assert "times in America/New_York" in text(page)


@HTMX
def test_an_empty_week_links_straight_to_the_next_day_with_slots(clinic, visitor, htmx):
    monday, sunday = week_of(clinic.day(14))
    factories.save(clinic.tenant, LocationClosure(tenant_id=clinic.tenant.id, location_id=clinic.london.id,
                                        starts_on=monday, ends_on=sunday, reason="Refurbishment"))
    page = assert_page(visitor(clinic.host).get(service_url(clinic, day=monday.isoformat()), htmx=htmx), 200, htmx)

    next_day = sunday + timedelta(days=1)
    assert links(page, "slot") == []
    assert f"No free times this week. The next free day is {next_day.strftime('%A')} {next_day.day}" in text(page)
    assert query(link_to(page, "The next free day is"))["day"] == next_day.isoformat()


def test_choosing_a_provider_keeps_the_choice_in_every_link(clinic, visitor):
    page = html(visitor(clinic.host).get(service_url(clinic, provider=clinic.chloe.id, day=clinic.day(3).isoformat())))
    assert f'<option value="{clinic.chloe.id}" selected>Chloe Martin</option>' in page
    assert {query(href)["provider"] for href, _ in links(page, "slot") + links(page, "day")} == {str(clinic.chloe.id)}


# Details: contact fields and the intake form


@HTMX
def test_details_page_asks_for_contact_details_and_every_kind_of_question(clinic, visitor, htmx):
    day = clinic.day(3)
    start = clinic.at(day, "10:00")
    page = assert_page(visitor(clinic.host).get(details_url(clinic, start), htmx=htmx), 200, htmx)
    fields = form_fields(page, "booking-form")
    seen = text(page)

    assert f"{day.strftime('%A')} {day.day} {day.strftime('%B %Y')}, 10:00–10:30 (Europe/London) at Harbour Street" in seen
    assert {"name", "email", "phone"} <= set(re.findall(r'<input[^>]* name="(name|email|phone)"', page))
    assert "Mobile phone (optional)" in seen
    assert fields["start"] == key(start) and fields["end"] == key(start + timedelta(minutes=30))
    assert fields["location"] == str(clinic.london.id) and fields["provider"] == "any"
    assert len(fields["idempotency_key"]) >= 16
    assert 'name="attendees"' not in page  # one person only

    # Each type, as its own control; defaults filled in; required ones marked.
    assert '<input type="checkbox" id="q_first_visit" name="q_first_visit" value="yes" checked' in page
    assert fields["q_first_visit"] == "yes"  # default "yes"
    assert fields["q_has_pain"] == "no"  # default "no"
    assert re.search(r'<select id="q_has_pain" name="q_has_pain" hx-post="/services/\d+/book/questions"', page)
    assert 'type="text" maxlength="500"' in re.search(r'<input id="q_insurance_provider"[^>]*>', page).group(0)
    assert 'type="date"' in re.search(r'<input id="q_date_of_birth"[^>]*>', page).group(0)
    assert '<textarea id="q_notes" name="q_notes"' in page
    assert "Are you in any pain at the moment? (required)" in seen
    assert "Date of birth (required)" in seen
    assert "Dental insurance provider (required)" not in seen
    # Shown only when in pain.
    assert "q_pain_level" not in page and "q_pain_area" not in page
    assert "Confirm booking" in seen


def test_number_and_multiselect_questions_render_when_shown(clinic, visitor):
    page = html(visitor(clinic.host).post(
        f"/services/{clinic.dental.id}/book/questions",
        {"location": clinic.london.id, "provider": "any", "start": key(clinic.at(clinic.day(3), "10:00")),
         "q_has_pain": "yes", "q_pain_level": "4", "q_pain_area": ["upper", "jaw"]},
        htmx=True,
    ))
    assert re.search(r'<input id="q_pain_level" name="q_pain_level" value="4" type="number" step="any"', page)
    assert re.findall(r'name="q_pain_area" value="(\w+)"( checked)?', page) == [
        ("upper", " checked"), ("lower", ""), ("jaw", " checked"),
    ]
    assert "From 1 (mild) to 10." in page  # help text


def test_signed_in_returning_customer_gets_customer_answers_prefilled(clinic, visitor):
    grace = factories.customer(clinic.tenant, name="Grace Thompson", email="grace@example.com")
    factories.save(clinic.tenant, *(
        CustomerParameter(tenant_id=clinic.tenant.id, customer_id=grace.id, parameter_id=clinic.questions[k].id, value=v)
        for k, v in {"insurance_provider": "Bupa", "date_of_birth": "1985-02-03"}.items()
    ))
    url = details_url(clinic, clinic.at(clinic.day(3), "10:00"))
    stranger = visitor(clinic.host)
    returning = visitor(clinic.host)
    sign_in_customer(returning, clinic, "grace@example.com")

    anonymous = form_fields(html(stranger.get(url)), "booking-form")
    remembered = form_fields(html(returning.get(url)), "booking-form")

    assert (anonymous["q_insurance_provider"], anonymous["q_date_of_birth"]) == ("", "")
    assert (remembered["q_insurance_provider"], remembered["q_date_of_birth"]) == ("Bupa", "1985-02-03")
    assert remembered["q_has_pain"] == "no"  # appointment answers start from the defaults


# Conditional rules


@pytest.mark.parametrize("has_pain, shown", [("yes", True), ("no", False), ("", False)])
def test_live_rules_show_the_pain_questions_only_when_in_pain(clinic, visitor, has_pain, shown):
    response = visitor(clinic.host).post(
        f"/services/{clinic.dental.id}/book/questions",
        {"location": clinic.london.id, "provider": "any", "start": key(clinic.at(clinic.day(3), "10:00")),
         "q_has_pain": has_pain, "q_notes": "Sensitive to cold", "q_insurance_provider": "Bupa"},
        htmx=True,
    )
    page = assert_page(response, 200, True, block='<fieldset id="questions">')

    assert '<section id="booking-step"' not in page  # only the questions are swapped
    assert ("How bad is the pain? (required)" in text(page)) is shown
    assert ("Where is the pain?" in text(page)) is shown
    assert "Sensitive to cold</textarea>" in page and 'value="Bupa"' in page  # what was typed stays


def test_questions_endpoint_without_javascript_answers_with_the_whole_details_page(clinic, visitor):
    start = clinic.at(clinic.day(3), "10:00")
    response = visitor(clinic.host).post(
        f"/services/{clinic.dental.id}/book/questions",
        {"location": clinic.london.id, "provider": "any", "start": key(start), "end": key(start + timedelta(minutes=30)),
         "name": "Grace Thompson", "q_has_pain": "yes"},
    )
    page = assert_page(response, 200, False)
    assert "How bad is the pain? (required)" in text(page)
    assert form_fields(page, "booking-form")["name"] == "Grace Thompson"


@HTMX
def test_without_javascript_a_newly_required_question_comes_back_with_its_error_and_values_kept(clinic, visitor, htmx):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"), q_has_pain="yes", q_pain_area="jaw",
                       q_insurance_provider="Bupa", q_notes="Sensitive to cold", phone="020 7946 0018")
    before = snapshot()

    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form, htmx=htmx), 422, htmx)
    again = form_fields(page, "booking-form")

    assert field_error(page, "pain_level") == "Please answer this question."
    assert "How bad is the pain? (required)" in text(page)
    assert field_error(page, "pain_area") is None
    kept = ("name", "email", "q_has_pain", "q_pain_area", "q_insurance_provider", "q_notes", "q_date_of_birth",
            "idempotency_key", "start", "end")
    assert {name: again[name] for name in kept} == {name: form[name] for name in kept}
    assert again["phone"] == "+442079460018"  # normalised on the way back
    assert changed_tables(before) == []


def test_without_javascript_optional_questions_a_new_answer_raises_are_asked_before_booking(clinic, visitor):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    form = filled_form(guest, clinic, start, q_has_pain="yes", q_pain_level="5")  # served with "no": pain area unseen
    before = snapshot()

    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form), 422, False)

    assert "Your answers raised a further question" in text(page)
    assert "Where is the pain?" in text(page) and field_error(page, "pain_area") is None  # optional: asked, not required
    assert changed_tables(before) == []
    again = form_fields(page, "booking-form")
    assert again["q_has_pain"] == "yes" and again["q_pain_level"] == "5"
    assert guest.post(f"/services/{clinic.dental.id}/book", again).status_code == 303


def test_answers_to_hidden_questions_are_not_stored(clinic, visitor):
    response = book(visitor(clinic.host), clinic, clinic.at(clinic.day(3), "10:00"),
                    q_has_pain="no", q_pain_level="9", q_pain_area=["jaw", "upper"])
    assert response.status_code == 303
    booking = only(clinic.tenant, AppointmentParticipant)
    assert answers_of(clinic, booking) == {"first_visit": "yes", "has_pain": "no", "date_of_birth": "1990-04-01"}


# Confirm


@HTMX
def test_confirming_writes_customer_appointment_answers_and_notification_together(clinic, visitor, htmx):
    start = clinic.at(clinic.day(3), "10:00")
    response = book(
        visitor(clinic.host), clinic, start, htmx=htmx, name="  Grace Thompson ", email="Grace@Example.com",
        phone="020 7946 0018", q_has_pain="yes", q_pain_level="7", q_pain_area=["lower", "upper"],
        q_insurance_provider="Bupa", q_notes="Sensitive to cold",
    )
    token = booked_token(response)
    assert assert_redirected(response, htmx) == f"/bookings/{token}/confirmation"

    customer = only(clinic.tenant, Customer)
    appointment = only(clinic.tenant, Appointment)
    booking = only(clinic.tenant, AppointmentParticipant)
    notification = only(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert (customer.name, customer.email, customer.phone) == ("Grace Thompson", "grace@example.com", "+442079460018")
    assert (appointment.status, appointment.source, appointment.provider_id) == ("confirmed", "online", clinic.chloe.id)
    assert (appointment.starts_at, appointment.ends_at) == (start, start + timedelta(minutes=30))
    assert (appointment.blocked_from, appointment.blocked_until) == (start - timedelta(minutes=5), start + timedelta(minutes=40))
    assert (appointment.price, appointment.location_id, appointment.service_id) == (4500, clinic.london.id, clinic.dental.id)
    assert (booking.appointment_id, booking.customer_id, booking.seats, booking.manage_token) == (
        appointment.id, customer.id, 1, token)
    assert answers_of(clinic, booking) == {
        "first_visit": "yes", "has_pain": "yes", "pain_level": "7", "pain_area": '["upper", "lower"]',
        "insurance_provider": "Bupa", "date_of_birth": "1990-04-01", "notes": "Sensitive to cold",
    }
    remembered = rows(clinic.tenant, CustomerParameter, CustomerParameter.customer_id == customer.id)
    keys = {q.id: k for k, q in clinic.questions.items()}
    assert {keys[r.parameter_id]: r.value for r in remembered} == {"insurance_provider": "Bupa", "date_of_birth": "1990-04-01"}
    assert (notification.recipient, notification.appointment_id, notification.participant_id) == (
        "grace@example.com", appointment.id, booking.id)
    assert notification.status == "queued"


@pytest.mark.parametrize("stored", ["grace@example.com", "Grace@Example.COM"])
def test_a_returning_customer_is_found_by_email_whatever_its_case(clinic, elsewhere, visitor, stored):
    grace = factories.customer(clinic.tenant, name="Grace T.", email=stored, phone="+442079460018")
    namesake = factories.customer(elsewhere["tenant"], name="Another Grace", email="grace@example.com")

    response = book(visitor(clinic.host), clinic, clinic.at(clinic.day(3), "10:00"), email=" GRACE@example.com ")

    assert response.status_code == 303
    assert [c.id for c in rows(clinic.tenant, Customer)] == [grace.id]
    assert only(clinic.tenant, AppointmentParticipant).customer_id == grace.id
    assert [c.id for c in rows(elsewhere["tenant"], Customer)] == [elsewhere["customer"].id, namesake.id]


def test_a_guest_using_someone_elses_email_cannot_change_their_profile(clinic, visitor):
    grace = factories.customer(clinic.tenant, name="Grace T.", email="grace@example.com")

    response = book(visitor(clinic.host), clinic, clinic.at(clinic.day(3), "10:00"), phone="+44 20 7946 0018")

    assert response.status_code == 303
    booking = only(clinic.tenant, AppointmentParticipant)
    assert booking.customer_id == grace.id
    assert answers_of(clinic, booking)["date_of_birth"] == "1990-04-01"  # kept with the appointment
    assert rows(clinic.tenant, CustomerParameter) == []  # but not written to Grace's profile
    assert rows(clinic.tenant, Customer)[0].phone is None


def test_a_signed_in_customer_keeps_their_answers_on_their_profile(clinic, visitor):
    grace = factories.customer(clinic.tenant, name="Grace T.", email="grace@example.com")
    customer = visitor(clinic.host)
    sign_in_customer(customer, clinic, "grace@example.com")

    assert book(customer, clinic, clinic.at(clinic.day(3), "10:00")).status_code == 303

    remembered = rows(clinic.tenant, CustomerParameter, CustomerParameter.customer_id == grace.id)
    assert {r.value for r in remembered} == {"1990-04-01"}


@HTMX
def test_a_service_needing_approval_makes_a_pending_request_and_says_so(clinic, visitor, htmx):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "11:00")
    assert "Request appointment" in text(html(guest.get(details_url(clinic, start, clinic.physio))))

    response = book(guest, clinic, start, service=clinic.physio, htmx=htmx)
    page = text(html(guest.get(assert_redirected(response, htmx))))

    assert only(clinic.tenant, Appointment).status == "pending"
    assert only(clinic.tenant, Notification, Notification.kind.like("booking_%")).kind == "booking_pending"
    assert "Request received" in page
    assert "Riverside Clinic will confirm this appointment shortly." in page
    assert "Status Requested — waiting for the practice to confirm" in page


@HTMX
def test_a_double_submitted_form_books_once_and_both_answers_show_the_same_booking(clinic, visitor, htmx):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"))

    first = guest.post(f"/services/{clinic.dental.id}/book", form, htmx=htmx)
    second = guest.post(f"/services/{clinic.dental.id}/book", form, htmx=htmx)

    assert assert_redirected(first, htmx) == assert_redirected(second, htmx)
    for model in (Appointment, AppointmentParticipant, Customer):
        assert len(rows(clinic.tenant, model)) == 1, model
    assert len(rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")) == 1


def test_group_class_shows_places_left_and_never_oversells(clinic, visitor):
    guest = visitor(clinic.host)
    day = clinic.day(3)
    start = clinic.at(day, "10:00")
    url = service_url(clinic, clinic.pilates, day=day.isoformat())

    assert "10:00 6 places left" in [label for _, label in links(html(guest.get(url)), "slot")]
    assert book(guest, clinic, start, service=clinic.pilates, attendees="4").status_code == 303
    assert "10:00 2 places left" in [label for _, label in links(html(guest.get(url)), "slot")]
    details = html(guest.get(details_url(clinic, start, clinic.pilates)))
    assert re.search(r'<input[^>]*max="2"[^>]*name="attendees"', details)
    assert "2 places left" in text(details)

    form = filled_form(guest, clinic, start, service=clinic.pilates, email="sam@example.com", attendees="3")
    before = snapshot()
    page = assert_page(guest.post(f"/services/{clinic.pilates.id}/book", form), 422, False)
    assert "Only 2 places are left at this time." in text(page)
    assert form_fields(page, "booking-form")["attendees"] == "3"
    assert changed_tables(before) == []

    assert book(guest, clinic, start, service=clinic.pilates, email="sam@example.com", attendees="2").status_code == 303
    assert "10:00" not in " ".join(label for _, label in links(html(guest.get(url)), "slot"))  # full
    appointment = only(clinic.tenant, Appointment)
    assert sorted(b.seats for b in rows(clinic.tenant, AppointmentParticipant)) == [2, 4]
    assert appointment.capacity == 6


def test_a_customer_can_book_another_place_in_the_same_group_session(clinic, visitor):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    first = book(guest, clinic, start, service=clinic.pilates, attendees="1")
    second = book(guest, clinic, start, service=clinic.pilates, attendees="2")

    assert first.status_code == second.status_code == 303
    assert booked_token(first) != booked_token(second)  # each booking is managed on its own
    bookings = rows(clinic.tenant, AppointmentParticipant)
    assert [(b.customer_id, b.seats) for b in bookings] == [(bookings[0].customer_id, 1), (bookings[0].customer_id, 2)]
    assert len(rows(clinic.tenant, Appointment)) == 1


def test_a_one_to_one_service_is_for_one_person(clinic, visitor):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"), attendees="2")
    before = snapshot()
    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form), 422, False)
    assert "This appointment is for one person." in text(page)
    assert changed_tables(before) == []


# A slot taken meanwhile


@HTMX
def test_second_booking_of_same_slot_gets_409_with_alternatives(clinic, visitor, htmx):
    day = clinic.day(3)
    start = clinic.at(day, "10:00")
    late = visitor(clinic.host)
    late_form = filled_form(late, clinic, start, name="Sam Late", email="sam@example.com")
    assert book(visitor(clinic.host), clinic, start).status_code == 303
    before = snapshot()

    response = late.post(f"/services/{clinic.dental.id}/book", late_form, htmx=htmx)
    page = assert_page(response, 409, htmx)

    assert f'<p class="problem" role="alert">{TAKEN}</p>' in page
    # Blocked 09:55–10:40 with buffers: the closest 30-minute times around it.
    short = day.strftime("%a %-d %b")
    assert [label for _, label in links(page.split("The nearest free times:")[1].split("</div>")[0], "slot")] == [
        f"{short}, 09:00", f"{short}, 09:15", f"{short}, 10:45", f"{short}, 11:00",
    ]
    picked = [label for _, label in links(page, "slot")]
    assert "09:15" in picked and "10:00" not in picked and "10:30" not in picked  # the picker, re-rendered
    assert query(response.headers["HX-Push-Url"])["day"] == day.isoformat()
    assert changed_tables(before) == []


# Confirmation


def test_confirmation_page_summarises_the_booking(clinic, booked):
    guest, token = booked.guest, booked.token
    day = clinic.day(3)
    page = html(guest.get(f"/bookings/{token}/confirmation"))
    seen = text(page)

    assert "You’re booked" in seen
    assert "A confirmation is on its way to grace@example.com." in seen
    assert (
        f"What Dental check-up When {day.strftime('%A')} {day.day} {day.strftime('%B %Y')}, 10:00–10:30 (Europe/London)"
        " With Chloe Martin Where Harbour Street 14 Harbour Street London SE1 9PF Price £45.00 Status Confirmed"
    ) in seen
    assert link_to(page, "Download .ics") == f"/bookings/{token}/calendar.ics"
    manage = re.search(r'<a id="manage-link" href="([^"]+)">([^<]+)</a>', page)
    assert manage.groups() == (f"/bookings/{token}", f"http://riverside.sloty.test/bookings/{token}")


def test_ics_download_holds_the_appointment_in_utc(clinic, booked):
    guest, token, start = booked.guest, booked.token, booked.start
    response = guest.get(f"/bookings/{token}/calendar.ics")
    event = icalendar.Calendar.from_ical(response.data).walk("VEVENT")[0]
    booking = only(clinic.tenant, AppointmentParticipant)

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Content-Disposition"] == 'attachment; filename="appointment.ics"'
    assert event.decoded("dtstart") == start and event.decoded("dtstart").utcoffset() == timedelta(0)
    assert event.decoded("dtend") == start + timedelta(minutes=30)
    assert str(event["summary"]) == "Dental check-up with Chloe Martin"
    assert str(event["uid"]) == f"booking-{booking.id}-{clinic.tenant.id}@sloty"
    assert str(event["url"]) == f"http://riverside.sloty.test/bookings/{token}"


def test_google_calendar_link_carries_the_utc_times(clinic, booked):
    guest, token, start = booked.guest, booked.token, booked.start
    href = link_to(html(guest.get(f"/bookings/{token}/confirmation")), "Google Calendar")
    params = query(href)
    stamp = "%Y%m%dT%H%M%SZ"

    assert href.startswith("https://calendar.google.com/calendar/render?")
    assert params["dates"] == f"{start.strftime(stamp)}/{(start + timedelta(minutes=30)).strftime(stamp)}"
    assert params["text"] == "Dental check-up — Riverside Clinic"
    assert params["details"] == f"Manage your booking: http://riverside.sloty.test/bookings/{token}"


# Bad input: a 4xx, a clear message, and nothing written


# (service id, location, provider) naming nothing bookable on the clinic's host, from the clinic and another practice.
NOT_BOOKABLE_HERE = {
    "unknown service": lambda c, other: (987654, c.london.id, "any"),
    "huge service id": lambda c, other: (10**20, c.london.id, "any"),
    "inactive service": lambda c, other: (c.retired.id, c.london.id, "any"),
    "another practice's service": lambda c, other: (other["service"].id, c.london.id, "any"),
    "unknown location": lambda c, other: (c.dental.id, 987654, "any"),
    "inactive location": lambda c, other: (c.dental.id, c.closed_branch.id, "any"),
    "garbage location": lambda c, other: (c.dental.id, "1 OR 1=1", "any"),
    "superscript location": lambda c, other: (c.dental.id, "²", "any"),
    "huge location id": lambda c, other: (c.dental.id, 10**20, "any"),
    "another practice's location": lambda c, other: (c.dental.id, other["location"].id, "any"),
    "unknown provider": lambda c, other: (c.dental.id, c.london.id, 987654),
    "inactive provider": lambda c, other: (c.dental.id, c.london.id, c.former.id),
    "provider of another location": lambda c, other: (c.dental.id, c.london.id, c.ben.id),
    "garbage provider": lambda c, other: (c.dental.id, c.london.id, "-1"),
    "another practice's provider": lambda c, other: (c.dental.id, c.london.id, other["provider"].id),
}


@pytest.mark.parametrize("case", list(NOT_BOOKABLE_HERE))
def test_unknown_inactive_or_foreign_ids_get_404_on_every_step(clinic, elsewhere, visitor, case):
    service_id, location, provider = NOT_BOOKABLE_HERE[case](clinic, elsewhere)
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    form = filled_form(guest, clinic, start) | {"location": str(location), "provider": str(provider)}
    params = urlencode({"location": location, "provider": provider, "start": key(start)})
    before = snapshot()

    answers = [
        guest.get(f"/services/{service_id}?{params}"),
        guest.get(f"/services/{service_id}/book?{params}"),
        guest.post(f"/services/{service_id}/book/questions", form, htmx=True),
        guest.post(f"/services/{service_id}/book", form),
        guest.post(f"/services/{service_id}/book", form, htmx=True),
    ]

    assert [a.status_code for a in answers] == [404] * len(answers)
    assert all("Not found" in text(html(a)) for a in answers)
    assert not any(elsewhere["service"].name in html(a) or elsewhere["provider"].name in html(a) for a in answers)
    assert changed_tables(before) == []


NEVER_OFFERED = {  # days ahead, local time in London
    "in the past": (-1, "10:00"),
    "within the minimum notice": (3, "10:00"),  # five days' notice required, below
    "beyond the horizon": (70, "10:00"),
    "outside working hours": (3, "18:00"),
    "too late to end within hours": (3, "16:45"),
    "off the 15-minute grid": (3, "10:07"),
}


@pytest.mark.parametrize("case", list(NEVER_OFFERED))
@HTMX
def test_a_time_never_offered_gets_422_with_the_picker_and_a_message(clinic, visitor, case, htmx):
    ahead, hhmm = NEVER_OFFERED[case]
    start = key(clinic.at(clinic.day(ahead), hhmm))
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00")) | {"start": start}
    if case == "within the minimum notice":
        policy(clinic.tenant, clinic.dental, min_notice_minutes=5 * 24 * 60)
    before = snapshot()

    shown = guest.get(f"/services/{clinic.dental.id}/book?location={clinic.london.id}&provider=any&start={start}",
                      htmx=htmx)
    posted = guest.post(f"/services/{clinic.dental.id}/book", form, htmx=htmx)

    for response in (shown, posted):
        page = assert_page(response, 422, htmx)
        assert f'<p class="problem" role="alert">{NOT_OFFERED}</p>' in page
        assert 'aria-label="Choose a day"' in page  # the picker, to choose again
    assert changed_tables(before) == []


@pytest.mark.parametrize("start", [
    "tomorrow", "2026-13-45T10:00Z", "", "2026-06-01T10:00:00+00:00", "x" * 40, "9999-12-31T23:59Z", "0001-01-01T00:00Z",
])
def test_a_garbage_start_gets_422_asking_to_choose_a_time(clinic, visitor, start):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00")) | {"start": start}
    before = snapshot()

    shown = guest.get(f"/services/{clinic.dental.id}/book?" + urlencode({"location": clinic.london.id, "start": start}))
    posted = guest.post(f"/services/{clinic.dental.id}/book", form)

    for response in (shown, posted):
        assert "Please choose a time." in assert_page(response, 422, False)
    assert changed_tables(before) == []


@HTMX
def test_a_tampered_duration_gets_422(clinic, visitor, htmx):
    guest = visitor(clinic.host)
    start = clinic.at(clinic.day(3), "10:00")
    form = filled_form(guest, clinic, start) | {"end": key(start + timedelta(minutes=60))}
    before = snapshot()

    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form, htmx=htmx), 422, htmx)

    assert "That appointment length is not offered." in text(page)
    assert changed_tables(before) == []


GARBAGE = {
    "a 10,000-character name": ({"name": "G" * 10_000}, "Field cannot be longer than 200 characters."),
    "a blank name": ({"name": "   "}, "This field is required."),
    "an address that is not one": ({"email": "grace@"}, "There must be something after the @-sign."),
    "an oversized email": ({"email": "g" * 300 + "@example.com"}, "Field cannot be longer than 254 characters."),
    "a phone that is not one": ({"phone": "12345"}, "That phone number is not valid."),
    "non-numeric attendees": ({"attendees": "lots"}, "Not a valid integer value."),
    "zero attendees": ({"attendees": "0"}, "Number must be between 1 and 50."),
    "a select answer that is not an option": ({"q_has_pain": "maybe"}, "Choose one of the listed options."),
    "a multiselect answer that is not an option": ({"q_has_pain": "yes", "q_pain_level": "3", "q_pain_area": "teeth"},
                                                   "Choose from the listed options."),
    "a number that is not one": ({"q_has_pain": "yes", "q_pain_level": "severe"}, "Please enter a number."),
    "an infinite number": ({"q_has_pain": "yes", "q_pain_level": "Infinity"}, "Please enter a number."),
    "a date that is not one": ({"q_date_of_birth": "31/12/1990"}, "Please enter a date as YYYY-MM-DD."),
    "an oversized text answer": ({"q_insurance_provider": "B" * 10_000}, "Please keep this under 500 characters."),
    "an oversized textarea answer": ({"q_notes": "N" * 10_000}, "Please keep this under 5000 characters."),
    "a missing required answer": ({"q_date_of_birth": ""}, "Please answer this question."),
}


@pytest.mark.parametrize("case", list(GARBAGE))
def test_oversized_or_garbage_form_values_get_422_with_the_error_and_nothing_written(clinic, visitor, case):
    changes, message = GARBAGE[case]
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"), **changes)
    before = snapshot()

    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form), 422, False)

    assert message in text(page)
    kept = form_fields(page, "booking-form")
    assert {name: kept.get(name) for name in changes if name in kept} == {
        name: value for name, value in changes.items() if name in kept}
    assert (kept["name"], kept["email"]) == (form["name"], form["email"])
    assert changed_tables(before) == []


def test_a_mangled_idempotency_key_is_replaced_so_the_corrected_form_goes_through(clinic, visitor):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"), idempotency_key="abc")

    page = assert_page(guest.post(f"/services/{clinic.dental.id}/book", form), 422, False)
    again = form_fields(page, "booking-form")
    again.pop("csrf_token")

    assert len(again["idempotency_key"]) >= 16
    assert guest.post(f"/services/{clinic.dental.id}/book", again).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(clinic, visitor):
    guest = visitor(clinic.host)
    form = filled_form(guest, clinic, clinic.at(clinic.day(3), "10:00"))
    del form["csrf_token"]
    before = snapshot()

    response = guest.post(f"/services/{clinic.dental.id}/book", form, csrf=False)

    assert response.status_code == 400
    assert "The form expired" in text(html(response))
    assert changed_tables(before) == []


@pytest.mark.parametrize("day", ["not-a-day", "2026-02-30", "9999-12-31", "0001-01-01"])
def test_a_day_that_is_no_date_or_absurdly_far_gets_400(clinic, visitor, day):
    response = visitor(clinic.host).get(service_url(clinic, day=day))
    assert response.status_code == 400
    assert "That is not a date." in text(html(response)) or "That date is too far away." in text(html(response))


def test_a_past_day_shows_this_week_from_today(clinic, visitor):
    page = html(visitor(clinic.host).get(service_url(clinic, day=clinic.day(-30).isoformat())))
    [(chosen, _)] = links(page, "chosen")
    assert clinic.day(0).isoformat() <= query(chosen)["day"] <= week_of(clinic.day(0))[1].isoformat()
    assert all(query(href)["start"] > key(clinic.at(clinic.day(0), "00:00")) for href, _ in links(page, "slot"))
