"""The outbox: every message is a Notification row before it is a job.

Rows are added in the caller's transaction; after it commits, ``dispatch``
hands the new rows to RQ (or sends them in-process when there is no Redis).
A row is claimed atomically before it is sent, so a job delivered twice
sends once; rows a dead worker left in "sending" return to the queue after a lease.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.models import AppointmentParticipant, Notification, Tenant, utcnow

# Notifications added in this session that may need dispatching once it commits.
PENDING = "sloty_outbox_pending"


def queue(
    session: Session, *, tenant_id: int, kind: str, recipient: str, appointment_id: int | None = None,
    participant_id: int | None = None, channel: str = "email", scheduled_for: datetime | None = None,
    offset_minutes: int | None = None, **payload,
) -> Notification:
    """Add a queued message to the outbox, in the caller's transaction."""
    notification = Notification(
        tenant_id=tenant_id, kind=kind, recipient=recipient, appointment_id=appointment_id,
        participant_id=participant_id, channel=channel, status="queued", scheduled_for=scheduled_for or utcnow(),
        offset_minutes=offset_minutes, payload=payload,
    )
    session.add(notification)
    session.info.setdefault(PENDING, []).append(notification)
    return notification


def about_booking(session: Session, booking: AppointmentParticipant, kind: str) -> Notification:
    """Tell the booking's customer about it by email (``kind``: booking_confirmed, cancelled, …)."""
    return queue(
        session, tenant_id=booking.tenant_id, kind=kind, recipient=booking.customer.email,
        appointment_id=booking.appointment_id, participant_id=booking.id,
    )


def schedule_reminders(session: Session, booking: AppointmentParticipant, *, now: datetime) -> list[Notification]:
    """Reminders at the tenant's offsets before the appointment, on each channel the customer consents to."""
    tenant = session.get(Tenant, booking.tenant_id)
    customer = booking.customer
    channels = []
    if customer.email_consent:
        channels.append(("email", customer.email))
    if customer.sms_consent and customer.phone:
        channels.append(("sms", customer.phone))
    reminders = []
    for offset in sorted(set(tenant.reminder_offsets or []), reverse=True):
        at = booking.appointment.starts_at - timedelta(minutes=offset)
        if at <= now:
            continue  # that reminder's moment has already passed
        for channel, recipient in channels:
            reminders.append(queue(
                session, tenant_id=booking.tenant_id, kind="reminder", channel=channel, recipient=recipient,
                appointment_id=booking.appointment_id, participant_id=booking.id, scheduled_for=at,
                offset_minutes=offset,
            ))
    return reminders


def cancel_reminders(session: Session, booking: AppointmentParticipant) -> int:
    """Cancel the booking's reminders that have not gone out yet."""
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.participant_id == booking.id, Notification.kind == "reminder",
            Notification.status.in_(("queued", "sending")),  # one in flight is stopped by delivery's own check
        )
        .values(status="cancelled", updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def history(session: Session, appointment_id: int) -> list[Notification]:
    """An appointment's messages, newest first, for staff."""
    return list(session.scalars(
        sa.select(Notification).where(Notification.appointment_id == appointment_id).order_by(Notification.id.desc())
    ))


class NotRetryable(ValueError):
    pass


def retry(session: Session, notification: Notification, *, now: datetime) -> Notification:
    """Queue a failed message again, now."""
    if notification.status != "failed":
        raise NotRetryable("Only a failed message can be retried.")
    notification.status = "queued"
    notification.scheduled_for = now
    notification.attempts = 0  # a fresh set of tries, with their backoff
    notification.last_error = None
    session.info.setdefault(PENDING, []).append(notification)
    return notification


def claim(session: Session, notification_id: int, *, now: datetime) -> bool:
    """Atomically take a due, queued row for sending. Only one claimant ever wins."""
    claimed = session.execute(
        sa.update(Notification)
        .where(Notification.id == notification_id, Notification.status == "queued", Notification.scheduled_for <= now)
        .values(status="sending", attempts=Notification.attempts + 1, updated_at=now)
        .returning(Notification.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    return claimed is not None


def recover_stale(session: Session, *, now: datetime, lease: timedelta, max_attempts: int) -> int:
    """Rows stuck in "sending" longer than ``lease`` belonged to a worker that died: queue them again,
    unless they have used up their attempts (a message that kills its worker every time)."""
    stale = sa.and_(Notification.status == "sending", Notification.updated_at < now - lease)
    session.execute(
        sa.update(Notification)
        .where(stale, Notification.attempts >= max_attempts)
        .values(status="failed", last_error="the worker stopped while sending, on every attempt", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        sa.update(Notification)
        .where(stale)
        .values(status="queued", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def due(session: Session, *, now: datetime, limit: int = 1000) -> list[tuple[int, int, int]]:
    """(tenant_id, notification id, attempts) of queued rows whose time has come, oldest first."""
    rows = session.execute(
        sa.select(Notification.tenant_id, Notification.id, Notification.attempts)
        .where(Notification.status == "queued", Notification.scheduled_for <= now)
        .order_by(Notification.scheduled_for, Notification.id)
        .limit(limit)
    )
    return [tuple(row) for row in rows]


def take_pending(session: Session) -> list[Notification]:
    """The rows this session added and committed, forgetting them."""
    pending = session.info.pop(PENDING, [])
    return [n for n in pending if sa.inspect(n).persistent]
