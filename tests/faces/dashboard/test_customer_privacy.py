"""A customer's privacy requests in the dashboard: their data downloaded as JSON or CSV, and erasure
only after a confirmation that says it cannot be undone; never for a provider or another practice."""
import csv
import io
import json
from zoneinfo import ZoneInfo

import pytest

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import Provider
from app.modules.customers.models import Customer, CustomerNote
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import form_fields, html, link_to, redirect_path, text


@pytest.fixture
def grace(clinic):
    """Grace, with a check-up in Brooklyn at 09:00 New York time, a reminder queued and a staff note."""
    t = clinic.tenant
    customer = factories.customer(t, name="Grace Hopper", email="grace@example.com", phone="+447700900555")
    check_up = factories.appointment(t, location=clinic.brooklyn, provider=clinic.ben, service=clinic.dental,
                                     customer=customer, days=3, at="09:00")
    [place] = rows(t, AppointmentParticipant, AppointmentParticipant.appointment_id == check_up.id)
    factories.save(
        t,
        Notification(tenant_id=t.id, appointment_id=check_up.id, participant_id=place.id, channel="email", kind="reminder",
                     recipient="grace@example.com", status="queued", offset_minutes=60,
                     scheduled_for=check_up.starts_at),
        CustomerNote(tenant_id=t.id, customer_id=customer.id, author_name="Front Desk", body="Asked about payment plans"),
    )
    customer.check_up = check_up
    return customer


