"""What each notification says: subject, text and HTML bodies, SMS text and calendar attachment."""
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, render_template
from sqlalchemy.orm import object_session

from app.core.zones import wall_time
from app.modules.appointments import exports
from app.modules.appointments.models import Appointment, AppointmentParticipant, with_appointment_details
from app.modules.notifications.models import Notification
from app.modules.platform import settings
from app.modules.tenants import site_url
from app.modules.tenants.models import Tenant

SUBJECTS = {
    "booking_confirmed": "Your appointment is booked",
    "booking_pending": "We have your appointment request",
    "booking_approved": "Your appointment is confirmed",
    "rescheduled": "Your appointment has moved",
    "cancelled": "Your appointment is cancelled",
    "reminder": "Reminder: your appointment",
    "magic_link": "Your sign-in link",
    "password_reset": "Reset your password",
    "invitation": "You are invited",
    "email_confirmation": "Confirm your email",
    "waitlist_joined": "You are on the waitlist",
    "waitlist_offer": "A time has freed up for you",
}

# Messages to a practice's staff, who may write to the platform's support; customers write to the practice.
STAFF_KINDS = frozenset({"email_confirmation", "password_reset", "invitation"})

# Which emails carry a calendar invitation, and with which iTIP method.
CALENDAR_METHODS = {
    "booking_confirmed": "REQUEST",
    "booking_approved": "REQUEST",
    "rescheduled": "REQUEST",
    "cancelled": "CANCEL",
}


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str
    sms: str
    calendar: bytes | None = None
    calendar_method: str | None = None


def build(notification: Notification, tenant: Tenant, booking: AppointmentParticipant | None, *, now: datetime) -> Content:
    session = object_session(notification)
    platform = settings.current(session) if session is not None else settings.Settings(**settings.DEFAULTS)
    context = {"notification": notification, "tenant": tenant, "kind": notification.kind, "link": notification.payload.get("link"),
               "details": notification.payload.get("details") or [],
               "platform": platform, "to_staff": notification.kind in STAFF_KINDS}
    calendar = method = None
    if booking is not None:
        appointment = booking.appointment
        zone = ZoneInfo(appointment.location.timezone)
        manage_url = site_url(tenant, f"/bookings/{booking.manage_token}")
        context |= {
            "booking": booking, "appointment": appointment, "manage_url": manage_url,
            "when": wall_time(appointment.starts_at, zone, "%A %-d %B %Y at %H:%M"),
            "zone_name": f"{appointment.location.timezone} ({appointment.starts_at.astimezone(zone).strftime('%Z')})",
        }
        method = CALENDAR_METHODS.get(notification.kind)
        if (series_id := notification.payload.get("series_id")) and session is not None:
            # A series' one confirmation: every occurrence listed, and in the attachment.
            bookings = _series_bookings(session, series_id, booking.customer_id)
            context["series"] = [(b, wall_time(b.appointment.starts_at, zone, "%a %-d %B %Y at %H:%M")) for b in bookings]
            calendar = exports.series_invitation(
                bookings, organizer=tenant.name, organizer_email=current_app.config["MAIL_FROM"],
                manage_urls=[site_url(tenant, f"/bookings/{b.manage_token}") for b in bookings], now=now, method=method,
            )
        elif method:
            calendar = exports.invitation(
                booking, organizer=tenant.name, organizer_email=current_app.config["MAIL_FROM"], manage_url=manage_url,
                now=now, method=method,
            )
    subject = f"{SUBJECTS[notification.kind]} — {tenant.name}"
    if context.get("series"):
        subject = f"Your {len(context['series'])} appointments are booked — {tenant.name}"
    return Content(
        subject=subject,
        text=render_template("email/message.txt", **context),
        html=render_template("email/message.html", **context),
        sms=render_template("email/message.sms.txt", **context).strip(),
        calendar=calendar,
        calendar_method=method,
    )


def _series_bookings(session, series_id: int, customer_id: int) -> list[AppointmentParticipant]:
    """The customer's bookings of the series' occurrences, by start, with what the email shows of each."""
    return list(session.scalars(
        sa.select(AppointmentParticipant).join(Appointment, Appointment.id == AppointmentParticipant.appointment_id)
        .where(Appointment.series_id == series_id, Appointment.tenant_id == AppointmentParticipant.tenant_id,
               AppointmentParticipant.customer_id == customer_id)
        .order_by(Appointment.starts_at).options(*with_appointment_details())
    ))
