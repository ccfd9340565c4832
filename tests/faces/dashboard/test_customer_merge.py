"""Duplicate customers in the dashboard: the front desk finds likely duplicates, sees exactly what a
merge would move, and merges; a stale confirmation is refused whole; providers may not merge."""
from datetime import timedelta

import pytest

from app.modules.appointments.models import AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.customers.models import Customer, CustomerNote
from app.modules.intake.models import CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import form_fields, html, link_to, redirect_path, text
from tests.support.routes import sign_in_token


@pytest.fixture
def twins(clinic):
    """Anna, booked once, and her duplicate ANNA@…, booked twice, with an answer, a note and a reminder."""
    t = clinic.tenant
    anna = factories.customer(t, name="Anna Smith", email="anna@example.com")
    again = factories.customer(t, name="Anna Smith", email="ANNA@example.com", phone="+447700900123")
    factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.dental, customer=anna,
                          days=2, at="09:00")
    first = factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                  customer=again, days=3, at="10:00")
    factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.physio, customer=again,
                          days=4, at="11:00")
    [place] = rows(t, AppointmentParticipant, AppointmentParticipant.appointment_id == first.id)
    factories.save(
        t,
        CustomerParameter(tenant_id=t.id, customer_id=anna.id, parameter_id=clinic.questions["date_of_birth"].id,
                          value="1980-01-01"),
        CustomerParameter(tenant_id=t.id, customer_id=again.id, parameter_id=clinic.questions["date_of_birth"].id,
                          value="1981-02-02"),
        CustomerParameter(tenant_id=t.id, customer_id=again.id, parameter_id=clinic.questions["insurance_provider"].id,
                          value="Bupa"),
        CustomerNote(tenant_id=t.id, customer_id=again.id, author_name="Front Desk", body="Called to rebook"),
        Notification(tenant_id=t.id, appointment_id=first.id, participant_id=place.id, channel="email", kind="reminder",
                     recipient="ANNA@example.com", status="queued", offset_minutes=1440,
                     scheduled_for=first.starts_at - timedelta(days=1)),
    )
    factories.customer(t, name="Zed Other", email="zed@example.com")
    return anna, again


def merge_page(desk, kept, merged):
    return desk.get(f"/dashboard/customers/{kept.id}/merge?with={merged.id}")


def test_the_duplicates_page_lists_them_with_the_reason_and_a_review_link(clinic, visitor, twins):
    anna, again = twins
    desk = signed_in(visitor, clinic, "staff")
    search = html(desk.get("/dashboard/customers"))
    assert link_to(search, "Likely duplicates") == "/dashboard/customers/duplicates"

    page = html(desk.get("/dashboard/customers/duplicates"))
    shown = text(page)
    assert "Same email (ignoring capitals)" in shown
    assert f"Anna Smith #{anna.id} anna@example.com — 1" in shown and f"Anna Smith #{again.id} ANNA@example.com +447700900123 2" in shown
    assert "Zed Other" not in shown
    assert link_to(page, "Review merge into Anna Smith") == f"/dashboard/customers/{anna.id}/merge?with={again.id}"


def test_the_record_page_links_to_merging_exporting_and_erasing(clinic, visitor, twins):
    anna, _ = twins
    page = html(signed_in(visitor, clinic, "staff").get(f"/dashboard/customers/{anna.id}"))
    assert link_to(page, "Merge a duplicate") == f"/dashboard/customers/{anna.id}/merge"
    assert link_to(page, "Export JSON") == f"/dashboard/customers/{anna.id}/export.json"
    assert link_to(page, "Export CSV") == f"/dashboard/customers/{anna.id}/export.csv"
    assert link_to(page, "Erase") == f"/dashboard/customers/{anna.id}/erase"
    choices = html(signed_in(visitor, clinic, "staff").get(link_to(page, "Merge a duplicate")))
    assert link_to(choices, "Review merging Anna Smith") == f"/dashboard/customers/{anna.id}/merge?with={twins[1].id}"


