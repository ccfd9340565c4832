"""A customer's data exported and erased, called directly: the export holds everything kept on them
(times in the practice's zone and in UTC); erasure leaves nothing personal yet every figure true."""
import csv
import io
import json
import secrets
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.customers import privacy
from app.modules.customers.directory import Contact, find_or_create_customer
from app.modules.customers.models import Customer, CustomerNote, CustomerSignInToken
from app.modules.intake.models import AppointmentParameter, CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories
from tests.support.database import rows

UTC = timezone.utc


@pytest.fixture
def grace(clinic):
    """Grace and all a practice keeps on her: answers, two appointments (one in Brooklyn), messages,
    a note, a sign-in link; and Lin, who shares her group class."""
    t = clinic.tenant
    customer = factories.customer(t, name="Grace Hopper", email="grace@example.com", phone="+447700900555",
                                  notes="Prefers Tuesdays", email_consent=True, sms_consent=True)
    start = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 10:00 in London, which is on GMT then
    check_up = factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                     customer=customer, starts_at=start)
    check_up_place = booked_place(check_up)
    check_up.internal_notes, check_up.public_notes = "Anxious patient", "Bring your X-rays"
    pilates = factories.appointment(t, location=clinic.london, provider=clinic.chloe, service=clinic.pilates,
                                    customer=customer, starts_at=start + timedelta(days=1), status="no_show")
    lin = factories.customer(t, name="Lin", email="lin@example.com")
    lin_place = factories.save(t, AppointmentParticipant(tenant_id=t.id, appointment_id=pilates.id, customer_id=lin.id,
                                                         manage_token=secrets.token_urlsafe(32)))
    pilates.internal_notes = "Class notes"
    factories.save(t, check_up, pilates)
    factories.save(
        t,
        CustomerParameter(tenant_id=t.id, customer_id=customer.id, parameter_id=clinic.questions["insurance_provider"].id,
                          value="=HYPERLINK(\"http://evil\")"),
        AppointmentParameter(tenant_id=t.id, appointment_id=check_up.id, participant_id=check_up_place.id,
                             parameter_id=clinic.questions["has_pain"].id, value="yes"),
        CustomerNote(tenant_id=t.id, customer_id=customer.id, author_name="Front Desk", body="Asked about payment plans"),
        Notification(tenant_id=t.id, appointment_id=check_up.id, participant_id=check_up_place.id, channel="email",
                     kind="booking_confirmed", recipient="grace@example.com", status="sent", scheduled_for=clock.now(),
                     sent_at=clock.now(), payload={"note": "for Grace"}),
        Notification(tenant_id=t.id, appointment_id=check_up.id, participant_id=check_up_place.id, channel="sms",
                     kind="reminder", recipient="+447700900555", status="queued", offset_minutes=1440,
                     scheduled_for=start - timedelta(days=1)),
        Notification(tenant_id=t.id, channel="email", kind="magic_link", recipient="grace@example.com", status="queued",
                     scheduled_for=clock.now(), payload={"link": "https://riverside.sloty.test/account/sign-in/x"}),
        Notification(tenant_id=t.id, appointment_id=pilates.id, participant_id=lin_place.id, channel="email",
                     kind="reminder", recipient="lin@example.com", status="queued", offset_minutes=1440,
                     scheduled_for=start),
        CustomerSignInToken(tenant_id=t.id, customer_id=customer.id, token_hash="a" * 64,
                            expires_at=clock.now() + timedelta(minutes=15)),
    )
    customer.check_up, customer.pilates, customer.lin = check_up, pilates, lin
    return customer


def booked_place(appointment):
    with tenant_context(appointment.tenant_id):
        return db.session.scalar(sa.select(AppointmentParticipant).where(AppointmentParticipant.appointment_id == appointment.id))


def exported(clinic, customer, zone="Europe/London"):
    with tenant_context(clinic.tenant):
        return privacy.export(db.session, db.session.get(Customer, customer.id), timezone_name=zone, currency="GBP")


