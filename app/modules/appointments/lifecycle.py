"""Changing an appointment as staff: its life after booking (a state machine) and moving it.

pending → confirmed (approve) or declined; confirmed → checked_in → completed; confirmed or
checked_in → no_show; any active state → cancelled, with a reason. Every change raises the
appointment's ``version`` and is audited with its before and after; a change asked for from a
stale view (an older ``version``) is refused.

A move is race-free as online booking is: it locks the providers' rows (in id order), checks for an
appointment in the way inside that lock, and leaves the final word to the exclusion constraint.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.core.zones import wall_time
from app.modules import audit, availability, notifications
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant
from app.modules.catalogue.models import Provider, ProviderLocation, ProviderService
from app.modules.resources import usage
from app.modules.waitlist import offers as waitlist

MIN_DURATION, MAX_DURATION = 5, 12 * 60


class AppointmentError(DomainError):
    """The appointment cannot change as asked."""


class Conflict(AppointmentError):
    """Refused because of the appointment's state or another appointment: a 409, not a form error."""


class TransitionRefused(Conflict):
    """The appointment's status does not allow that change."""


class StaleVersion(Conflict):
    """The appointment changed since the person asking saw it."""


class TimeTaken(Conflict):
    """Another active appointment of the provider is in the way."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    notification: str | None  # the customer's message, when one is due
    past: str  # for the audit trail: "appointment.<past>"


TRANSITIONS = {
    t.action: t for t in (
        Transition("approve", ("pending",), "confirmed", "booking_approved", "approved"),
        Transition("decline", ("pending",), "declined", "cancelled", "declined"),
        Transition("check_in", ("confirmed",), "checked_in", None, "checked_in"),
        Transition("complete", ("checked_in",), "completed", None, "completed"),
        Transition("no_show", ("confirmed", "checked_in"), "no_show", None, "no_show"),
        Transition("cancel", ACTIVE_STATUSES, "cancelled", "cancelled", "cancelled"),
    )
}
LABELS = {"approve": "approved", "decline": "declined", "check_in": "checked in", "complete": "completed",
          "no_show": "marked as a no-show", "cancel": "cancelled"}


def allowed_actions(appointment: Appointment) -> list[str]:
    """The transitions the appointment's status allows, in the order the page offers them."""
    return [t.action for t in TRANSITIONS.values() if appointment.status in t.sources]


def _active_bookings(appointment: Appointment) -> list[AppointmentParticipant]:
    return [p for p in appointment.participants if not p.is_cancelled]


def _check_version(appointment: Appointment, version: int | None) -> None:
    if version is not None and version != appointment.version:
        raise StaleVersion("This appointment changed since you opened it. Check it again before changing it.")


def transition(
    session: Session, appointment: Appointment, action: str, *, actor, now: datetime, reason: str = "",
    version: int | None = None,
) -> Appointment:
    """Take the appointment through ``action`` (a key of TRANSITIONS), or refuse with why not."""
    step = TRANSITIONS[action]
    _check_version(appointment, version)
    if appointment.status not in step.sources:
        status = appointment.status.replace("_", " ")
        raise TransitionRefused(f"A {status} appointment cannot be {LABELS[action]}.")
    reason = (reason or "").strip()
    if action == "cancel" and not reason:
        raise AppointmentError("Give the reason for cancelling.", field="reason")
    if len(reason) > 500:
        raise AppointmentError("At most 500 characters.", field="reason")
    before = appointment.status
    appointment.status = step.target
    appointment.version += 1
    details = {}
    if action in ("cancel", "decline"):
        appointment.cancelled_at = now
        appointment.cancellation_reason = reason or None
        if action == "cancel":
            cutoff = availability.load_policy(session, appointment.service_id).cancel_cutoff
            appointment.cancelled_late = now > appointment.starts_at - cutoff
            details["late"] = appointment.cancelled_late
        details["reason"] = reason
    if step.target not in ACTIVE_STATUSES:
        usage.follow_status(session, appointment)
    bookings = _active_bookings(appointment)
    for booking in bookings:
        if action == "check_in":
            booking.checked_in_at = now
        if step.target not in ACTIVE_STATUSES:
            notifications.cancel_reminders(session, booking, now=now)
        if step.notification:
            notifications.about_booking(session, booking, step.notification, now=now)
    session.flush()
    audit.record(session, f"appointment.{step.past}", appointment, actor=actor,
                 before={"status": before}, after={"status": step.target}, **details)
    if step.target not in ACTIVE_STATUSES:
        waitlist.freed_by(session, appointment, appointment.starts_at, appointment.provider_id, now=now)
    return appointment


def cancel(session: Session, appointment: Appointment, *, reason: str, actor, now: datetime,
           version: int | None = None) -> Appointment:
    """Cancel for everyone in it, with a reason: their reminders stop and each is told."""
    return transition(session, appointment, "cancel", reason=reason, actor=actor, now=now, version=version)


def approve(session: Session, appointment: Appointment, *, actor, now: datetime, version: int | None = None) -> Appointment:
    """Confirm a requested appointment and tell everyone in it."""
    return transition(session, appointment, "approve", actor=actor, now=now, version=version)


# Moving


def local_start(day: date, wall: time, zone: str) -> datetime:
    """A local date and time in ``zone`` as a UTC instant: a time the clocks skip does not exist (refused,
    at the time field), a time they repeat is its first occurrence."""
    tz = ZoneInfo(zone)
    instant = availability.resolve(day, wall, tz, earliest=True)
    if instant.astimezone(tz).replace(tzinfo=None) != datetime.combine(day, wall):
        raise AppointmentError(
            f"{wall.strftime('%H:%M')} does not exist on {day.isoformat()}: the clocks go forward then.",
            field="starts_at",
        )
    return instant