def test_the_confirmation_shows_what_moves_and_the_merge_moves_it(clinic, visitor, twins):
    anna, again = twins
    desk = signed_in(visitor, clinic, "staff")
    page = html(merge_page(desk, anna, again))
    shown = text(page)
    assert f"Merge Anna Smith (#{again.id}) into Anna Smith (#{anna.id})" in shown
    assert f"Kept: Anna Smith #{anna.id} Email anna@example.com" in shown
    assert f"Merged away: Anna Smith #{again.id} Email ANNA@example.com Phone +447700900123" in shown
    assert "Bookings: 2" in shown and "Dental check-up with Chloe Martin (confirmed)" in shown
    assert "Physiotherapy session with Chloe Martin (confirmed)" in shown
    assert "Intake answers: 1" in shown and "Dental insurance provider: Bupa" in shown
    assert "Date of birth: keeps “1980-01-01”, drops “1981-02-02”" in shown
    assert "Staff notes: 1" in shown and "Front Desk: Called to rebook" in shown
    assert "Messages not sent yet: 1" in shown and "Reminder by email" in shown and "goes to anna@example.com instead" in shown
    assert f"Anna Smith (#{anna.id}) has no phone: Anna Smith (#{again.id})’s, +447700900123, is taken." in shown
    assert f"Anna Smith (#{anna.id})’s own answer is kept, Anna Smith (#{again.id})’s is dropped." in shown
    assert link_to(page, "instead") == f"/dashboard/customers/{again.id}/merge?with={anna.id}"
    assert rows(clinic.tenant, AuditEvent, AuditEvent.action == "customer.merged") == [], "looking changes nothing"

    response = desk.post(f"/dashboard/customers/{anna.id}/merge", form_fields(page, "merge-form"))
    assert response.status_code == 303 and redirect_path(response) == f"/dashboard/customers/{anna.id}"
    record = text(html(desk.get(redirect_path(response))))
    assert (f"Anna Smith (#{again.id}) is merged into Anna Smith (#{anna.id}); "
            "moved: 2 bookings, 1 intake answer, 1 staff note.") in record
    assert record.count("Dental check-up") == 2 and "Physiotherapy session" in record

    t = clinic.tenant
    assert {p.customer_id for p in rows(t, AppointmentParticipant)} == {anna.id}
    assert sorted(a.value for a in rows(t, CustomerParameter, CustomerParameter.customer_id == anna.id)) == ["1980-01-01", "Bupa"]
    assert [n.customer_id for n in rows(t, CustomerNote)] == [anna.id]
    assert [n.recipient for n in rows(t, Notification)] == ["anna@example.com"]
    [merged] = rows(t, Customer, Customer.id == again.id)
    assert (merged.active, merged.merged_into_id) == (False, anna.id)
    [event] = rows(t, AuditEvent, AuditEvent.action == "customer.merged")
    assert event.entity_id == anna.id and event.details["merged_customer_id"] == again.id
    assert len(event.details["bookings"]) == 2 and event.actor_email.startswith("staff")

    merged_record = text(html(desk.get(f"/dashboard/customers/{again.id}")))
    assert f"Merged into customer #{anna.id}" in merged_record and "Merge a duplicate" not in merged_record


def test_a_stale_confirmation_answers_409_and_writes_nothing(clinic, visitor, twins):
    anna, again = twins
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(html(merge_page(desk, anna, again)), "merge-form")
    # Meanwhile the duplicate books again.
    factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                          customer=again, days=5, at="15:00")
    desk.get("/dashboard/")  # commit it
    before = snapshot()
    response = desk.post(f"/dashboard/customers/{anna.id}/merge", form)
    page = html(response)
    assert response.status_code == 409
    assert "What the merge would move has changed since it was shown: check it again." in text(page)
    assert "Bookings: 3" in text(page), "the fresh confirmation, for a second look"
    assert changed_tables(before) == []

    # Or the duplicate was merged elsewhere in the meantime: nothing is left to merge.
    other = factories.customer(clinic.tenant, name="Anna S", email="anna.s@example.com", phone="+447700900123")
    form = form_fields(html(merge_page(desk, anna, again)), "merge-form")
    elsewhere = form_fields(html(merge_page(desk, other, again)), "merge-form")
    assert desk.post(f"/dashboard/customers/{other.id}/merge", elsewhere).status_code == 303
    before = snapshot()
    response = desk.post(f"/dashboard/customers/{anna.id}/merge", form)
    assert response.status_code == 409
    assert "Anna Smith was already merged into another customer." in text(html(response))
    assert 'id="merge-form"' not in html(response)
    assert changed_tables(before) == []


