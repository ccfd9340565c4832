"""Likely duplicates and merging, called directly: what is found (in a fixed number of statements),
what moves to the customer kept, and merges refused when what was confirmed is no longer true."""
import secrets
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.customers import duplicates, merging
from app.modules.customers.directory import Contact, find_or_create_customer
from app.modules.customers.models import Customer, CustomerNote
from app.modules.intake.models import AppointmentParameter, CustomerParameter
from app.modules.notifications.models import Notification
from tests.support import factories, services
from tests.support.database import rows


def booking(clinic, customer, *, days=3, at="10:00", service=None, provider=None):
    """``customer``'s appointment (Chloe, London, dental by default) and their participant row."""
    appointment = factories.appointment(
        clinic.tenant, location=clinic.london, provider=provider or clinic.chloe, service=service or clinic.dental,
        customer=customer, days=days, at=at)
    with tenant_context(clinic.tenant):
        participant = db.session.scalar(select(AppointmentParticipant).where(
            AppointmentParticipant.appointment_id == appointment.id))
    return appointment, participant


def answer(clinic, customer, key_, value):
    return factories.save(clinic.tenant, CustomerParameter(
        tenant_id=clinic.tenant.id, customer_id=customer.id, parameter_id=clinic.questions[key_].id, value=value))


def note(clinic, customer, body, author="Front Desk"):
    return factories.save(clinic.tenant, CustomerNote(
        tenant_id=clinic.tenant.id, customer_id=customer.id, author_name=author, body=body))


def message(clinic, participant, *, channel="email", recipient, kind="reminder", status="queued", offset=1440):
    return factories.save(clinic.tenant, Notification(
        tenant_id=clinic.tenant.id, appointment_id=participant.appointment_id, participant_id=participant.id,
        channel=channel, kind=kind, recipient=recipient, status=status, offset_minutes=offset if kind == "reminder" else None,
        scheduled_for=clock.now() + timedelta(days=1)))


def plan(clinic, kept, merged):
    with tenant_context(clinic.tenant):
        return merging.plan_merge(db.session, db.session.get(Customer, kept.id), db.session.get(Customer, merged.id))


def merge(clinic, kept, merged, fingerprint=None):
    with tenant_context(clinic.tenant):
        kept, merged = db.session.get(Customer, kept.id), db.session.get(Customer, merged.id)
        fingerprint = fingerprint or merging.plan_merge(db.session, kept, merged).fingerprint
        done = merging.merge(db.session, kept, merged, fingerprint=fingerprint, actor=None, now=clock.now())
        db.session.commit()
        return done


# Finding them


def test_likely_duplicates_are_case_variants_of_an_email_a_shared_phone_or_a_name_and_phone(clinic, elsewhere, count_queries):
    t = clinic.tenant
    anna = factories.customer(t, name="Anna Smith", email="anna@example.com")
    anna_caps = factories.customer(t, name="Anna Smith", email="Anna@Example.com")
    ben = factories.customer(t, name="Ben Jones", email="ben@example.com", phone="+447700900001")
    benjamin = factories.customer(t, name="Benjamin Jones", email="benj@example.com", phone="+447700900001")
    cara = factories.customer(t, name="Cara  Brown", email="cara@example.com", phone="+447700900002")
    cara_again = factories.customer(t, name="cara brown", email="cara.b@example.com", phone="+447700900002")
    factories.customer(t, name="Dan Unique", email="dan@example.com", phone="+447700900003")
    # Not in use, so not offered: merged away, erased, deactivated.
    factories.customer(t, name="Old Anna", email="ANNA@example.com", active=False, merged_into_id=anna.id)
    factories.customer(t, name="Erased customer", email="erased-1@erased.invalid", phone="+447700900003",
                       active=False, erased_at=clock.now())
    # Another practice's customer with the same email is never a duplicate of this one's.
    factories.customer(elsewhere["tenant"], name="Anna Smith", email="ANNA@EXAMPLE.COM")

    with tenant_context(t), count_queries() as queries:
        groups = duplicates.likely_duplicates(db.session)
        counts = duplicates.booking_counts(db.session, [c for g in groups for c in g.customers])
    found = [([c.id for c in g.customers], g.reasons) for g in groups]
    assert found == [
        ([anna.id, anna_caps.id], ("email",)),
        ([cara.id, cara_again.id], ("name_phone",)),  # "same phone" says less, so is not repeated
        ([ben.id, benjamin.id], ("phone",)),
    ]
    assert groups[1].labels == ["Same name and phone"] and groups[0].kept.id == anna.id
    assert queries.count == 2 and counts == {}

    with tenant_context(t):
        mine = duplicates.likely_duplicates(db.session, only_for=benjamin)
    assert [[c.id for c in g.customers] for g in mine] == [[ben.id, benjamin.id]]


