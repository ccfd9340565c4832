"""Sending one notification: claim it, render it, hand it to its channel, record the outcome."""
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.core.transaction import unit_of_work
from app.modules.appointments.models import ACTIVE_STATUSES, AppointmentParticipant, with_appointment_details
from app.modules.notifications import content, outbox, transport
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant

log = logging.getLogger(__name__)

# Delays before the next try after a transient failure; after the last, the message fails.
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10))
MAX_ATTEMPTS = len(BACKOFF) + 1


class RetryLater(Exception):
    """Raised out of the job so RQ retries it, after the row has been put back in the queue."""


def send(tenant_id: int, notification_id: int) -> str:
    """Deliver one notification at most once; returns what happened.

    Two units of work: the claim commits before anything leaves, then the outcome commits."""
    with tenant_context(tenant_id):
        now = clock.now()
        with unit_of_work(db.session):
            claimed = outbox.claim(db.session, notification_id, now=now)
        if not claimed:
            return "not due or already taken"
        notification = db.session.get(Notification, notification_id)
        booking = _booking(notification)
        if notification.kind == "reminder" and not _still_on(booking):
            return _finish(notification, status="cancelled", last_error="the appointment was cancelled")
        try:
            message_id = _deliver(notification, booking, now=now)
        except transport.PermanentFailure as error:
            return _finish(notification, status="failed", last_error=str(error))
        except transport.TransientFailure as error:
            if notification.attempts >= MAX_ATTEMPTS:
                return _finish(notification, status="failed", last_error=str(error))
            _finish(
                notification, status="queued", last_error=str(error),
                scheduled_for=now + BACKOFF[notification.attempts - 1],
            )
            raise RetryLater(str(error)) from error
        except Exception as error:  # a message that cannot even be built will not build on a retry
            log.exception("notification %s could not be sent", notification_id)
            return _finish(notification, status="failed", last_error=f"{type(error).__name__}: {error}")
        return _finish(notification, status="sent", sent_at=clock.now(), provider_message_id=message_id, last_error=None)


def _finish(notification: Notification, **changes) -> str:
    with unit_of_work(db.session):
        for field, value in changes.items():
            setattr(notification, field, value)
        if changes.get("status") in ("sent", "failed") and "link" in notification.payload:
            # A sign-in link is a credential: once delivered (or given up on) it need not be kept.
            notification.payload = {**notification.payload, "link": None}
        # Read before the commit expires them, rather than reloading the row to log it.
        outcome = (notification.id, notification.kind, notification.channel, notification.status)
    log.info("notification %s (%s, %s) %s", *outcome)
    return outcome[-1]


def _booking(notification: Notification) -> AppointmentParticipant | None:
    if notification.participant_id is None:
        return None
    # With everything a message says of it, in one statement.
    return db.session.scalar(
        sa.select(AppointmentParticipant)
        .where(AppointmentParticipant.id == notification.participant_id)
        .options(*with_appointment_details())
    )


def _still_on(booking: AppointmentParticipant | None) -> bool:
    return booking is not None and not booking.is_cancelled and booking.appointment.status in ACTIVE_STATUSES


def _deliver(notification: Notification, booking, *, now) -> str:
    config = current_app.config
    tenant = db.session.get(Tenant, notification.tenant_id)
    message = content.build(notification, tenant, booking, now=now)
    if notification.channel == "sms":
        return transport.texter(config).send(transport.e164(notification.recipient), transport.fit(message.sms))
    email = transport.email_message(
        sender=transport.sender_address(config, tenant.name), to=notification.recipient, subject=message.subject,
        text=message.text, html=message.html, calendar=message.calendar, calendar_method=message.calendar_method,
        message_id=transport.stable_message_id(notification.id, config["MAIL_DOMAIN"]), sent_at=now,
    )
    return transport.mailer(config).send(email)
