"""A customer's record in the dashboard: contact details and consent edited and validated, intake answers
kept on the profile, history with no-shows, the messages sent, staff notes (signed, dated, audited and never
shown to the customer), booking again; providers see only their customers, other practices' are 404."""
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core import clock
from app.modules.audit.models import AuditEvent
from app.modules.customers.models import Customer, CustomerNote
from app.modules.intake.models import CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.booking import sign_in_customer
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, scalars, snapshot
from tests.support.pages import field_error, form_fields, html, is_fragment, link_to, query, text

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])


@pytest.fixture
def grace(clinic):
    return factories.customer(clinic.tenant, name="Grace Hopper", email="grace@example.com", phone="+447700900123")


def record_of(member, customer) -> str:
    response = member.get(f"/dashboard/customers/{customer.id}")
    assert response.status_code == 200, text(html(response))[:300]
    return html(response)


def now_of(clinic, customer) -> Customer:
    return rows(clinic.tenant, Customer, Customer.id == customer.id)[0]


def audited(clinic, action: str) -> list[AuditEvent]:
    return rows(clinic.tenant, AuditEvent, AuditEvent.action == action)


# Contact details and consent


def test_the_record_shows_contact_details_consent_and_the_kept_answers(clinic, visitor, grace):
    factories.save(clinic.tenant, CustomerParameter(tenant_id=clinic.tenant.id, customer_id=grace.id,
                                                    parameter_id=clinic.questions["insurance_provider"].id, value="Bupa"))
    page = record_of(signed_in(visitor, clinic, "staff"), grace)
    details = form_fields(page, "details-form")
    assert (details["name"], details["email"], details["phone"]) == ("Grace Hopper", "grace@example.com", "+447700900123")
    consent = form_fields(page, "consent-form")
    assert consent.get("email_consent") == "y" and "sms_consent" not in consent  # the defaults: email yes, SMS no
    answers = form_fields(page, "answers-form")
    assert answers["q_insurance_provider"] == "Bupa" and answers.get("q_date_of_birth", "") == ""
    assert "Dental insurance provider" in text(page) and "Date of birth" in text(page)
    assert "Is this your first visit" not in text(page), "only customer-scope questions are kept on the profile"


@HTMX
def test_details_are_saved_normalised_and_audited(clinic, visitor, grace, htmx):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "details-form")
    response = desk.post(f"/dashboard/customers/{grace.id}/details",
                         form | {"name": " Grace B. Hopper ", "email": "Grace.Hopper@Example.com", "phone": "07911 123456"},
                         htmx=htmx)
    location = response.headers.get("HX-Redirect") if htmx else response.headers["Location"]
    assert response.status_code == (200 if htmx else 303) and urlsplit(location).path == f"/dashboard/customers/{grace.id}"
    saved = now_of(clinic, grace)
    assert (saved.name, saved.email, saved.phone) == ("Grace B. Hopper", "grace.hopper@example.com", "+447911123456")
    (event,) = audited(clinic, "customer.update")
    assert event.entity_id == grace.id and event.details == {"fields": ["name", "email", "phone"]}
    assert "Contact details saved." in text(record_of(desk, grace))


@HTMX
@pytest.mark.parametrize("field, value, message", [
    ("email", "grace@", "There must be something after the @-sign."),
    ("phone", "12345", "That phone number is not valid"),
    ("phone", "not a number", "That does not look like a phone number."),
    ("name", "   ", "Give the customer's name."),
])
def test_bad_details_get_422_with_the_values_kept_and_nothing_written(clinic, visitor, grace, htmx, field, value, message):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "details-form") | {"name": "Grace Renamed", field: value}
    before = snapshot()
    response = desk.post(f"/dashboard/customers/{grace.id}/details", form, htmx=htmx)
    page = html(response)
    assert response.status_code == 422 and message in text(page)
    assert is_fragment(page) == htmx and 'id="details-form"' in page
    kept = form_fields(page, "details-form")
    assert kept[field].strip() == value.strip() and kept["email" if field != "email" else "name"]
    assert changed_tables(before) == []
    assert now_of(clinic, grace).name == "Grace Hopper"


def test_another_customers_email_is_refused_at_the_field(clinic, visitor, grace):
    factories.customer(clinic.tenant, name="Someone Else", email="taken@example.com")
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "details-form") | {"email": "TAKEN@example.com"}
    response = desk.post(f"/dashboard/customers/{grace.id}/details", form)
    assert response.status_code == 422 and "Another customer has this email address." in text(html(response))
    assert now_of(clinic, grace).email == "grace@example.com" and audited(clinic, "customer.update") == []


def test_a_phone_number_kept_from_before_blocks_no_other_change(clinic, visitor, grace):
    # +447700900123 is in the range kept for drama, which phonenumbers calls invalid: kept as it was.
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "details-form") | {"name": "Grace M. Hopper"}
    assert desk.post(f"/dashboard/customers/{grace.id}/details", form).status_code == 303
    saved = now_of(clinic, grace)
    assert (saved.name, saved.phone) == ("Grace M. Hopper", "+447700900123")
    (event,) = audited(clinic, "customer.update")
    assert event.details == {"fields": ["name"]}


