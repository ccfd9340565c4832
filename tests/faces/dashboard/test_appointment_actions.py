"""The appointment's life from its page: each action a button (a plain POST form), each refusal explained."""
import re

import pytest

from app.modules.appointments.models import Appointment
from app.modules.audit.models import AuditEvent
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import html, text


@pytest.fixture
def desk(clinic, visitor):
    return signed_in(visitor, clinic, "staff")


def _appointment(clinic, status="confirmed", service=None):
    return factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe,
                                 service=service or clinic.dental, customer=factories.customer(clinic.tenant, name="Grace Hopper"),
                                 starts_at=clinic.at(clinic.day(3), "10:00"), status=status)


def _buttons(page) -> list[str]:
    return [text(button) for button in re.findall(r"<button[^>]*>(.*?)</button>", page, re.S)]


def test_a_confirmed_appointment_is_checked_in_then_completed(clinic, desk, messages_stay_in_the_outbox):
    item = _appointment(clinic)
    path = f"/dashboard/appointments/{item.id}"
    page = html(desk.get(path))
    assert {"Check in", "Mark as no-show", "Cancel appointment", "Move appointment"} <= set(_buttons(page))
    assert "Approve request" not in _buttons(page)
    assert desk.post(f"{path}/check-in", {"version": "1"}).status_code == 303
    page = html(desk.get(path))
    assert "Checked in." in text(page) and "checked in" in text(page)
    assert {"Complete", "Mark as no-show"} <= set(_buttons(page)) and "Check in" not in _buttons(page)
    assert desk.post(f"{path}/complete", {"version": "2"}).status_code == 303
    (done,) = rows(clinic.tenant, Appointment)
    assert (done.status, done.version) == ("completed", 3)
    assert [e.action for e in rows(clinic.tenant, AuditEvent, AuditEvent.entity_type == "Appointment")] == [
        "appointment.checked_in", "appointment.completed"]
    assert rows(clinic.tenant, Notification, Notification.kind != "reminder") == []


def test_an_impossible_transition_is_a_409_that_says_why_and_writes_nothing(clinic, desk):
    item = _appointment(clinic, status="completed")
    before = snapshot()
    response = desk.post(f"/dashboard/appointments/{item.id}/no-show", {})
    assert response.status_code == 409
    assert "A completed appointment cannot be marked as a no-show." in text(html(response))
    assert changed_tables(before) == []


def test_a_stale_button_is_a_409(clinic, desk):
    item = _appointment(clinic)
    assert desk.post(f"/dashboard/appointments/{item.id}/check-in", {"version": "1"}).status_code == 303
    response = desk.post(f"/dashboard/appointments/{item.id}/no-show", {"version": "1"})
    assert response.status_code == 409 and "changed since you opened it" in text(html(response))
    assert rows(clinic.tenant, Appointment)[0].status == "checked_in"


def test_a_request_is_approved_or_declined_and_the_customer_told(clinic, desk, messages_stay_in_the_outbox):
    approved = _appointment(clinic, "pending", clinic.physio)
    assert "Decline request" in _buttons(html(desk.get(f"/dashboard/appointments/{approved.id}")))
    assert desk.post(f"/dashboard/appointments/{approved.id}/approve", {"version": "1"}).status_code == 303
    declined = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.physio,
                                     customer=factories.customer(clinic.tenant), status="pending",
                                     starts_at=clinic.at(clinic.day(4), "10:00"))
    assert desk.post(f"/dashboard/appointments/{declined.id}/decline", {"version": "1"}).status_code == 303
    statuses = {a.id: a.status for a in rows(clinic.tenant, Appointment)}
    assert statuses == {approved.id: "confirmed", declined.id: "declined"}
    told = {(n.appointment_id, n.kind) for n in rows(clinic.tenant, Notification)}
    assert told == {(approved.id, "booking_approved"), (declined.id, "cancelled")}


def test_cancelling_needs_a_reason_and_is_told_to_the_customer(clinic, desk, messages_stay_in_the_outbox):
    item = _appointment(clinic)
    path = f"/dashboard/appointments/{item.id}/cancel"
    refused = desk.post(path, {"reason": "", "version": "1"})
    assert refused.status_code == 422 and "Give the reason for cancelling." in text(html(refused))
    assert desk.post(path, {"reason": "Dentist ill", "version": "1"}).status_code == 303
    (cancelled,) = rows(clinic.tenant, Appointment)
    assert (cancelled.status, cancelled.cancellation_reason, cancelled.cancelled_late) == ("cancelled", "Dentist ill", False)
    assert [n.kind for n in rows(clinic.tenant, Notification)] == ["cancelled"]
    (event,) = rows(clinic.tenant, AuditEvent, AuditEvent.action == "appointment.cancelled")
    assert event.details["before"] == {"status": "confirmed"} and event.details["reason"] == "Dentist ill"
    page = html(desk.get(f"/dashboard/appointments/{item.id}"))
    assert "Cancel appointment" not in _buttons(page) and "Move appointment" not in _buttons(page)


def test_a_provider_acts_only_on_their_own_calendar(clinic, visitor):
    user = factories.user(clinic.tenant, "provider")
    ben_item = factories.appointment(clinic.tenant, location=clinic.brooklyn, provider=clinic.ben, service=clinic.dental,
                                     customer=factories.customer(clinic.tenant),
                                     starts_at=clinic.at(clinic.day(3, clinic.brooklyn), "10:00", clinic.brooklyn))
    chloe = signed_in(visitor, clinic, "provider", user=user)
    assert chloe.post(f"/dashboard/appointments/{ben_item.id}/check-in", {"version": "1"}).status_code == 404
    assert rows(clinic.tenant, Appointment)[0].status == "confirmed"
