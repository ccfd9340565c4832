"""Appointments leaving Sloty: iCalendar (.ics) files, made with the icalendar library, and calendar links."""
from datetime import datetime
from urllib.parse import urlencode

from icalendar import Calendar, Event, vCalAddress, vText

from app.modules.appointments.models import AppointmentParticipant


def invitation(
    made: AppointmentParticipant, *, organizer: str, organizer_email: str, manage_url: str, now: datetime,
    method: str = "PUBLISH",
) -> bytes:
    """One booking as a calendar event. The UID is stable and SEQUENCE rises, so updates replace it."""
    appointment = made.appointment
    calendar = Calendar()
    calendar.add("prodid", "-//Sloty//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("uid", f"booking-{made.id}-{made.tenant_id}@sloty")
    event.add("dtstamp", now)
    event.add("dtstart", appointment.starts_at)
    event.add("dtend", appointment.ends_at)
    event.add("summary", f"{appointment.service.name} with {appointment.provider.name}")
    event.add("location", vText(f"{appointment.location.name}, {appointment.location.address}".replace("\n", ", ")))
    event.add("description", f"Manage or cancel: {manage_url}")
    event.add("url", manage_url)
    event.add("sequence", made.sequence)
    event.add("status", "CANCELLED" if method == "CANCEL" or made.is_cancelled or not appointment.is_active else "CONFIRMED")
    practice = vCalAddress(f"mailto:{organizer_email}")
    practice.params["cn"] = vText(organizer)
    event.add("organizer", practice)
    attendee = vCalAddress(f"mailto:{made.customer.email}")
    attendee.params["cn"] = vText(made.customer.name)
    attendee.params["rsvp"] = "FALSE"
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def google_calendar_link(made: AppointmentParticipant, *, practice: str, manage_url: str) -> str:
    """An "add to Google Calendar" link for one booking."""
    appointment = made.appointment
    stamp = "%Y%m%dT%H%M%SZ"
    query = {
        "action": "TEMPLATE",
        "text": f"{appointment.service.name} — {practice}",
        "dates": f"{appointment.starts_at.strftime(stamp)}/{appointment.ends_at.strftime(stamp)}",
        "details": f"Manage your booking: {manage_url}",
        "location": f"{appointment.location.name}, {appointment.location.address}".replace("\n", ", "),
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