def test_the_data_downloads_as_json_and_csv_with_times_in_the_practices_zone_and_utc(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "staff")
    response = desk.get(f"/dashboard/customers/{grace.id}/export.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{grace.id}.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert (data["customer"]["name"], data["customer"]["email"], data["time_zone"]) == (
        "Grace Hopper", "grace@example.com", "Europe/London")
    [appointment] = data["appointments"]
    starts = grace.check_up.starts_at
    assert appointment["starts"]["utc"] == starts.strftime("%Y-%m-%dT%H:%M:%SZ")
    # Booked for 09:00 in Brooklyn; shown in the practice's zone, London: 14:00 (13:00 in the weeks the clocks differ).
    in_london = starts.astimezone(ZoneInfo("Europe/London"))
    assert appointment["starts"]["local"] == in_london.isoformat() and in_london.hour in (13, 14)
    assert (appointment["service"], appointment["location"]) == ("Dental check-up", "Brooklyn Studio")
    assert [(m["kind"], m["status"]) for m in data["messages"]] == [("reminder", "queued")]
    assert [n["note"] for n in data["staff_notes"]] == ["Asked about payment plans"]

    response = desk.get(f"/dashboard/customers/{grace.id}/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="customer-{grace.id}.csv"'
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["section", "record", "field", "value"]
    assert ["contact", str(grace.id), "name", "Grace Hopper"] in table
    assert ["appointment", str(grace.check_up.id), "starts_utc", appointment["starts"]["utc"]] in table
    assert ["appointment", str(grace.check_up.id), "starts_local", appointment["starts"]["local"]] in table
    assert ["staff_note", str(data["staff_notes"][0]["id"]), "note", "Asked about payment plans"] in table


def test_erasing_asks_first_and_refuses_without_the_typed_confirmation(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "staff")
    record = html(desk.get(f"/dashboard/customers/{grace.id}"))
    page = html(desk.get(link_to(record, "Erase")))
    shown = text(page)
    assert "Erase Grace Hopper’s personal data" in shown and "This cannot be undone." in shown
    assert "Their appointments stay" in shown and "Type ERASE to confirm" in shown
    assert link_to(page, "JSON") == f"/dashboard/customers/{grace.id}/export.json"

    before = snapshot()
    response = desk.post(f"/dashboard/customers/{grace.id}/erase", form_fields(page, "erase-form") | {"confirmation": "erase it"})
    assert response.status_code == 422
    assert "Type ERASE, in capitals, to confirm." in text(html(response))
    assert 'value="erase it"' in html(response), "the value typed is kept"
    assert changed_tables(before) == []
    assert rows(clinic.tenant, Customer, Customer.id == grace.id)[0].name == "Grace Hopper"


def test_erasing_anonymises_the_customer_and_keeps_the_appointment(clinic, visitor, grace):
    desk = signed_in(visitor, clinic, "admin")
    page = html(desk.get(f"/dashboard/customers/{grace.id}/erase"))
    response = desk.post(f"/dashboard/customers/{grace.id}/erase", form_fields(page, "erase-form") | {"confirmation": "ERASE"})
    assert response.status_code == 303 and redirect_path(response) == f"/dashboard/customers/{grace.id}"
    record_page = html(desk.get(redirect_path(response)))
    record = text(record_page)
    assert f"Customer #{grace.id}'s personal data is erased; their appointments are kept, anonymised." in record
    details = form_fields(record_page, "details-form")
    assert (details["name"], details["email"]) == ("Erased customer", f"erased-{grace.id}@erased.invalid")
    assert "Personal data erased on" in record
    assert "Grace" not in record_page and "grace@example.com" not in record_page and "Erase…" not in record

    t = clinic.tenant
    [customer] = rows(t, Customer, Customer.id == grace.id)
    assert (customer.name, customer.phone, customer.active, customer.email_consent) == ("Erased customer", None, False, False)
    [appointment] = rows(t, Appointment)
    assert (appointment.id, appointment.status, appointment.price) == (grace.check_up.id, "confirmed", 4500)
    assert [(n.status, n.recipient) for n in rows(t, Notification)] == [("cancelled", "erased")]
    assert [n.body for n in rows(t, CustomerNote)] == [""]
    [event] = rows(t, AuditEvent, AuditEvent.action == "customer.erased")
    assert event.entity_id == grace.id and event.details["bookings_kept"] == 1
    assert "Grace" not in json.dumps(event.details)

    again = desk.get(f"/dashboard/customers/{grace.id}/erase")
    assert "There is nothing left to erase." in text(html(again)) and 'id="erase-form"' not in html(again)
    before = snapshot()
    response = desk.post(f"/dashboard/customers/{grace.id}/erase", form_fields(page, "erase-form") | {"confirmation": "ERASE"})
    assert response.status_code == 409 and "already erased" in text(html(response))
    assert changed_tables(before) == []


def test_another_practices_customer_cannot_be_exported_or_erased(clinic, visitor, elsewhere):
    theirs = elsewhere["customer"]
    desk = signed_in(visitor, clinic, "owner")
    before = snapshot()
    for response in (desk.get(f"/dashboard/customers/{theirs.id}/export.json"),
                     desk.get(f"/dashboard/customers/{theirs.id}/export.csv"),
                     desk.get(f"/dashboard/customers/{theirs.id}/erase"),
                     desk.post(f"/dashboard/customers/{theirs.id}/erase", {"confirmation": "ERASE"})):
        assert response.status_code == 404 and "Not found" in html(response)
        assert theirs.email not in html(response)
    assert changed_tables(before) == []


def test_a_provider_may_neither_export_nor_erase_even_their_own_customer(clinic, visitor, grace):
    provider = factories.user(clinic.tenant, "provider")
    [ben] = rows(clinic.tenant, Provider, Provider.id == clinic.ben.id)
    ben.user_id = provider.id
    factories.save(clinic.tenant, ben)
    desk = signed_in(visitor, clinic, user=provider)
    record = html(desk.get(f"/dashboard/customers/{grace.id}"))
    assert "Grace Hopper" in record and "Export JSON" not in record and "Erase" not in record
    before = snapshot()
    for response in (desk.get(f"/dashboard/customers/{grace.id}/export.json"),
                     desk.get(f"/dashboard/customers/{grace.id}/export.csv"),
                     desk.get(f"/dashboard/customers/{grace.id}/erase"),
                     desk.post(f"/dashboard/customers/{grace.id}/erase", {"confirmation": "ERASE"})):
        assert response.status_code == 403 and "Not allowed" in html(response)
        assert "grace@example.com" not in html(response)
    assert changed_tables(before) == []
    assert rows(clinic.tenant, Customer, Customer.id == grace.id)[0].erased_at is None