def test_finding_duplicates_costs_the_same_with_many_customers(clinic, count_queries):
    for n in range(30):
        factories.customer(clinic.tenant, name=f"Twin {n}", email=f"twin{n}@example.com", phone=f"+4477009{n:05d}")
        factories.customer(clinic.tenant, name=f"Twin {n}", email=f"TWIN{n}@example.com")
    with tenant_context(clinic.tenant), count_queries() as queries:
        groups = duplicates.likely_duplicates(db.session)
        duplicates.booking_counts(db.session, [c for g in groups for c in g.customers])
    assert len(groups) == 30 and queries.count == 2


# Merging


def test_a_merge_moves_bookings_answers_notes_and_queued_messages_to_the_customer_kept(clinic):
    t = clinic.tenant
    kept = factories.customer(t, name="Anna Smith", email="anna@example.com", notes="Prefers mornings")
    merged = factories.customer(t, name="Anna Smith", email="ANNA@example.com", phone="+447700900123",
                                sms_consent=True, notes="Allergic to latex")
    _, kept_booking = booking(clinic, kept, days=2)
    first, one = booking(clinic, merged, days=3)
    second, two = booking(clinic, merged, days=4)
    answer(clinic, kept, "date_of_birth", "1980-01-01")
    answer(clinic, merged, "date_of_birth", "1981-02-02")  # a conflict: the kept customer's answer stays
    answer(clinic, merged, "insurance_provider", "Bupa")
    written = note(clinic, merged, "Called to rebook")
    by_email = message(clinic, one, recipient="ANNA@example.com")
    by_sms = message(clinic, one, channel="sms", recipient="+447700900123")  # the kept customer never agreed to SMS
    sent = message(clinic, two, recipient="ANNA@example.com", kind="booking_confirmed", status="sent")
    version = merged.session_version

    shown = plan(clinic, kept, merged)
    assert [b.id for b in shown.bookings] == [one.id, two.id] and shown.shared_appointment_ids == set()
    assert [(a.question.key, a.value) for a in shown.answers] == [("insurance_provider", "Bupa")]
    assert [(c.question.key, c.kept_value, c.dropped_value) for c in shown.conflicts] == [
        ("date_of_birth", "1980-01-01", "1981-02-02")]
    assert [n.id for n in shown.notes] == [written.id]
    assert [n.id for n in shown.readdressed] == [by_email.id] and [n.id for n in shown.cancelled] == [by_sms.id]
    assert shown.phone_copied == "+447700900123" and shown.notes_appended

    merge(clinic, kept, merged, shown.fingerprint)

    assert {p.customer_id for p in rows(t, AppointmentParticipant)} == {kept.id}
    assert [p.id for p in rows(t, AppointmentParticipant, AppointmentParticipant.customer_id == kept.id)] == [
        kept_booking.id, one.id, two.id]
    assert sorted((a.customer_id, a.parameter_id, a.value) for a in rows(t, CustomerParameter)) == sorted([
        (kept.id, clinic.questions["date_of_birth"].id, "1980-01-01"),
        (kept.id, clinic.questions["insurance_provider"].id, "Bupa"),
    ])
    assert [(n.customer_id, n.body) for n in rows(t, CustomerNote)] == [(kept.id, "Called to rebook")]
    outbox = {n.id: (n.participant_id, n.recipient, n.status) for n in rows(t, Notification)}
    assert outbox == {
        by_email.id: (one.id, "anna@example.com", "queued"),
        by_sms.id: (one.id, "+447700900123", "cancelled"),
        sent.id: (two.id, "ANNA@example.com", "sent"),  # history is history
    }
    [after_kept] = rows(t, Customer, Customer.id == kept.id)
    assert (after_kept.email, after_kept.phone, after_kept.email_consent, after_kept.sms_consent) == (
        "anna@example.com", "+447700900123", True, False), "the kept customer's own consent stays"
    assert after_kept.notes == "Prefers mornings\n\nAllergic to latex"
    [after_merged] = rows(t, Customer, Customer.id == merged.id)
    assert (after_merged.active, after_merged.merged_into_id, after_merged.session_version) == (False, kept.id, version + 1)
    assert after_merged.email == "ANNA@example.com", "deactivated, never deleted"

    [event] = rows(t, AuditEvent, AuditEvent.action == "customer.merged")
    assert (event.entity_type, event.entity_id) == ("Customer", kept.id)
    assert event.details == {
        "merged_customer_id": merged.id, "bookings": [one.id, two.id], "appointments": sorted([first.id, second.id]),
        "shared_appointments": [], "answers_moved": [clinic.questions["insurance_provider"].id],
        "answers_dropped": [clinic.questions["date_of_birth"].id], "notes": [written.id],
        "notifications_readdressed": [by_email.id], "notifications_cancelled": [by_sms.id],
        "phone_copied": True, "notes_appended": True,
    }
    assert "Anna" not in str(event.details) and "anna@" not in str(event.details).lower()