def test_a_merge_without_its_confirmation_is_refused_with_the_choice_again(clinic, visitor, twins):
    anna, again = twins
    desk = signed_in(visitor, clinic, "admin")
    before = snapshot()
    response = desk.post(f"/dashboard/customers/{anna.id}/merge", {"merged_id": str(again.id)})
    assert response.status_code == 422
    shown = text(html(response))
    assert "Open the confirmation before merging." in shown and "Review merging Anna Smith" in shown
    assert changed_tables(before) == []
    response = desk.get(f"/dashboard/customers/{anna.id}/merge?with={anna.id}")
    assert response.status_code == 409 and "A customer cannot be merged with itself." in text(html(response))


def test_another_practices_customer_is_not_found_anywhere_in_a_merge(clinic, visitor, twins, elsewhere):
    anna, again = twins
    theirs = elsewhere["customer"]
    desk = signed_in(visitor, clinic, "owner")
    before = snapshot()
    assert merge_page(desk, anna, theirs).status_code == 404
    assert desk.get(f"/dashboard/customers/{theirs.id}/merge?with={again.id}").status_code == 404
    form = form_fields(html(merge_page(desk, anna, again)), "merge-form") | {"merged_id": str(theirs.id)}
    response = desk.post(f"/dashboard/customers/{anna.id}/merge", form)
    assert response.status_code == 404 and "Not found" in html(response) and theirs.name not in html(response)
    assert changed_tables(before) == []


def test_providers_may_not_see_duplicates_nor_merge(clinic, visitor, twins):
    anna, again = twins
    provider = factories.user(clinic.tenant, "provider")
    chloe = rows(clinic.tenant, type(clinic.chloe), type(clinic.chloe).id == clinic.chloe.id)[0]
    chloe.user_id = provider.id
    factories.save(clinic.tenant, chloe)
    desk = signed_in(visitor, clinic, user=provider)
    form = form_fields(html(merge_page(signed_in(visitor, clinic, "staff"), anna, again)), "merge-form")
    record = html(desk.get(f"/dashboard/customers/{anna.id}"))
    assert "Anna Smith" in record and "Merge a duplicate" not in record and "Erase" not in record
    before = snapshot()
    for response in (desk.get("/dashboard/customers/duplicates"), merge_page(desk, anna, again),
                     desk.post(f"/dashboard/customers/{anna.id}/merge", form)):
        assert response.status_code == 403 and "Not allowed" in html(response)
    assert changed_tables(before) == []
    assert "Likely duplicates" not in html(desk.get("/dashboard/customers"))


def test_the_merged_away_customer_is_signed_out_of_the_booking_site(clinic, visitor, twins):
    anna, again = twins
    customer = visitor(clinic.host)
    signed = customer.post(f"/account/sign-in/{sign_in_token({'tenant': clinic.tenant, 'customer': again})}")
    assert signed.status_code == 303 and "ANNA@example.com" in html(customer.get("/account/profile"))
    desk = signed_in(visitor, clinic, "staff")
    form = form_fields(html(merge_page(desk, anna, again)), "merge-form")
    assert desk.post(f"/dashboard/customers/{anna.id}/merge", form).status_code == 303

    response = customer.get("/account")
    assert response.status_code == 303 and redirect_path(response) == "/account/sign-in"


def test_the_confirmation_says_when_both_are_booked_in_one_group_class(clinic, visitor, twins):
    anna, again = twins
    t = clinic.tenant
    session = factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.pilates,
                                    customer=anna, days=6, at="15:00")
    factories.save(t, AppointmentParticipant(tenant_id=t.id, appointment_id=session.id, customer_id=again.id, seats=2,
                                             manage_token="another-place-in-the-class"))
    desk = signed_in(visitor, clinic, "staff")
    page = html(merge_page(desk, anna, again))
    assert "Bookings: 3" in text(page)
    assert (f"Pilates group class with Chloe Martin (confirmed, 2 seats) — Anna Smith (#{anna.id}) is booked here too: "
            "both bookings are kept, both now theirs.") in text(page)
    assert desk.post(f"/dashboard/customers/{anna.id}/merge", form_fields(page, "merge-form")).status_code == 303
    places = rows(t, AppointmentParticipant, AppointmentParticipant.appointment_id == session.id)
    assert [(p.customer_id, p.seats) for p in places] == [(anna.id, 1), (anna.id, 2)]