def erase(clinic, customer):
    with tenant_context(clinic.tenant):
        done = privacy.erase(db.session, db.session.get(Customer, customer.id), actor=None, now=clock.now())
        db.session.commit()
        return done


def figures(clinic) -> tuple:
    """What the practice's reports count: appointments, no-shows, seats and the revenue booked."""
    with tenant_context(clinic.tenant):
        return tuple(db.session.execute(sa.select(
            sa.func.count(sa.distinct(Appointment.id)),
            sa.func.count(sa.distinct(sa.case((Appointment.status == "no_show", Appointment.id)))),
            sa.func.sum(AppointmentParticipant.seats),
            sa.select(sa.func.sum(Appointment.price)).scalar_subquery(),
        ).join(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)).one())


def test_the_export_holds_everything_kept_on_the_customer(clinic, grace, count_queries):
    with tenant_context(clinic.tenant), count_queries() as queries:
        data = privacy.export(db.session, db.session.get(Customer, grace.id), timezone_name="America/New_York",
                              currency="GBP")
    # However much there is: bookings, their answers, profile answers, messages, notes, merged records.
    assert queries.count == 6
    assert data["customer"] | {"created": None} == {
        "id": grace.id, "name": "Grace Hopper", "email": "grace@example.com", "phone": "+447700900555",
        "notes": "Prefers Tuesdays", "active": True, "merged_into_id": None, "created": None, "erased": None}
    assert data["consents"] == {"email": True, "sms": True} and data["time_zone"] == "America/New_York"
    assert data["intake_answers"] == [{"question": "Dental insurance provider", "key": "insurance_provider",
                                       "answer": "=HYPERLINK(\"http://evil\")"}]
    check_up, pilates = data["appointments"]
    assert check_up["starts"] == {"local": "2026-12-08T05:00:00-05:00", "utc": "2026-12-08T10:00:00Z"}
    assert check_up["ends"]["utc"] == "2026-12-08T10:30:00Z"
    assert (check_up["service"], check_up["provider"], check_up["location"], check_up["status"], check_up["price"]) == (
        "Dental check-up", "Chloe Martin", "Harbour Street", "confirmed", 4500)
    assert check_up["internal_notes"] == "Anxious patient" and check_up["notes"] == "Bring your X-rays"
    assert check_up["answers"] == [{"question": "Are you in any pain at the moment?", "key": "has_pain", "answer": "yes"}]
    assert (pilates["service"], pilates["status"]) == ("Pilates group class", "no_show")
    assert sorted((m["kind"], m["channel"], m["status"]) for m in data["messages"]) == [
        ("booking_confirmed", "email", "sent"), ("magic_link", "email", "queued"), ("reminder", "sms", "queued")]
    assert "lin@example.com" not in json.dumps(data), "another customer's messages are not hers"
    assert [(n["author"], n["note"]) for n in data["staff_notes"]] == [("Front Desk", "Asked about payment plans")]

    assert data["merged_records"] == []
    old = factories.customer(clinic.tenant, name="Grace H.", email="GRACE@example.com", phone="+447700900556",
                             active=False, merged_into_id=grace.id)
    [merged] = exported(clinic, grace)["merged_records"]
    assert (merged["id"], merged["name"], merged["email"], merged["phone"]) == (old.id, "Grace H.", "GRACE@example.com",
                                                                              "+447700900556")

    table = list(csv.reader(io.StringIO(privacy.export_csv(exported(clinic, grace)))))
    assert ["merged_record", str(old.id), "email", "GRACE@example.com"] in table
    assert ["merged_record", str(old.id), "sms_consent", "no"] in table
    assert table[0] == ["section", "record", "field", "value"]
    assert ["contact", str(grace.id), "email", "grace@example.com"] in table
    assert ["contact", str(grace.id), "phone", "+447700900555"] in table, "a phone number is not taken for a formula"
    assert ["consent", "", "sms", "yes"] in table
    assert ["appointment", str(grace.check_up.id), "starts_local", "2026-12-08T10:00:00+00:00"] in table
    assert ["appointment", str(grace.check_up.id), "starts_utc", "2026-12-08T10:00:00Z"] in table
    assert ["appointment", str(grace.check_up.id), "answers: Are you in any pain at the moment?", "yes"] in table
    # A spreadsheet would run this as a formula: it is written as text.
    assert ["intake_answer", "insurance_provider", "Dental insurance provider", "'=HYPERLINK(\"http://evil\")"] in table
    assert any(row[0] == "staff_note" and row[3] == "Asked about payment plans" for row in table)


