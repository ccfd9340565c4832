"""An "add to Google Calendar" link for a booking."""
from urllib.parse import urlencode

from flask import url_for

from app.models import AppointmentParticipant
from app.sites import current_tenant


def google_calendar_link(made: AppointmentParticipant) -> str:
    appointment = made.appointment
    stamp = "%Y%m%dT%H%M%SZ"
    details = f"Manage your booking: {url_for('booking.manage', token=made.manage_token, _external=True)}"
    query = {
        "action": "TEMPLATE",
        "text": f"{appointment.service.name} — {current_tenant.name}",
        "dates": f"{appointment.starts_at.strftime(stamp)}/{appointment.ends_at.strftime(stamp)}",
        "details": details,
        "location": f"{appointment.location.name}, {appointment.location.address}".replace("\n", ", "),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