def test_consent_per_channel_is_saved_and_audited(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "consent-form")
    form.pop("email_consent")  # unticked
    response = desk.post(f"/dashboard/customers/{grace.id}/consent", form | {"sms_consent": "y"})
    assert response.status_code == 303
    saved = now_of(clinic, grace)
    assert (saved.email_consent, saved.sms_consent) == (False, True)
    (event,) = audited(clinic, "customer.consent")
    assert event.details == {"before": {"email": True, "sms": False}, "after": {"email": False, "sms": True}}
    assert event.actor_email
    consent = form_fields(record_of(desk, grace), "consent-form")
    assert "email_consent" not in consent and consent["sms_consent"] == "y"


# Intake answers kept on the profile


def test_staff_edit_the_customer_scope_answers(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "answers-form")
    response = desk.post(f"/dashboard/customers/{grace.id}/answers",
                         form | {"q_insurance_provider": " Bupa ", "q_date_of_birth": "1990-05-01"})
    assert response.status_code == 303
    stored = {r.parameter_id: r.value for r in rows(clinic.tenant, CustomerParameter)}
    assert stored == {clinic.questions["insurance_provider"].id: "Bupa", clinic.questions["date_of_birth"].id: "1990-05-01"}
    (event,) = audited(clinic, "customer.answers")
    assert sorted(event.details["questions"]) == ["date_of_birth", "insurance_provider"]
    # A blank answer removes the one kept.
    form = form_fields(record_of(desk, grace), "answers-form")
    assert form["q_date_of_birth"] == "1990-05-01"
    assert desk.post(f"/dashboard/customers/{grace.id}/answers", form | {"q_insurance_provider": ""}).status_code == 303
    assert [r.value for r in rows(clinic.tenant, CustomerParameter)] == ["1990-05-01"]


@HTMX
def test_a_bad_answer_gets_422_with_the_answers_kept(clinic, visitor, grace, htmx):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "answers-form")
    response = desk.post(f"/dashboard/customers/{grace.id}/answers",
                         form | {"q_insurance_provider": "Bupa", "q_date_of_birth": "1st of May"}, htmx=htmx)
    page = html(response)
    assert response.status_code == 422 and is_fragment(page) == htmx
    assert field_error(page, "date_of_birth") == "Please enter a date as YYYY-MM-DD."
    kept = form_fields(page, "answers-form")
    assert (kept["q_insurance_provider"], kept["q_date_of_birth"]) == ("Bupa", "1st of May")
    assert rows(clinic.tenant, CustomerParameter) == []


# Staff notes


def test_a_note_is_signed_dated_audited_and_never_shown_to_the_customer(clinic, booked, visitor):
    grace = rows(clinic.tenant, Customer)[0]
    user = factories.user(clinic.tenant, "staff")
    desk = signed_in(visitor, clinic, user=user)
    form = form_fields(record_of(desk, grace), "note-form")
    response = desk.post(f"/dashboard/customers/{grace.id}/notes", form | {"body": "Nervous about injections."})
    assert response.status_code == 303
    (note,) = rows(clinic.tenant, CustomerNote)
    assert (note.customer_id, note.author_user_id, note.author_name, note.body) == (
        grace.id, user.id, "Staff Person", "Nervous about injections.")
    assert abs(note.created_at - clock.now()) < timedelta(minutes=1)
    (event,) = audited(clinic, "customer.note")
    assert (event.entity_type, event.entity_id, event.actor_user_id, event.details) == (
        "Customer", grace.id, user.id, {"note_id": note.id})
    shown = text(record_of(desk, grace))
    written = note.created_at.astimezone(ZoneInfo(clinic.tenant.timezone))  # the practice's time
    assert f"Nervous about injections. — Staff Person, {written:%-d %b %Y %H:%M}" in shown

    customer = visitor(clinic.host)
    sign_in_customer(customer, clinic, "grace@example.com")
    for path in ("/account", "/account/profile", f"/bookings/{booked.token}"):
        seen = customer.get(path)
        assert seen.status_code == 200 and "Nervous about injections" not in html(seen), path


