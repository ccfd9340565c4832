"""Notifications end to end in one process: the outbox rows a booking writes, the email a real SMTP
server receives (with its calendar invitation), reminders that follow the booking, SMS, and failures."""
import json
import threading
from datetime import timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.customers.models import Customer
from app.modules.notifications import delivery, jobs, outbox, transport
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from tests.support import services
from tests.support.booking import filled_form
from tests.support.database import rows
from tests.support.mail import SMTPServer, calendar_part
from tests.support.pages import assert_redirected

UTC = timezone.utc


@pytest.fixture
def smtp(app):
    with SMTPServer() as server:
        app.config.update(server.config())
        yield server


def book(visitor, clinic, start, **values):
    """Book through the site as a customer; returns the booking row."""
    customer = visitor(clinic.host)
    response = customer.post(f"/services/{clinic.dental.id}/book", filled_form(customer, clinic, start, **values))
    path = assert_redirected(response, htmx=False)
    token = path.split("/")[2]
    return rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == token)[0]


def invitation(message) -> Calendar:
    part = calendar_part(message)
    assert part is not None, "the email carries a calendar invitation"
    return Calendar.from_ical(part.get_payload(decode=True))


def only_event(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def test_booking_sends_an_email_with_a_calendar_invitation_that_parses(visitor, clinic, smtp):
    start = clinic.at(clinic.day(3), "10:00")
    booking = book(visitor, clinic, start)

    (message,) = smtp.inbox.to("grace@example.com")
    assert message["Subject"] == "Your appointment is booked — Riverside Clinic"
    assert message.get_body(("plain",)).get_content().count(f"/bookings/{booking.manage_token}") == 1
    assert "Europe/London" in message.get_body(("plain",)).get_content()
    assert f"/bookings/{booking.manage_token}" in message.get_body(("html",)).get_content()
    assert calendar_part(message).get_param("method") == "REQUEST"
    calendar = invitation(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    event = only_event(calendar)
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + timedelta(minutes=30)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "Dental check-up with Chloe Martin"
    assert str(event["UID"]) == f"booking-{booking.id}-{booking.tenant_id}@sloty"
    assert int(event["SEQUENCE"]) == 0

    sent = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert [(n.status, n.recipient, n.attempts) for n in sent] == [("sent", "grace@example.com", 1)]
    assert sent[0].provider_message_id == message["Message-ID"]


def test_booking_queues_reminders_at_the_tenants_offsets_and_not_those_already_past(visitor, clinic, smtp):
    start = clinic.at(clinic.day(3), "10:00")
    book(visitor, clinic, start)
    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert sorted((r.offset_minutes, r.scheduled_for, r.status) for r in reminders) == [
        (120, start - timedelta(hours=2), "queued"),
        (1440, start - timedelta(hours=24), "queued"),
    ]
    soon = clinic.at(clinic.day(3), "14:00")
    passed = int((soon - clock.now()).total_seconds() // 60) + 60  # its moment was an hour ago
    with tenant_context(clinic.tenant):
        db.session.get(Tenant, clinic.tenant.id).reminder_offsets = [passed, 60]
        db.session.commit()
    book(visitor, clinic, soon, email="later@example.com")
    later = rows(clinic.tenant, Notification, Notification.kind == "reminder", Notification.recipient == "later@example.com")
    assert [r.offset_minutes for r in later] == [60]


def test_reminders_honour_consent_per_channel(visitor, clinic, smtp):
    with tenant_context(clinic.tenant):
        db.session.add(Customer(
            tenant_id=clinic.tenant.id, name="Texter", email="texter@example.com", phone="+447911123456",
            email_consent=False, sms_consent=True,
        ))
        db.session.commit()
    book(visitor, clinic, clinic.at(clinic.day(3), "10:00"), email="texter@example.com", name="Texter")
    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert {(r.channel, r.recipient) for r in reminders} == {("sms", "+447911123456")}


def test_reschedule_raises_the_sequence_moves_the_reminders_and_sends_an_update(visitor, clinic, smtp):
    start = clinic.at(clinic.day(3), "10:00")
    booking = book(visitor, clinic, start)
    new_start = clinic.at(clinic.day(4), "11:00")
    customer = visitor(clinic.host)
    response = customer.post(f"/bookings/{booking.manage_token}/reschedule", {"start": new_start.strftime("%Y-%m-%dT%H:%MZ")})
    assert response.status_code == 303

    update = smtp.inbox.messages[-1]
    assert update["Subject"] == "Your appointment has moved — Riverside Clinic"
    event = only_event(invitation(update))
    assert str(invitation(update)["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == new_start
    assert int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == f"booking-{booking.id}-{booking.tenant_id}@sloty"

    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert sorted((r.status, r.scheduled_for) for r in reminders) == sorted([
        ("cancelled", start - timedelta(hours=24)), ("cancelled", start - timedelta(hours=2)),
        ("queued", new_start - timedelta(hours=24)), ("queued", new_start - timedelta(hours=2)),
    ])


def test_cancel_sends_method_cancel_and_a_cancelled_appointment_gets_no_reminders(visitor, clinic, smtp):
    booking = book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    customer = visitor(clinic.host)
    assert customer.post(f"/bookings/{booking.manage_token}/cancel", {"reason": "Away"}).status_code == 303

    cancellation = smtp.inbox.messages[-1]
    assert cancellation["Subject"] == "Your appointment is cancelled — Riverside Clinic"
    assert calendar_part(cancellation).get_param("method") == "CANCEL"
    assert str(invitation(cancellation)["METHOD"]) == "CANCEL"
    assert str(only_event(invitation(cancellation))["STATUS"]) == "CANCELLED"
    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert {r.status for r in reminders} == {"cancelled"}

    # Even a reminder that escaped cancellation (queued and due) is not sent for a cancelled booking.
    with tenant_context(clinic.tenant):
        db.session.execute(sa.update(Notification).where(Notification.kind == "reminder").values(
            status="queued", scheduled_for=clock.now() - timedelta(minutes=1)))
        db.session.commit()
    sent_before = len(smtp.inbox.messages)
    assert jobs.sweep() == 2
    assert len(smtp.inbox.messages) == sent_before
    assert {r.status for r in rows(clinic.tenant, Notification, Notification.kind == "reminder")} == {"cancelled"}


def test_due_reminders_are_sent_by_send_due_once(visitor, clinic, smtp, runner):
    booking = book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    with tenant_context(clinic.tenant):
        db.session.execute(sa.update(Notification).where(Notification.kind == "reminder", Notification.offset_minutes == 1440)
                           .values(scheduled_for=clock.now() - timedelta(seconds=5)))
        db.session.commit()
    result = runner.invoke(args=["sloty", "send-due"])
    assert "1 notification(s) sent." in result.output
    assert runner.invoke(args=["sloty", "send-due"]).output.startswith("0 ")
    reminders = [m for m in smtp.inbox.messages if m["Subject"].startswith("Reminder")]
    assert len(reminders) == 1
    assert f"/bookings/{booking.manage_token}" in reminders[0].get_body(("plain",)).get_content()
    assert calendar_part(reminders[0]) is None


def test_a_claimed_notification_is_never_sent_twice(visitor, clinic, smtp):
    book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert delivery.send(clinic.tenant.id, confirmation.id) == "not due or already taken"
    with tenant_context(clinic.tenant):
        db.session.execute(sa.update(Notification).where(Notification.id == confirmation.id).values(status="queued"))
        db.session.commit()
        assert outbox.claim(db.session, confirmation.id, now=clock.now())
        assert not outbox.claim(db.session, confirmation.id, now=clock.now())
        db.session.rollback()
    assert len(smtp.inbox.to("grace@example.com")) == 1


@pytest.mark.parametrize("reply,status,retried", [
    ("451 4.3.0 Try again later", "queued", True),
    ("550 5.1.1 No such user", "failed", False),
])
def test_smtp_failures_retry_when_transient_and_fail_when_permanent(visitor, clinic, smtp, reply, status, retried):
    smtp.inbox.refuse_with = reply
    book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
    assert confirmation.status == status
    assert confirmation.attempts == 1
    assert reply.split()[0] in confirmation.last_error
    if retried:
        assert confirmation.scheduled_for > clock.now() + timedelta(seconds=20)
    assert smtp.inbox.messages == []


def test_staff_see_the_history_and_can_retry_a_failed_message(visitor, clinic, smtp):
    smtp.inbox.refuse_with = "550 5.1.1 No such user"
    booking = book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    from tests.support import factories

    owner = factories.user(clinic.tenant, "owner")
    staff = visitor(clinic.host)
    staff.sign_in(owner.email, factories.PASSWORD)
    page = staff.get(f"/dashboard/appointments/{booking.appointment_id}").get_data(as_text=True)
    assert "booking confirmed" in page and "550" in page and "Retry" in page
    (failed,) = rows(clinic.tenant, Notification, Notification.status == "failed")
    smtp.inbox.refuse_with = None
    assert staff.post(f"/dashboard/notifications/{failed.id}/retry").status_code == 303
    assert len(smtp.inbox.to("grace@example.com")) == 1
    assert rows(clinic.tenant, Notification, Notification.id == failed.id)[0].status == "sent"


# --- SMS -------------------------------------------------------------------------------------

class Gateway(BaseHTTPRequestHandler):
    received: list = []
    answer = (200, {"id": "SM123"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((dict(self.headers), {k: v[0] for k, v in parse_qs(body.decode()).items()}))
        status, reply = Gateway.answer
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(reply).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def sms_gateway(app):
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.answer = [], (200, {"id": "SM123"})
    app.config.update(SMS_BACKEND="http", SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/messages",
                      SMS_GATEWAY_TOKEN="secret-token", SMS_FROM="Riverside")
    yield Gateway
    server.shutdown()


def due_sms(clinic, booking, recipient="07911 123456"):
    with tenant_context(clinic.tenant):
        row = outbox.queue(db.session, now=clock.now(), tenant_id=clinic.tenant.id, kind="reminder", channel="sms", recipient=recipient,
                           appointment_id=booking.appointment_id, participant_id=booking.id, offset_minutes=5)
        db.session.commit()
        return row.id


@pytest.mark.parametrize("status,reply,outcome", [
    (200, {"id": "SM123"}, "sent"),
    (400, {"error": "bad number"}, "failed"),
    (503, {"error": "busy"}, "queued"),
])
def test_sms_goes_through_the_http_gateway(visitor, clinic, smtp, sms_gateway, status, reply, outcome):
    booking = book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
    notification_id = due_sms(clinic, booking, recipient="+44 7911 123456")
    sms_gateway.answer = (status, reply)
    try:
        delivery.send(clinic.tenant.id, notification_id)
    except delivery.RetryLater:
        assert outcome == "queued"
    headers, form = sms_gateway.received[-1]
    assert headers["Authorization"] == "Bearer secret-token"
    assert form["To"] == "+447911123456" and form["From"] == "Riverside"
    assert "Dental check-up" in form["Body"] and transport.segments(form["Body"]) <= 2
    row = rows(clinic.tenant, Notification, Notification.id == notification_id)[0]
    assert row.status == outcome
    assert (row.provider_message_id == "SM123") == (outcome == "sent")


def test_sms_bodies_fit_in_two_segments():
    assert transport.segments("a" * 160) == 1 and transport.segments("a" * 161) == 2
    assert transport.segments("é" * 70) == 1  # é is in the GSM alphabet
    assert transport.segments("€" * 70) == 1 and transport.segments("€" * 71) == 2
    long = "Reminder: " + "x" * 500
    assert transport.segments(transport.fit(long)) == 2 and transport.fit(long).endswith("...")
    assert transport.e164("+1 (212) 555-0147") == "+12125550147"
    with pytest.raises(transport.PermanentFailure):
        transport.e164("12345")


# --- Redis -----------------------------------------------------------------------------------

def test_with_redis_the_request_enqueues_one_job_per_message_and_attempt(app, visitor, clinic):
    services.require("redis")
    from redis import Redis
    from rq import Queue

    connection = Redis.from_url(services.REDIS_URL)
    connection.flushdb()
    app.config["REDIS_URL"] = services.REDIS_URL
    try:
        booking = book(visitor, clinic, clinic.at(clinic.day(3), "10:00"))
        queue = Queue(jobs.QUEUE, connection=connection)
        (confirmation,) = rows(clinic.tenant, Notification, Notification.kind == "booking_confirmed")
        assert confirmation.status == "queued"
        assert queue.job_ids == [f"notification-{confirmation.id}-0"]
        assert queue.fetch_job(queue.job_ids[0]).args == (booking.tenant_id, confirmation.id)
        # Sweeping again, from any number of processes, adds no duplicate.
        assert jobs.sweep() == 0
        assert queue.count == 1
    finally:
        connection.flushdb()


# --- practices set when reminders go out -----------------------------------------------------

def test_owners_set_the_reminder_times_and_new_bookings_follow_them(visitor, clinic, smtp):
    from tests.support import factories

    owner = factories.user(clinic.tenant, "owner")
    staff = visitor(clinic.host)
    staff.sign_in(owner.email, factories.PASSWORD)
    page = staff.get("/dashboard/settings/reminders").get_data(as_text=True)
    assert 'value="24, 2"' in page

    refused = staff.post("/dashboard/settings/reminders", {"hours": "48, soon"})
    assert refused.status_code == 422
    assert "“soon” is not a number of hours." in refused.get_data(as_text=True)
    assert 'value="48, soon"' in refused.get_data(as_text=True)

    assert staff.post("/dashboard/settings/reminders", {"hours": "48; 0.5"}).status_code == 303
    assert rows(clinic.tenant, Tenant)[0].reminder_offsets == [2880, 30]
    start = clinic.at(clinic.day(3), "10:00")
    book(visitor, clinic, start)
    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    assert sorted(r.scheduled_for for r in reminders) == [start - timedelta(hours=48), start - timedelta(minutes=30)]


def test_front_desk_staff_cannot_change_reminder_times(visitor, clinic):
    from tests.support import factories

    desk = factories.user(clinic.tenant, "staff")
    staff = visitor(clinic.host)
    staff.sign_in(desk.email, factories.PASSWORD)
    assert staff.post("/dashboard/settings/reminders", {"hours": "1"}).status_code == 403
    assert rows(clinic.tenant, Tenant)[0].reminder_offsets == [1440, 120]
