"""Changing an appointment's state as staff: the lifecycle after booking."""
from datetime import datetime

from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit, notifications
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant


class AppointmentError(DomainError):
    """The appointment cannot change as asked."""


def _active_bookings(appointment: Appointment) -> list[AppointmentParticipant]:
    return [p for p in appointment.participants if not p.is_cancelled]


def cancel(session: Session, appointment: Appointment, *, reason: str, actor, now: datetime) -> Appointment:
    """Cancel for everyone in it: their reminders stop and each is told."""
    if appointment.status not in ACTIVE_STATUSES:
        raise AppointmentError(f"This appointment is already {appointment.status.replace('_', ' ')}.")
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    appointment.cancellation_reason = reason.strip() or None
    for booking in _active_bookings(appointment):
        notifications.cancel_reminders(session, booking, now=now)
        notifications.about_booking(session, booking, "cancelled", now=now)
    audit.record(session, "appointment.cancelled", appointment, actor=actor, reason=reason)
    return appointment


def approve(session: Session, appointment: Appointment, *, actor, now: datetime) -> Appointment:
    """Confirm a requested appointment and tell everyone in it."""
    if appointment.status != "pending":
        raise AppointmentError("Only a requested appointment can be approved.")
    appointment.status = "confirmed"
    for booking in _active_bookings(appointment):
        notifications.about_booking(session, booking, "booking_approved", now=now)
    audit.record(session, "appointment.approved", appointment, actor=actor)
    return appointment
