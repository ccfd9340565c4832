"""A customer's privacy rights: everything the practice holds on them, as JSON or CSV, and erasure
on request (personal data anonymised, appointments kept so the practice's figures stay true)."""
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules.appointments.models import Appointment, AppointmentParticipant, with_appointment_details
from app.modules.audit import trail
from app.modules.customers.directory import end_all_sessions
from app.modules.customers.models import Customer, CustomerNote, CustomerSignInToken
from app.modules.intake.models import AppointmentParameter, CustomerParameter, ParameterDefinition
from app.modules.notifications.models import Notification
from app.modules.waitlist.models import WaitlistEntry

ERASED_NAME = "Erased customer"
# Typed on the confirmation page, so that nobody erases a customer by a slip of the mouse.
CONFIRMATION_WORD = "ERASE"


class AlreadyErased(DomainError):
    """There is nothing left to erase."""


def erased_email(customer_id: int) -> str:
    """The placeholder an erased customer's email becomes: unique, as emails are per practice, and
    undeliverable (``.invalid`` is reserved, RFC 2606)."""
    return f"erased-{customer_id}@erased.invalid"


# Export


def _instant(value: datetime | None, zone: ZoneInfo) -> dict | None:
    """An instant in the practice's time zone and in UTC, both ISO 8601."""
    if value is None:
        return None
    value = value.replace(microsecond=0)
    return {"local": value.astimezone(zone).isoformat(), "utc": value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")}


def _bookings(session: Session, customer: Customer) -> list[AppointmentParticipant]:
    return list(session.scalars(
        sa.select(AppointmentParticipant).join(Appointment, Appointment.id == AppointmentParticipant.appointment_id)
        .where(AppointmentParticipant.customer_id == customer.id)
        .options(*with_appointment_details()).order_by(Appointment.starts_at, AppointmentParticipant.id)
    ).unique())


def _messages_query(customer: Customer, booking_ids: list[int]):
    """The customer's messages: those about their bookings, and their sign-in links (sent to their address)."""
    return sa.select(Notification).where(sa.or_(
        Notification.participant_id.in_(booking_ids),
        sa.and_(Notification.participant_id.is_(None), Notification.kind == "magic_link",
                sa.func.lower(Notification.recipient) == customer.email.lower()),
    ))


def export(session: Session, customer: Customer, *, timezone_name: str, currency: str) -> dict:
    """Everything held on ``customer``, ready for JSON: contact details, consents, intake answers,
    appointments (with the answers given), messages, staff notes and the duplicates merged into them.
    Six statements."""
    zone = ZoneInfo(timezone_name)
    bookings = _bookings(session, customer)
    booking_ids = [b.id for b in bookings]
    answers_given: dict[int, list[dict]] = {}
    if booking_ids:
        for answer, question in session.execute(
            sa.select(AppointmentParameter, ParameterDefinition)
            .join(ParameterDefinition, ParameterDefinition.id == AppointmentParameter.parameter_id)
            .where(AppointmentParameter.participant_id.in_(booking_ids)).order_by(AppointmentParameter.id)
        ):
            answers_given.setdefault(answer.participant_id, []).append(
                {"question": question.label, "key": question.key, "answer": answer.value})
    profile_answers = session.execute(
        sa.select(CustomerParameter, ParameterDefinition)
        .join(ParameterDefinition, ParameterDefinition.id == CustomerParameter.parameter_id)
        .where(CustomerParameter.customer_id == customer.id).order_by(ParameterDefinition.label)
    ).all()
    messages = session.scalars(_messages_query(customer, booking_ids).order_by(Notification.scheduled_for, Notification.id))
    notes = session.scalars(
        sa.select(CustomerNote).where(CustomerNote.customer_id == customer.id).order_by(CustomerNote.created_at, CustomerNote.id)
    )
    # Duplicates merged into this customer keep the contact details they were made with.
    merged = session.scalars(sa.select(Customer).where(Customer.merged_into_id == customer.id).order_by(Customer.id))
    return {
        "customer": {
            "id": customer.id, "name": customer.name, "email": customer.email, "phone": customer.phone,
            "notes": customer.notes, "active": customer.active, "merged_into_id": customer.merged_into_id,
            "created": _instant(customer.created_at, zone), "erased": _instant(customer.erased_at, zone),
        },
        "time_zone": timezone_name,
        "consents": {"email": customer.email_consent, "sms": customer.sms_consent},
        "intake_answers": [{"question": q.label, "key": q.key, "answer": a.value} for a, q in profile_answers],
        "appointments": [
            {
                "id": b.appointment.id, "booking_id": b.id, "service": b.appointment.service.name,
                "provider": b.appointment.provider.name, "location": b.appointment.location.name,
                "status": "cancelled" if b.is_cancelled else b.appointment.status,
                "starts": _instant(b.appointment.starts_at, zone), "ends": _instant(b.appointment.ends_at, zone),
                "seats": b.seats, "role": b.role, "price": b.appointment.price, "currency": currency,
                "checked_in": _instant(b.checked_in_at, zone), "cancelled": _instant(b.cancelled_at or b.appointment.cancelled_at, zone),
                "cancellation_reason": b.appointment.cancellation_reason, "notes": b.appointment.public_notes,
                "internal_notes": b.appointment.internal_notes, "answers": answers_given.get(b.id, []),
            }
            for b in bookings
        ],
        "messages": [
            {"id": m.id, "kind": m.kind, "channel": m.channel, "recipient": m.recipient, "status": m.status,
             "scheduled": _instant(m.scheduled_for, zone), "sent": _instant(m.sent_at, zone), "appointment_id": m.appointment_id}
            for m in messages
        ],
        "staff_notes": [
            {"id": n.id, "written": _instant(n.created_at, zone), "author": n.author_name, "note": n.body} for n in notes
        ],
        "merged_records": [
            {"id": m.id, "name": m.name, "email": m.email, "phone": m.phone, "notes": m.notes,
             "consents": {"email": m.email_consent, "sms": m.sms_consent}, "created": _instant(m.created_at, zone)}
            for m in merged
        ],
    }


CSV_COLUMNS = ("section", "record", "field", "value")
# A spreadsheet runs a cell starting with one of these as a formula, unless told it is text.
_FORMULA = re.compile(r"^[=@\t\r]|^[+-](?![\d\s()]+$)")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    return "'" + text if _FORMULA.match(text) else text


def export_csv(data: dict) -> str:
    """``export``'s data as one CSV of (section, record, field, value) rows: a row per fact, so that
    every section fits one table. Instants come as two fields, ``…_local`` and ``…_utc``."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)

    def facts(section: str, record, fields: dict) -> None:
        for name, value in fields.items():
            if isinstance(value, dict) and set(value) == {"local", "utc"}:
                writer.writerow([section, record, f"{name}_local", _cell(value["local"])])
                writer.writerow([section, record, f"{name}_utc", _cell(value["utc"])])
            elif isinstance(value, list):
                for item in value:
                    writer.writerow([section, record, f"{name}: {item['question']}", _cell(item["answer"])])
            else:
                writer.writerow([section, record, name, _cell(value)])

    facts("contact", data["customer"]["id"], data["customer"] | {"time_zone": data["time_zone"]})
    facts("consent", "", data["consents"])
    for answer in data["intake_answers"]:
        writer.writerow(["intake_answer", answer["key"], answer["question"], _cell(answer["answer"])])
    for section, key in (("appointment", "appointments"), ("message", "messages"), ("staff_note", "staff_notes"),
                         ("merged_record", "merged_records")):
        for item in data[key]:
            fields = {k: v for k, v in item.items() if k != "id"}
            fields |= {f"{k}_consent": v for k, v in fields.pop("consents", {}).items()}
            facts(section, item["id"], fields)
    return out.getvalue()


# Erasure


@dataclass(frozen=True)
class Erasure:
    customer_ids: list[int]  # the customer and every duplicate merged into it
    bookings: int
    answers_deleted: int
    notes_cleared: int
    notifications_cancelled: int

    def summary(self) -> dict:
        return {"customers": self.customer_ids, "bookings_kept": self.bookings, "answers_deleted": self.answers_deleted,
                "notes_cleared": self.notes_cleared, "notifications_cancelled": self.notifications_cancelled}


def erase(session: Session, customer: Customer, *, actor, now: datetime) -> Erasure:
    """Anonymise ``customer``, and the duplicates merged into it (the same person's records), for good.
    Their appointments stay, with their times, statuses, seats and prices, so that counts of
    appointments, no-shows and revenue are unchanged; everything that says who the person was goes."""
    session.scalars(sa.select(Customer).where(Customer.id == customer.id).with_for_update()
                    .execution_options(populate_existing=True)).all()
    if customer.erased_at is not None:
        raise AlreadyErased("This customer's personal data was already erased.")
    people = [customer, *session.scalars(
        sa.select(Customer).where(Customer.merged_into_id == customer.id, Customer.erased_at.is_(None)).order_by(Customer.id)
        .with_for_update()
    )]
    ids = [p.id for p in people]
    emails = [p.email.lower() for p in people]
    booking_ids = list(session.scalars(sa.select(AppointmentParticipant.id).where(AppointmentParticipant.customer_id.in_(ids))))
    # Appointments only these people attend: their notes and reason for cancelling are about them alone.
    own_appointments = sa.select(AppointmentParticipant.appointment_id).where(AppointmentParticipant.customer_id.in_(ids))
    others_there = sa.select(AppointmentParticipant.appointment_id).where(
        AppointmentParticipant.appointment_id.in_(own_appointments), AppointmentParticipant.customer_id.not_in(ids))
    _update(session, Appointment, sa.and_(Appointment.id.in_(own_appointments), Appointment.id.not_in(others_there)), now,
            public_notes="", internal_notes="", cancellation_reason=None)
    _update(session, AppointmentParticipant, AppointmentParticipant.id.in_(booking_ids), now,
            manage_token=None, idempotency_key=None)

    answers_deleted = _delete(session, AppointmentParameter, AppointmentParameter.participant_id.in_(booking_ids))
    answers_deleted += _delete(session, CustomerParameter, CustomerParameter.customer_id.in_(ids))
    notes_cleared = _update(session, CustomerNote, CustomerNote.customer_id.in_(ids), now, body="")
    messages = sa.or_(
        Notification.participant_id.in_(booking_ids),
        sa.and_(Notification.participant_id.is_(None),
                Notification.kind.in_(("magic_link", "waitlist_joined", "waitlist_offer")),
                sa.func.lower(Notification.recipient).in_(emails)),
    )
    cancelled = _update(session, Notification, sa.and_(messages, Notification.status == "queued"), now, status="cancelled")
    # Sent messages stay counted, without the address or the content they carried.
    _update(session, Notification, messages, now, recipient="erased", payload={}, last_error=None)
    _delete(session, CustomerSignInToken, CustomerSignInToken.customer_id.in_(ids))
    # Off every waitlist, and the number they gave to be texted forgotten.
    _update(session, WaitlistEntry, sa.and_(WaitlistEntry.customer_id.in_(ids), WaitlistEntry.status == "waiting"),
            now, status="left", left_at=now)
    _update(session, WaitlistEntry, WaitlistEntry.customer_id.in_(ids), now, sms_phone=None)

    for person in people:
        person.name = ERASED_NAME
        person.email = erased_email(person.id)
        person.phone = None
        person.notes = ""
        person.email_consent = person.sms_consent = False
        person.active = False
        person.erased_at = now
        end_all_sessions(person)
    session.flush()
    erasure = Erasure(ids, len(booking_ids), answers_deleted, notes_cleared, cancelled)
    trail.record(session, "customer.erased", customer, actor=actor, **erasure.summary())
    return erasure


def _update(session: Session, model, where, now: datetime, **values) -> int:
    return session.execute(
        sa.update(model).where(where).values(updated_at=now, **values).execution_options(synchronize_session=False)
    ).rowcount


def _delete(session: Session, model, where) -> int:
    return session.execute(sa.delete(model).where(where).execution_options(synchronize_session=False)).rowcount