def test_both_customers_in_one_group_session_keep_both_bookings(clinic):
    t = clinic.tenant
    kept = factories.customer(t, name="Sam Lee", email="sam@example.com")
    merged = factories.customer(t, name="Sam Lee", email="SAM@example.com")
    session, kept_place = booking(clinic, kept, service=clinic.pilates)
    merged_place = factories.save(t, AppointmentParticipant(
        tenant_id=t.id, appointment_id=session.id, customer_id=merged.id, seats=2, manage_token=secrets.token_urlsafe(32)))
    # The same question answered on each booking: one answer per booking and question, which must still hold.
    for place, value in ((kept_place, "no"), (merged_place, "yes")):
        factories.save(t, AppointmentParameter(tenant_id=t.id, appointment_id=session.id, participant_id=place.id,
                                               parameter_id=clinic.questions["has_pain"].id, value=value))
    reminders = [message(clinic, place, recipient=c.email) for place, c in ((kept_place, kept), (merged_place, merged))]

    shown = plan(clinic, kept, merged)
    assert shown.shared_appointment_ids == {session.id}
    merge(clinic, kept, merged, shown.fingerprint)

    places = rows(t, AppointmentParticipant, AppointmentParticipant.appointment_id == session.id)
    assert [(p.id, p.customer_id, p.seats) for p in places] == [(kept_place.id, kept.id, 1), (merged_place.id, kept.id, 2)]
    assert sorted((a.participant_id, a.value) for a in rows(t, AppointmentParameter)) == [
        (kept_place.id, "no"), (merged_place.id, "yes")]
    assert [(n.participant_id, n.recipient, n.status) for n in rows(t, Notification)] == [
        (reminders[0].participant_id, "sam@example.com", "queued"), (merged_place.id, "sam@example.com", "queued")]
    [event] = rows(t, AuditEvent, AuditEvent.action == "customer.merged")
    assert event.details["shared_appointments"] == [session.id]