def move(
    session: Session, appointment: Appointment, *, starts_at: datetime, provider: Provider, duration_minutes: int,
    version: int, notify: bool, actor, now: datetime,
) -> Appointment:
    """Move the appointment to ``starts_at`` (UTC) with ``provider`` for ``duration_minutes``. Staff may
    move outside working hours; never onto another active appointment of that provider."""
    _lock_providers(session, {appointment.provider_id, provider.id})
    session.refresh(appointment, with_for_update=True)  # the version as of now, held until commit
    _check_version(appointment, version)
    if not appointment.is_active:
        raise TransitionRefused(f"A {appointment.status.replace('_', ' ')} appointment cannot be moved.")
    if not MIN_DURATION <= duration_minutes <= MAX_DURATION:
        raise AppointmentError(f"Between {MIN_DURATION} minutes and {MAX_DURATION // 60} hours.",
                               field="duration_minutes")
    _check_offers(session, appointment, provider)
    service = appointment.service
    ends_at = starts_at + timedelta(minutes=duration_minutes)
    blocked_from = starts_at - timedelta(minutes=service.buffer_before_minutes)
    blocked_until = ends_at + timedelta(minutes=service.buffer_after_minutes)
    in_the_way = _in_the_way(session, appointment, provider.id, blocked_from, blocked_until)
    if in_the_way is not None:
        raise TimeTaken(_describe_conflict(in_the_way, appointment.location.timezone))
    before = _when(appointment)
    usage.lock(session, location_id=appointment.location_id, kind=service.resource_kind)
    was_at, was_with = appointment.starts_at, appointment.provider_id
    try:
        with session.begin_nested():
            appointment.starts_at, appointment.ends_at = starts_at, ends_at
            appointment.blocked_from, appointment.blocked_until = blocked_from, blocked_until
            appointment.provider_id = provider.id
            session.flush()
            if service.resource_kind is not None:
                usage.claim(session, appointment, kind=service.resource_kind)
    except usage.NoResourceFree as error:
        raise TimeTaken(str(error)) from None
    except IntegrityError:
        raise TimeTaken("That time has just been taken by another appointment.") from None
    session.expire(appointment, ["provider"])
    appointment.version += 1
    for booking in _active_bookings(appointment):
        booking.sequence += 1
        notifications.cancel_reminders(session, booking, now=now)
        if notify:
            notifications.about_booking(session, booking, "rescheduled", now=now)
        notifications.schedule_reminders(session, booking, now=now)
    session.flush()
    audit.record(session, "appointment.moved", appointment, actor=actor, before=before, after=_when(appointment),
                 notified=notify)
    waitlist.freed_by(session, appointment, was_at, was_with, now=now)
    return appointment


def movable_providers(session: Session, appointment: Appointment) -> list[Provider]:
    """The active providers who offer the appointment's service at its location, by name."""
    return list(session.scalars(
        sa.select(Provider)
        .join(ProviderService, sa.and_(ProviderService.provider_id == Provider.id,
                                       ProviderService.service_id == appointment.service_id))
        .join(ProviderLocation, sa.and_(ProviderLocation.provider_id == Provider.id,
                                        ProviderLocation.location_id == appointment.location_id))
        .where(Provider.active)
        .order_by(Provider.name, Provider.id)
    ))


def _when(appointment: Appointment) -> dict:
    return {"starts_at": appointment.starts_at.isoformat(), "ends_at": appointment.ends_at.isoformat(),
            "provider_id": appointment.provider_id, "version": appointment.version}


def _lock_providers(session: Session, provider_ids: set[int]) -> None:
    """SELECT … FOR UPDATE the providers, in id order, as booking does: a booking or move of theirs waits."""
    session.execute(
        sa.select(Provider.id).where(Provider.id.in_(sorted(provider_ids))).order_by(Provider.id)
        .with_for_update(of=Provider)
    ).all()


def _check_offers(session: Session, appointment: Appointment, provider: Provider) -> None:
    offers = session.scalar(
        sa.select(sa.func.count()).select_from(ProviderService)
        .join(ProviderLocation, sa.and_(ProviderLocation.provider_id == ProviderService.provider_id,
                                        ProviderLocation.location_id == appointment.location_id))
        .where(ProviderService.provider_id == provider.id, ProviderService.service_id == appointment.service_id)
    )
    if not provider.active or not offers:
        raise AppointmentError(
            f"{provider.name} does not offer {appointment.service.name} at {appointment.location.name}.",
            field="provider_id",
        )


def _in_the_way(session, appointment, provider_id, blocked_from, blocked_until) -> Appointment | None:
    return session.scalar(
        sa.select(Appointment).where(
            Appointment.provider_id == provider_id, Appointment.id != appointment.id,
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.blocked_from < blocked_until, Appointment.blocked_until > blocked_from,
        ).order_by(Appointment.starts_at).limit(1)
    )


def _describe_conflict(other: Appointment, zone: str) -> str:
    who = ", ".join(p.customer.name for p in _active_bookings(other)) or "nobody"
    when = f"{wall_time(other.starts_at, zone, '%-d %b %H:%M')}–{wall_time(other.ends_at, zone)}"
    return f"That time overlaps {other.service.name} with {who} ({when}, {other.provider.name})."