def test_an_empty_note_gets_422_and_nothing_is_written(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(record_of(desk, grace), "note-form")
    response = desk.post(f"/dashboard/customers/{grace.id}/notes", form | {"body": "   "}, htmx=True)
    assert response.status_code == 422 and "Write the note first." in text(html(response))
    assert html(response).lstrip().startswith('<div id="notes">')
    assert rows(clinic.tenant, CustomerNote) == [] and audited(clinic, "customer.note") == []


# History, messages, booking again


def test_history_splits_upcoming_from_past_and_counts_no_shows(clinic, visitor, grace):
    at = dict(location=clinic.london, provider=clinic.chloe, customer=grace)
    factories.appointment(clinic.tenant, service=clinic.dental, days=-30, at="10:00", status="no_show", **at)
    factories.appointment(clinic.tenant, service=clinic.dental, days=-20, at="10:00", status="completed", **at)
    factories.appointment(clinic.tenant, service=clinic.physio, days=-10, at="11:00", status="no_show", **at)
    factories.appointment(clinic.tenant, service=clinic.dental, days=5, at="09:00", status="confirmed", **at)
    factories.appointment(clinic.tenant, service=clinic.dental, days=6, at="09:00", status="cancelled", **at)
    page = text(record_of(signed_in(visitor, clinic, "staff"), grace))
    assert "2 no-shows in 5 bookings." in page
    upcoming = page.split("Upcoming", 1)[1].split("Past", 1)[0]
    assert upcoming.count("Chloe Martin") == 1 and "confirmed" in upcoming
    past = page.split("Past", 1)[1].split("Messages", 1)[0]
    statuses = [s for s in ("cancelled", "no show", "completed") if s in past]
    assert statuses == ["cancelled", "no show", "completed"] and past.count("no show") == 2
    # Most recent first: the cancelled one (day 6), then day -10's physio no-show, then the rest.
    assert past.index("Physiotherapy session") < past.index("completed")


def test_the_messages_sent_about_their_bookings_and_their_sign_in_links_are_listed(clinic, booked, visitor):
    grace = rows(clinic.tenant, Customer)[0]
    sign_in_customer(visitor(clinic.host), clinic, "grace@example.com")
    sign_in_customer(visitor(clinic.host), clinic, grace.email)
    other = factories.customer(clinic.tenant, name="Other Person", email="other@example.com")
    sign_in_customer(visitor(clinic.host), clinic, other.email)
    page = record_of(signed_in(visitor, clinic, "staff"), grace)
    shown = text(page.split('id="messages"', 1)[1].split("</table>", 1)[0])
    sent = rows(clinic.tenant, Notification)
    theirs = [n for n in sent if n.recipient == "grace@example.com"]
    assert {n.kind for n in theirs} >= {"booking_confirmed", "reminder", "magic_link"}
    assert shown.count("Booking confirmed Email grace@example.com queued") == 1
    assert shown.count("Sign-in link Email grace@example.com queued") == 2
    assert shown.count("Reminder") == sum(1 for n in theirs if n.kind == "reminder")
    assert "other@example.com" not in shown


def test_book_again_opens_the_create_form_with_the_customer_picked(clinic, visitor, grace):
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=grace, days=-14, at="10:00", status="completed")
    desk = signed_in(visitor, clinic, "staff")
    href = link_to(record_of(desk, grace), "Book again")
    asked = query(href)
    assert urlsplit(href).path == "/dashboard/appointments/new"
    assert (asked["provider_id"], asked["location_id"], asked["service_id"], asked["customer_id"]) == (
        str(clinic.chloe.id), str(clinic.london.id), str(clinic.dental.id), str(grace.id))
    form_page = html(desk.get(href))
    assert f'<input type="radio" name="customer_id" value="{grace.id}" form="new-appointment-form" checked>' in form_page
    form = form_fields(form_page, "new-appointment-form")
    assert form["service_id"] == str(clinic.dental.id)
    booked = desk.post("/dashboard/appointments/new", form | {"customer_id": grace.id})  # the radio checked above
    assert booked.status_code == 303, text(html(booked))[:400]
    assert len(scalars(clinic.tenant, select(Customer))) == 1, "booked for Grace, no new customer"
    assert "Book again" in text(record_of(desk, grace))


def test_no_book_again_before_a_first_booking(clinic, visitor, grace):
    assert "Book again" not in text(record_of(signed_in(visitor, clinic, "staff"), grace))


# Who may see whom


def test_a_provider_sees_only_their_customers_and_404_for_others(clinic, visitor, grace):
    user = factories.user(clinic.tenant, "provider")
    factories.save(clinic.tenant, clinic.chloe).user_id = user.id
    stranger = factories.customer(clinic.tenant, name="Ben's Patient", email="bens@example.com")
    factories.appointment(clinic.tenant, location=clinic.brooklyn, provider=clinic.ben, service=clinic.dental,
                          customer=stranger, days=-3, at="10:00", status="completed")
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=grace, days=-3, at="10:00", status="completed")
    chloe = signed_in(visitor, clinic, user=user)
    assert "Grace Hopper" in text(record_of(chloe, grace))
    before = snapshot()
    assert chloe.get(f"/dashboard/customers/{stranger.id}").status_code == 404
    for action in ("details", "consent", "answers", "notes"):
        response = chloe.post(f"/dashboard/customers/{stranger.id}/{action}", {"name": "X", "email": "x@example.com",
                                                                                "body": "A note"})
        assert response.status_code == 404 and "Not found" in html(response), action
    assert changed_tables(before) == []


def test_another_practices_customer_is_404(clinic, elsewhere, visitor):
    desk = signed_in(visitor, clinic, "owner")
    theirs = elsewhere["customer"]
    before = snapshot()
    response = desk.get(f"/dashboard/customers/{theirs.id}")
    assert response.status_code == 404 and theirs.name not in html(response)
    assert desk.post(f"/dashboard/customers/{theirs.id}/notes", {"body": "Sneaky"}).status_code == 404
    assert changed_tables(before) == []