def test_a_stale_confirmation_is_refused_and_nothing_moves(clinic):
    t = clinic.tenant
    kept = factories.customer(t, name="Ola Nowak", email="ola@example.com")
    merged = factories.customer(t, name="Ola Nowak", email="OLA@example.com")
    booking(clinic, merged, days=3)
    shown = plan(clinic, kept, merged)
    _, since = booking(clinic, merged, days=5)  # booked after the confirmation was shown
    db.session.commit()

    with pytest.raises(merging.StaleMerge, match="changed since it was shown"):
        merge(clinic, kept, merged, shown.fingerprint)
    db.session.rollback()
    assert {p.customer_id for p in rows(t, AppointmentParticipant)} == {merged.id}
    assert rows(t, Customer, Customer.id == merged.id)[0].active
    assert rows(t, AuditEvent, AuditEvent.action == "customer.merged") == []
    assert since.id in [b.id for b in plan(clinic, kept, merged).bookings]


def test_a_customer_already_merged_cannot_be_merged_again_nor_kept(clinic):
    t = clinic.tenant
    first, second, third = (factories.customer(t, name="Kim", email=f"kim{n}@example.com", phone="+447700900777")
                            for n in range(3))
    stale = plan(clinic, first, second).fingerprint
    merge(clinic, third, second)
    with pytest.raises(merging.NotMergeable, match="Kim was already merged into another customer"):
        merge(clinic, first, second, stale)
    db.session.rollback()
    with pytest.raises(merging.NotMergeable, match="already merged"):
        plan(clinic, second, first)  # into a customer merged away
    with pytest.raises(merging.NotMergeable, match="with itself"):
        plan(clinic, first, first)


def test_earlier_merges_point_at_the_customer_finally_kept_and_new_bookings_follow(clinic):
    t = clinic.tenant
    oldest = factories.customer(t, name="Lea", email="lea@example.com")
    middle = factories.customer(t, name="Lea", email="LEA@example.com")
    newest = factories.customer(t, name="Lea", email="Lea@Example.com")
    merge(clinic, middle, oldest)  # the oldest record, merged away first
    merge(clinic, newest, middle)
    assert {c.id: c.merged_into_id for c in rows(t, Customer)} == {oldest.id: newest.id, middle.id: newest.id, newest.id: None}
    with tenant_context(t):
        found, created = find_or_create_customer(db.session, Contact("Lea", "lea@example.com", None), tenant_id=t.id)
    assert (found.id, created) == (newest.id, False), "a booking with a merged-away email goes to the customer kept"


def test_two_merges_of_the_same_pair_at_once_leave_exactly_one_done(app, clinic):
    """Each merges the other way: both confirmations were true when shown; one must be refused whole."""
    services.require("postgres")
    t = clinic.tenant
    ann = factories.customer(t, name="Ann", email="ann@example.com")
    other = factories.customer(t, name="Ann", email="ANN@example.com")
    booking(clinic, ann, days=3)
    booking(clinic, other, days=4)
    prints = {(ann.id, other.id): plan(clinic, ann, other).fingerprint, (other.id, ann.id): plan(clinic, other, ann).fingerprint}
    db.session.commit()
    tenant_id, barrier, results = t.id, threading.Barrier(2), []

    def merger(kept_id, merged_id):
        with app.app_context(), tenant_context(tenant_id):
            kept, merged = db.session.get(Customer, kept_id), db.session.get(Customer, merged_id)
            barrier.wait(timeout=10)
            try:
                merging.merge(db.session, kept, merged, fingerprint=prints[(kept_id, merged_id)], actor=None, now=clock.now())
                db.session.commit()
                results.append("merged")
            except merging.NotMergeable as error:
                db.session.rollback()
                results.append(str(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=merger, args=pair) for pair in prints]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results) == ["Ann was already merged into another customer.", "merged"]
    customers = rows(t, Customer)
    [kept] = [c for c in customers if c.active]
    [merged] = [c for c in customers if not c.active]
    assert merged.merged_into_id == kept.id
    assert {p.customer_id for p in rows(t, AppointmentParticipant)} == {kept.id}
    assert len(rows(t, AuditEvent, AuditEvent.action == "customer.merged")) == 1
