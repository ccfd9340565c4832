"""The outbox: every message is a Notification row before it is a job.

Rows are added in the caller's transaction. Only when that transaction really commits do they
become ready for ``jobs.dispatch``, which hands them to RQ (or sends them in-process without
Redis); a rollback forgets them, so nothing is ever sent for work that did not happen.
A row is claimed atomically before it is sent, so a job delivered twice
sends once; rows a dead worker left in "sending" return to the queue after a lease.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import audit
from app.modules.appointments.models import AppointmentParticipant
from app.modules.billing import limits
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant

# Messages this session queued in its open transaction, then those a commit has made durable.
PENDING = "sloty_outbox_pending"
COMMITTED = "sloty_outbox_committed"


@dataclass(frozen=True)
class Queued:
    """What dispatching needs of a queued row, kept so that nothing is reloaded after the commit."""

    notification: Notification
    tenant_id: int
    scheduled_for: datetime
    attempts: int


def _remember(session: Session, notification: Notification, *, attempts: int) -> None:
    session.info.setdefault(PENDING, []).append(
        Queued(notification, notification.tenant_id, notification.scheduled_for, attempts)
    )


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if pending := session.info.pop(PENDING, None):
        session.info.setdefault(COMMITTED, []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(PENDING, None)


def take_committed(session: Session, *, now: datetime) -> list[tuple[int, int, int]]:
    """(tenant_id, notification id, attempts) of the due rows this session's commits wrote, forgetting them."""
    ready = []
    for queued in session.info.pop(COMMITTED, []):
        identity = sa.inspect(queued.notification).identity  # None for a row a savepoint rolled back
        if identity is not None and queued.scheduled_for <= now:
            ready.append((queued.tenant_id, identity[0], queued.attempts))
    return ready


def queue(
    session: Session, *, now: datetime, tenant_id: int, kind: str, recipient: str, appointment_id: int | None = None,
    participant_id: int | None = None, channel: str = "email", scheduled_for: datetime | None = None,
    offset_minutes: int | None = None, **payload,
) -> Notification:
    """Add a queued message to the outbox, in the caller's transaction, due at ``scheduled_for`` (default ``now``).
    An SMS beyond the plan's monthly allowance is written cancelled, with the reason, and never sent."""
    scheduled_for = scheduled_for or now
    refusal = limits.sms_refusal(session, tenant_id, scheduled_for) if channel == "sms" else None
    notification = Notification(
        tenant_id=tenant_id, kind=kind, recipient=recipient, appointment_id=appointment_id,
        participant_id=participant_id, channel=channel, status="cancelled" if refusal else "queued",
        scheduled_for=scheduled_for, offset_minutes=offset_minutes, payload=payload, last_error=refusal,
    )
    session.add(notification)
    if refusal is None:
        _remember(session, notification, attempts=0)
    return notification


def about_booking(session: Session, booking: AppointmentParticipant, kind: str, *, now: datetime) -> Notification:
    """Tell the booking's customer about it by email (``kind``: booking_confirmed, cancelled, …)."""
    return queue(
        session, now=now, tenant_id=booking.tenant_id, kind=kind, recipient=booking.customer.email,
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
                session, now=now, tenant_id=booking.tenant_id, kind="reminder", channel=channel, recipient=recipient,
                appointment_id=booking.appointment_id, participant_id=booking.id, scheduled_for=at,
                offset_minutes=offset,
            ))
    return reminders


def cancel_reminders(session: Session, booking: AppointmentParticipant, *, now: datetime) -> int:
    """Cancel the booking's reminders that have not gone out yet."""
    result = session.execute(
        sa.update(Notification)
        .where(
            Notification.participant_id == booking.id, Notification.kind == "reminder",
            Notification.status.in_(("queued", "sending")),  # one in flight is stopped by delivery's own check
        )
        .values(status="cancelled", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def history(session: Session, appointment_id: int) -> list[Notification]:
    """An appointment's messages, newest first, for staff."""
    return list(session.scalars(
        sa.select(Notification).where(Notification.appointment_id == appointment_id).order_by(Notification.id.desc())
    ))


class NotRetryable(DomainError):
    """Only a failed message can be queued again."""


def retry(session: Session, notification: Notification, *, now: datetime, actor=None) -> Notification:
    """Queue a failed message again, now (audited: a person chose to send it again)."""
    if notification.status != "failed":
        raise NotRetryable("Only a failed message can be retried.")
    audit.record(session, "notification.retry", notification, actor=actor,
                 before={"status": notification.status, "attempts": notification.attempts,
                         "last_error": notification.last_error},
                 after={"status": "queued", "attempts": 0, "last_error": None})
    notification.status = "queued"
    notification.scheduled_for = now
    notification.attempts = 0  # a fresh set of tries, with their backoff
    notification.last_error = None
    _remember(session, notification, attempts=0)
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



@dataclass(frozen=True)
class Backlog:
    """The outbox as an operator sees it, across tenants."""

    queued: int  # due now, waiting for a worker
    scheduled: int  # queued for later (reminders)
    sending: int
    failed: int
    oldest_due: datetime | None  # when the longest-waiting due message came due


def backlog(session: Session, *, now: datetime) -> Backlog:
    """Counts by state, in one statement. Meant for the backoffice, acting across tenants."""
    due = sa.and_(Notification.status == "queued", Notification.scheduled_for <= now)
    row = session.execute(sa.select(
        sa.func.count().filter(due),
        sa.func.count().filter(Notification.status == "queued", Notification.scheduled_for > now),
        sa.func.count().filter(Notification.status == "sending"),
        sa.func.count().filter(Notification.status == "failed"),
        sa.func.min(Notification.scheduled_for).filter(due),
    ).where(Notification.status.in_(("queued", "sending", "failed")))).one()  # by the status index, not every sent row
    return Backlog(*row)