def test_erasure_leaves_nothing_personal_and_every_figure_true(clinic, grace):
    t = clinic.tenant
    before, version = figures(clinic), grace.session_version
    done = erase(clinic, grace)
    assert figures(clinic) == before == (2, 1, 3, 4500 + 1800)

    [after] = rows(t, Customer, Customer.id == grace.id)
    assert (after.name, after.email, after.phone, after.notes) == ("Erased customer", f"erased-{grace.id}@erased.invalid", None, "")
    assert (after.email_consent, after.sms_consent, after.active) == (False, False, False)
    assert abs(after.erased_at - clock.now()) < timedelta(minutes=1)
    assert after.session_version == version + 1
    assert rows(t, CustomerParameter) == [] and rows(t, AppointmentParameter) == []
    assert [n.body for n in rows(t, CustomerNote)] == [""]
    assert rows(t, CustomerSignInToken) == []
    places = {p.customer_id: p for p in rows(t, AppointmentParticipant)}
    assert places[grace.id].manage_token is None and places[grace.lin.id].manage_token is not None
    check_up, pilates = rows(t, Appointment, Appointment.id.in_([grace.check_up.id, grace.pilates.id]))
    assert (check_up.internal_notes, check_up.public_notes) == ("", ""), "her own appointment's notes are about her"
    assert pilates.internal_notes == "Class notes", "a class Lin attends too keeps its notes"
    outbox = [(n.kind, n.recipient, n.status, n.payload) for n in rows(t, Notification)]
    assert outbox == [
        ("booking_confirmed", "erased", "sent", {}),
        ("reminder", "erased", "cancelled", {}),
        ("magic_link", "erased", "cancelled", {}),
        ("reminder", "lin@example.com", "queued", {}),  # Lin's reminder is hers, untouched
    ]
    assert done.notifications_cancelled == 2 and done.answers_deleted == 2 and done.bookings == 2

    [event] = rows(t, AuditEvent, AuditEvent.action == "customer.erased")
    assert (event.entity_type, event.entity_id) == ("Customer", grace.id)
    assert event.details == {"customers": [grace.id], "bookings_kept": 2, "answers_deleted": 2, "notes_cleared": 1,
                             "notifications_cancelled": 2}
    assert "Grace" not in json.dumps(event.details) and "grace@" not in json.dumps(event.details)


def test_erasure_covers_the_duplicates_merged_into_the_customer_and_cannot_run_twice(clinic, grace):
    t = clinic.tenant
    old = factories.customer(t, name="Grace H.", email="GRACE@example.com", active=False, merged_into_id=grace.id)
    erase(clinic, grace)
    [old_after] = rows(t, Customer, Customer.id == old.id)
    assert (old_after.name, old_after.email, old_after.erased_at is not None) == (
        "Erased customer", f"erased-{old.id}@erased.invalid", True)
    with pytest.raises(privacy.AlreadyErased):
        erase(clinic, grace)
    db.session.rollback()

    # The person may come back: their email is free again, for a new record.
    with tenant_context(t):
        customer, created = find_or_create_customer(db.session, Contact("Grace", "grace@example.com", None), tenant_id=t.id)
    assert created and customer.id not in (grace.id, old.id)
