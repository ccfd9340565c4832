"""Finding a customer as the front desk types: by name, email or phone, in one statement. The
conditions are written so PostgreSQL's trigram indexes (migration 0009) can serve each of them."""
import re

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Provider
from app.modules.customers.models import Customer

MIN_LENGTH = 2
MIN_PHONE_DIGITS = 4
MAX_LENGTH = 100


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own wildcards taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def phone_fragments(q: str, region: str | None) -> set[str]:
    """Runs of digits a stored E.164 number (+447700900123) contains when ``q`` is any spelling of it:
    its digits as typed ("+44 7700-900-123"), without the trunk prefix ("07700 900…"), and the
    national number read as ``region``'s ("07700 900123" → 7700900123)."""
    digits = re.sub(r"\D", "", q)
    fragments = {digits, digits.lstrip("0")}
    try:
        number = phonenumbers.parse(q, region)
    except phonenumbers.NumberParseException:
        pass
    else:
        fragments.add(str(number.national_number))
    return {fragment for fragment in fragments if len(fragment) >= MIN_PHONE_DIGITS}


def matching(q: str, *, phone_region: str | None = None):
    """The condition "name or email contains ``q``, or the phone has its digits", or None when ``q``
    is too short to search by. Each branch is a LIKE on an indexed expression: lower(name),
    lower(email), phone; so PostgreSQL ORs three trigram index scans instead of reading every row."""
    q = (q or "").strip()[:MAX_LENGTH]
    if len(q) < MIN_LENGTH:
        return None
    pattern = _like(q.lower())
    matches = [sa.func.lower(Customer.name).like(pattern, escape="\\"),
               sa.func.lower(Customer.email).like(pattern, escape="\\")]
    matches += [Customer.phone.like(_like(fragment), escape="\\")
                for fragment in sorted(phone_fragments(q, phone_region))]
    return sa.or_(*matches)


def seen_by(provider_user_id: int):
    """The condition "this provider's user has had an appointment with the customer"."""
    return sa.exists().where(
        AppointmentParticipant.customer_id == Customer.id,
        Appointment.id == AppointmentParticipant.appointment_id,
        Provider.id == Appointment.provider_id, Provider.user_id == provider_user_id,
    )


def search_customers(
    session: Session, q: str, *, phone_region: str | None = None, provider_user_id: int | None = None, limit: int = 10,
) -> list[Customer]:
    """Active customers whose name or email contains ``q``, or whose phone has its digits (a number
    typed in the national format is also matched). With ``provider_user_id``, only the customers
    that provider has seen. Nothing for fewer than two characters."""
    condition = matching(q, phone_region=phone_region)
    if condition is None:
        return []
    query = sa.select(Customer).where(Customer.active, condition).order_by(Customer.name, Customer.id).limit(limit)
    if provider_user_id is not None:
        query = query.where(seen_by(provider_user_id))
    return list(session.scalars(query))
