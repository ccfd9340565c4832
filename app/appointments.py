"""Changing an appointment's state as staff: the lifecycle after booking."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app import audit, notifications
from app.extensions import db
from app.models import Appointment, AppointmentParticipant, Provider, utcnow
from app.models.appointment import ACTIVE_STATUSES


class AppointmentError(ValueError):
    """The appointment cannot change as asked."""


def day_agenda(starts, ends, *, provider_user_id: int | None = None) -> list[Appointment]:
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
    return list(db.session.scalars(query).unique())


def _active_bookings(appointment: Appointment) -> list[AppointmentParticipant]:
    return [p for p in appointment.participants if not p.is_cancelled]


def cancel(appointment: Appointment, *, reason: str, actor) -> Appointment:
    """Cancel for everyone in it: their reminders stop and each is told."""
    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError(f"This appointment is already {appointment.status.replace('_', ' ')}.")
    appointment.status = "cancelled"
    appointment.cancelled_at = utcnow()
    appointment.cancellation_reason = reason.strip() or None
    for booking in _active_bookings(appointment):
        notifications.cancel_reminders(db.session, booking)
        notifications.about_booking(db.session, booking, "cancelled")
    audit.record("appointment.cancelled", appointment, actor=actor, reason=reason)
    return appointment


def approve(appointment: Appointment, *, actor) -> Appointment:
    """Confirm a requested appointment and tell everyone in it."""
    if appointment.status != "pending":
        raise AppointmentError("Only a requested appointment can be approved.")
    appointment.status = "confirmed"
    for booking in _active_bookings(appointment):
        notifications.about_booking(db.session, booking, "booking_approved")
    audit.record("appointment.approved", appointment, actor=actor)
    return appointment
