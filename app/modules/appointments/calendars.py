"""Reading the calendar: the appointments of a period, with everything the dashboard shows of them."""
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.catalogue.models import Provider


def day_agenda(
    session: Session, starts: datetime, ends: datetime, *, provider_user_id: int | None = None,
) -> list[Appointment]:
    """Appointments starting in [starts, ends), with everything the agenda shows, in one round of queries."""
    query = (
        select(Appointment)
        .where(Appointment.starts_at >= starts, Appointment.starts_at < ends)
        .options(
            joinedload(Appointment.provider),
            joinedload(Appointment.service),
            joinedload(Appointment.location),
            selectinload(Appointment.participants).joinedload(AppointmentParticipant.customer),
        )
        .order_by(Appointment.starts_at, Appointment.id)
    )
    if provider_user_id is not None:
        query = query.join(Provider, Provider.id == Appointment.provider_id).where(Provider.user_id == provider_user_id)
    return list(session.scalars(query).unique())
