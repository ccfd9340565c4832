"""What a signed-in member of staff may see: providers see only their own calendar."""
from flask import abort
from flask_login import current_user

from app.modules.appointments.models import Appointment
from app.web.loading import get_or_404


def own_calendar_only() -> int | None:
    """The provider's user id when a provider is signed in; None for everyone else, who see the practice's."""
    return current_user.id if current_user.role == "provider" else None


def visible_appointment(appointment_id: int) -> Appointment:
    """The appointment, if the signed-in member may see it; 404 otherwise."""
    appointment = get_or_404(Appointment, appointment_id)
    own = own_calendar_only()
    if own is not None and appointment.provider.user_id != own:
        abort(404)
    return appointment
