"""The practice's customers: finding one by email, find-or-create at booking, their appointments,
and the profile they keep themselves."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.modules.appointments.models import Appointment, AppointmentParticipant, with_appointment_details
from app.modules.catalogue.models import Provider
from app.modules.customers.models import Customer

# INSERT … ON CONFLICT for each database we run on.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class Contact:
    name: str
    email: str  # normalised
    phone: str | None  # E.164


def customer_by_email(session: Session, email: str, *, active_only: bool = False) -> Customer | None:
    """The tenant's customer with this email. Emails arrive normalised to lower case; compare
    case-insensitively in case a stored one is not."""
    query = sa.select(Customer).where(sa.func.lower(Customer.email) == email.lower())
    if active_only:
        query = query.where(Customer.active)
    return session.scalar(query.order_by(Customer.id).limit(1))


def find_or_create_customer(session: Session, contact: Contact, *, tenant_id: int) -> tuple[Customer, bool]:
    """The tenant's customer with this email, and whether this call created it."""
    customer = customer_by_email(session, contact.email)
    if customer is not None and customer.merged_into_id is not None:
        # A duplicate merged away: a booking with its email belongs to the customer kept.
        customer = session.scalar(sa.select(Customer).where(Customer.id == customer.merged_into_id))
    if customer is not None:
        return customer, False
    # One statement, no savepoint: the unique (tenant, email) rule settles a race with another booking.
    insert = _INSERTS[session.get_bind().dialect.name](Customer).values(
        tenant_id=tenant_id, name=contact.name, email=contact.email, phone=contact.phone,
    )
    created = session.scalar(insert.on_conflict_do_nothing(index_elements=["tenant_id", "email"]).returning(Customer))
    if created is None:  # created by a concurrent booking a moment ago
        return customer_by_email(session, contact.email), False
    return created, True


def bookings_of(session: Session, customer: Customer, *, now: datetime) -> tuple[list, list]:
    """(upcoming, past) bookings of a customer, soonest first and most recent first."""
    rows = session.scalars(
        sa.select(AppointmentParticipant)
        .join(Appointment, Appointment.id == AppointmentParticipant.appointment_id)
        .where(AppointmentParticipant.customer_id == customer.id)
        .order_by(Appointment.starts_at)
        .options(*with_appointment_details())
    ).all()
    upcoming = [b for b in rows if b.appointment.ends_at >= now and not b.is_cancelled and b.appointment.is_active]
    past = [b for b in reversed(rows) if b not in upcoming]
    return upcoming, past


def appointment_history(session: Session, customer: Customer, *, provider_user_id: int | None = None) -> list[Appointment]:
    """The customer's appointments, newest first; only those with one provider's user when given."""
    query = (
        sa.select(Appointment)
        .join(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
        .where(AppointmentParticipant.customer_id == customer.id)
        .order_by(Appointment.starts_at.desc())
    )
    if provider_user_id is not None:
        query = query.join(Provider, Provider.id == Appointment.provider_id).where(Provider.user_id == provider_user_id)
    return list(session.scalars(query))


def end_all_sessions(customer: Customer) -> None:
    """Sign the customer out everywhere: their sessions carry the version they were issued with."""
    customer.session_version += 1


def update_profile(
    customer: Customer, *, name: str, phone: str | None, email_consent: bool, sms_consent: bool,
) -> Customer:
    """The details a signed-in customer keeps up to date themselves."""
    customer.name = name.strip()
    customer.phone = phone or None
    customer.email_consent = email_consent
    customer.sms_consent = sms_consent
    return customer
