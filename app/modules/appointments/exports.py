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
    calendar = _calendar(method)
    calendar.add_component(_event(made, organizer=organizer, organizer_email=organizer_email, manage_url=manage_url,
                                  now=now, method=method))
    return calendar.to_ical()


def series_invitation(
    bookings: list[AppointmentParticipant], *, organizer: str, organizer_email: str, manage_urls: list[str],
    now: datetime, method: str = "PUBLISH",
) -> bytes:
    """A recurring series as one event per occurrence, each with the UID its own emails use (so a later
    reschedule or cancellation of one occurrence replaces just that one); cancelled ones marked CANCELLED.
    One event each, rather than an RRULE with exceptions, because occurrences are edited one by one."""
    calendar = _calendar(method)
    for made, manage_url in zip(bookings, manage_urls):
        calendar.add_component(_event(made, organizer=organizer, organizer_email=organizer_email,
                                      manage_url=manage_url, now=now, method=method))
    return calendar.to_ical()


def _calendar(method: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Sloty//Appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    return calendar


def _event(made: AppointmentParticipant, *, organizer, organizer_email, manage_url, now, method) -> Event:
    appointment = made.appointment
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
    return event


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
