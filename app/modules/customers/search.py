"""Finding a customer as the front desk types: by name, email or phone, in one statement."""
import re

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Provider
from app.modules.customers.contacts import ContactError, normalise_phone
from app.modules.customers.models import Customer

MIN_LENGTH = 2
MIN_PHONE_DIGITS = 4


def _like(text: str) -> str:
    """``text`` as a LIKE pattern matching it anywhere, its own wildcards taken literally."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def search_customers(
    session: Session, q: str, *, phone_region: str | None = None, provider_user_id: int | None = None, limit: int = 10,
) -> list[Customer]:
    """Active customers whose name or email contains ``q``, or whose phone has its digits (a number
    typed in the national format is also matched in E.164). With ``provider_user_id``, only the
    customers that provider has seen. Nothing for fewer than two characters."""
    q = (q or "").strip()[:100]
    if len(q) < MIN_LENGTH:
        return []
    pattern = _like(q.lower())
    matches = [sa.func.lower(Customer.name).like(pattern, escape="\\"),
               sa.func.lower(Customer.email).like(pattern, escape="\\")]
    digits = re.sub(r"\D", "", q)
    if len(digits) >= MIN_PHONE_DIGITS:
        matches.append(Customer.phone.like(_like(digits), escape="\\"))
        try:
            matches.append(Customer.phone == normalise_phone(q, phone_region))
        except ContactError:
            pass
    query = sa.select(Customer).where(Customer.active, sa.or_(*matches)).order_by(Customer.name, Customer.id).limit(limit)
    if provider_user_id is not None:
        query = query.where(sa.exists().where(
            AppointmentParticipant.customer_id == Customer.id,
            Appointment.id == AppointmentParticipant.appointment_id,
            Provider.id == Appointment.provider_id, Provider.user_id == provider_user_id,
        ))
    return list(session.scalars(query))
