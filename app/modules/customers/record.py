"""A customer's record as the practice keeps it: the appointments and messages of their history,
their contact details and consent, and the answers to customer-scope intake questions."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from app.core.errors import DomainError
from app.modules import audit, availability
from app.modules.appointments.models import Appointment, AppointmentParticipant, with_appointment_details
from app.modules.catalogue.models import Provider
from app.modules.customers.contacts import ContactError, normalise_email, normalise_phone
from app.modules.customers.models import Customer
from app.modules.intake.models import CustomerParameter, ParameterDefinition
from app.modules.intake.rules import Intake, Question
from app.modules.notifications.models import Notification

MESSAGES_SHOWN = 50
REBOOK_WITHIN = timedelta(days=28)  # how far ahead "book again" looks for the provider's next free time


@dataclass(frozen=True)
class History:
    """Bookings (participations, with their appointment's service, location and provider) of a customer."""

    upcoming: list[AppointmentParticipant]  # soonest first
    past: list[AppointmentParticipant]  # most recent first
    no_shows: int

    @property
    def bookings(self) -> list[AppointmentParticipant]:
        return self.upcoming + self.past


def history(session: Session, customer: Customer, *, now: datetime, provider_user_id: int | None = None) -> History:
    """The customer's bookings in one statement; with ``provider_user_id``, only that provider's."""
    query = (
        sa.select(AppointmentParticipant)
        .join(Appointment, Appointment.id == AppointmentParticipant.appointment_id)
        .where(AppointmentParticipant.customer_id == customer.id)
        .order_by(Appointment.starts_at, Appointment.id, AppointmentParticipant.id)
        .options(*with_appointment_details())
    )
    if provider_user_id is not None:
        query = query.join(Provider, Provider.id == Appointment.provider_id).where(Provider.user_id == provider_user_id)
    rows = session.scalars(query).all()
    upcoming = [b for b in rows if b.appointment.ends_at >= now and not b.is_cancelled and b.appointment.is_active]
    past = [b for b in reversed(rows) if b not in upcoming]
    return History(upcoming, past, sum(1 for b in rows if b.appointment.status == "no_show"))


def messages(session: Session, customer: Customer, bookings: list[AppointmentParticipant], *,
             sign_in_links: bool = True) -> list[Notification]:
    """The messages sent (or due) to the customer, newest first: those about ``bookings``, and the
    sign-in links sent to their address."""
    sent_to = [Notification.participant_id.in_([b.id for b in bookings])] if bookings else []
    if sign_in_links:
        # Stored as sent: the customer's address, normalised (lower case) as customers' addresses are.
        sent_to.append(sa.and_(Notification.recipient == customer.email, Notification.kind == "magic_link",
                               Notification.participant_id.is_(None)))
    if not sent_to:
        return []
    return list(session.scalars(
        sa.select(Notification).where(sa.or_(*sent_to))
        .order_by(Notification.scheduled_for.desc(), Notification.id.desc()).limit(MESSAGES_SHOWN)
    ))


def update_details(session: Session, customer: Customer, *, name: str, email: str, phone: str | None,
                   phone_region: str | None, actor) -> list[str]:
    """Change the customer's name, email and phone, validated and normalised; returns the fields changed
    (audited). Refused at the field: a blank name, a malformed address or number, another customer's email."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the customer's name.", field="name")
    if len(name) > 200:
        raise DomainError("At most 200 characters.", field="name")
    try:
        email = normalise_email(email or "")
    except ContactError as error:
        raise DomainError(str(error), field="email") from None
    phone = (phone or "").strip()
    try:
        # A number kept from before is kept as it is, so an old entry the rules now refuse blocks no other change.
        phone = None if not phone else phone if phone == customer.phone else normalise_phone(phone, phone_region)
    except ContactError as error:
        raise DomainError(str(error), field="phone") from None
    if email != customer.email.lower() and session.scalar(
        sa.select(Customer.id).where(sa.func.lower(Customer.email) == email, Customer.id != customer.id)
    ):
        raise DomainError("Another customer has this email address.", field="email")
    changed = [field for field, value in (("name", name), ("email", email), ("phone", phone))
               if getattr(customer, field) != value]
    if changed:
        customer.name, customer.email, customer.phone = name, email, phone
        # The fields, not their values: the trail is append-only and outlives the customer's erasure.
        audit.record(session, "customer.update", customer, actor=actor, fields=changed)
        session.flush()
    return changed


def update_consent(session: Session, customer: Customer, *, email_consent: bool, sms_consent: bool, actor) -> None:
    """Record what the customer agreed to be sent by each channel (audited: consent must be provable)."""
    if (customer.email_consent, customer.sms_consent) == (email_consent, sms_consent):
        return
    before = {"email": customer.email_consent, "sms": customer.sms_consent}
    customer.email_consent, customer.sms_consent = email_consent, sms_consent
    audit.record(session, "customer.consent", customer, actor=actor, before=before,
                 after={"email": email_consent, "sms": sms_consent})
    session.flush()


# Customer-scope intake answers


class AnswerErrors(DomainError):
    """Some answers were refused: ``errors`` holds the message of each, by question key."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("Some answers need another look.")
        self.errors = errors


def customer_questions(session: Session) -> Intake:
    """The practice's active customer-scope questions with their options (one statement), never
    required here: staff fill in what they know."""
    definitions = session.scalars(
        sa.select(ParameterDefinition).where(ParameterDefinition.scope == "customer", ParameterDefinition.active)
        .options(joinedload(ParameterDefinition.options)).order_by(ParameterDefinition.label, ParameterDefinition.id)
    ).unique().all()
    return Intake([
        Question(parameter_id=d.id, key=d.key, label=d.label, type=d.type, help_text=d.help_text, scope=d.scope,
                 required=False, default=None, options=tuple((o.value, o.label) for o in d.options if o.active))
        for d in definitions
    ], [])


def answers(session: Session, customer: Customer, intake: Intake) -> dict[str, str]:
    """The customer's stored answers to ``intake``'s questions, by key."""
    keys = {q.parameter_id: q.key for q in intake.questions}
    if not keys:
        return {}
    rows = session.scalars(sa.select(CustomerParameter).where(
        CustomerParameter.customer_id == customer.id, CustomerParameter.parameter_id.in_(list(keys))))
    return {keys[row.parameter_id]: row.value for row in rows}


def save_answers(session: Session, customer: Customer, intake: Intake, raw: dict[str, object], *, actor) -> list[str]:
    """Store the cleaned answers of ``raw`` (a blank answer removes the stored one); returns the keys changed
    (audited). Nothing is written when any answer is refused."""
    cleaned, errors = intake.clean(raw)
    if errors:
        raise AnswerErrors(errors)
    stored = {row.parameter_id: row for row in session.scalars(sa.select(CustomerParameter).where(
        CustomerParameter.customer_id == customer.id,
        CustomerParameter.parameter_id.in_([q.parameter_id for q in intake.questions])))}
    changed = []
    for q in intake.questions:
        value, row = cleaned.get(q.key), stored.get(q.parameter_id)
        if row is not None and value is None:
            session.delete(row)
        elif row is not None and row.value != value:
            row.value = value
        elif row is None and value is not None:
            session.add(CustomerParameter(tenant_id=customer.tenant_id, customer_id=customer.id,
                                          parameter_id=q.parameter_id, value=value))
        else:
            continue
        changed.append(q.key)
    if changed:
        # The questions, not the answers (health data, often): the trail outlives the customer's erasure.
        audit.record(session, "customer.answers", customer, actor=actor, questions=changed)
        session.flush()
    return changed


# Booking again


@dataclass(frozen=True)
class Rebooking:
    """Where "book again" opens the calendar's create form: the last booking's provider, location and
    service, at that provider's next free start (None when there is none in the next four weeks)."""

    provider_id: int
    location_id: int
    service_id: int
    starts_at: datetime | None


def book_again(session: Session, history: History, *, now: datetime) -> Rebooking | None:
    """The customer's usual appointment again: None when they have no booking yet, or when its provider,
    location or service is no longer active."""
    last = next((b.appointment for b in history.past + history.upcoming
                 if b.appointment.status not in ("cancelled", "declined")), None)
    if last is None and history.bookings:
        last = history.bookings[0].appointment
    if last is None or not (last.provider.active and last.location.active and last.service.active):
        return None
    zone = ZoneInfo(last.location.timezone)
    calendar = availability.load(session, service=last.service, location=last.location,
                                 first_day=now.astimezone(zone).date(),
                                 last_day=(now + REBOOK_WITHIN).astimezone(zone).date(), provider_id=last.provider_id)
    # The online rules as they are: the time offered can be booked without overriding any of them.
    slots = calendar.slots(now)
    return Rebooking(last.provider_id, last.location_id, last.service_id, slots[0].starts_at if slots else None)
