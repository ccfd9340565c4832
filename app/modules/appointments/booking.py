"""Customers booking, rescheduling and cancelling: the race-free path.

Each change locks the rows of the providers it may use (SELECT … FOR UPDATE on
PostgreSQL, in id order), re-checks availability inside that lock, and leaves
the final word to the database's exclusion constraint. A booking is an
AppointmentParticipant: one per customer, several in a group session.
"""
import secrets
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.modules import availability, notifications
from app.modules.appointments.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentParticipant,
    with_appointment_details,
)
from app.modules.catalogue.models import Provider, ProviderLocation, ProviderService, Service
from app.modules.customers.directory import Contact, find_or_create_customer
from app.modules.intake.models import AppointmentParameter, CustomerParameter
from app.modules.intake.rules import Intake
from app.modules.resources import usage
from app.modules.waitlist import offers as waitlist


class BookingError(DomainError):
    """A booking change that cannot be made; the message is for the customer."""


class SlotNotOffered(BookingError):
    """The time was never bookable: past, beyond the horizon, outside hours, or made up."""


class SlotTaken(BookingError):
    """The time was bookable, but someone else has just taken it."""


class CutoffPassed(BookingError):
    """Too close to the appointment to change it online."""


class SeatsUnavailable(BookingError):
    """The time is offered, but not for that many people: the customer should ask for fewer."""

    def __init__(self, message: str):
        super().__init__(message, field="attendees")


@dataclass(frozen=True)
class Choice:
    """What the customer picked: a service at a location, a provider or anyone, a start instant."""

    service: Service
    location: object
    provider_id: int | None
    starts_at: datetime
    seats: int = 1
    ends_at: datetime | None = None  # the end the customer was shown, when they were shown one
    price: int | None = None  # likewise the price shown


def book(
    session: Session, choice: Choice, *, contact: Contact, intake: Intake, answers: dict[str, str],
    idempotency_key: str, now: datetime, source: str = "online", signed_in_customer_id: int | None = None,
) -> AppointmentParticipant:
    """Book ``choice`` for ``contact``; a repeated ``idempotency_key`` returns the first booking."""
    earlier = by_idempotency_key(session, idempotency_key)
    if earlier is not None:
        return earlier
    try:
        calendar, slot = _locked_slot(session, choice, now, as_shown=True)
    except SlotTaken:
        # A double submit waits for the first at the lock, then finds its own slot taken: by itself.
        earlier = by_idempotency_key(session, idempotency_key)
        if earlier is not None:
            return earlier
        raise
    provider_id = choice.provider_id or calendar.least_busy(slot)
    customer, created = find_or_create_customer(session, contact, tenant_id=choice.service.tenant_id)
    # Anyone can type an email address: only its owner (new, or signed in) may change the profile.
    owns_profile = created or customer.id == signed_in_customer_id
    if owns_profile and contact.phone and not customer.phone:
        customer.phone = contact.phone
    try:
        with session.begin_nested():
            appointment = _session_to_join(session, choice, provider_id) or _new_appointment(
                session, choice, calendar, provider_id, idempotency_key, source
            )
            booking = AppointmentParticipant(
                tenant_id=choice.service.tenant_id, appointment_id=appointment.id, customer_id=customer.id,
                seats=choice.seats, manage_token=secrets.token_urlsafe(32), idempotency_key=idempotency_key,
            )
            session.add(booking)
            session.flush()
            _store_answers(session, booking, customer, intake, answers, remember=owns_profile, new_customer=created)
            session.flush()
    except (IntegrityError, usage.NoResourceFree):
        earlier = by_idempotency_key(session, idempotency_key)
        if earlier is not None:
            return earlier
        raise SlotTaken("That time has just been taken.") from None
    kind = "booking_pending" if appointment.status == "pending" else "booking_confirmed"
    notifications.about_booking(session, booking, kind, now=now)
    notifications.schedule_reminders(session, booking, now=now)
    return booking


def reschedule(session: Session, booking: AppointmentParticipant, starts_at: datetime, *, now: datetime) -> AppointmentParticipant:
    """Move a booking to ``starts_at`` with the same provider, under the same guarantees as ``book``."""
    appointment = _changeable(session, booking, now, "reschedule")
    was_at = appointment.starts_at
    service = session.get(Service, appointment.service_id)
    choice = Choice(service, appointment.location, appointment.provider_id, starts_at, booking.seats)
    alone = service.capacity == 1
    calendar, slot = _locked_slot(session, choice, now, ignore_appointment_id=appointment.id if alone else None)
    try:
        with session.begin_nested():
            if alone:
                _move(appointment, starts_at, calendar, appointment.provider_id)
                if service.resource_kind is not None:
                    session.flush()
                    usage.claim(session, appointment, kind=service.resource_kind)
            else:
                target = _session_to_join(session, choice, appointment.provider_id) or _new_appointment(
                    session, choice, calendar, appointment.provider_id, None, appointment.source, status=appointment.status
                )
                booking.appointment_id = target.id
                session.expire(booking, ["appointment"])
                session.execute(
                    sa.update(AppointmentParameter)
                    .where(AppointmentParameter.participant_id == booking.id)
                    .values(appointment_id=target.id)
                )
                session.flush()
                _cancel_if_empty(session, appointment, now, "Everyone moved to another time.")
            session.flush()
    except (IntegrityError, usage.NoResourceFree):
        raise SlotTaken("That time has just been taken.") from None
    booking.sequence += 1
    notifications.cancel_reminders(session, booking, now=now)
    notifications.about_booking(session, booking, "rescheduled", now=now)
    notifications.schedule_reminders(session, booking, now=now)
    waitlist.freed_by(session, appointment, was_at, appointment.provider_id, now=now)
    return booking


def cancel(session: Session, booking: AppointmentParticipant, *, reason: str, now: datetime) -> AppointmentParticipant:
    """Cancel a customer's booking; the appointment is cancelled when nobody is left in it."""
    appointment = _changeable(session, booking, now, "cancel")
    booking.cancelled_at = now
    _cancel_if_empty(session, appointment, now, reason.strip() or None)
    notifications.cancel_reminders(session, booking, now=now)
    notifications.about_booking(session, booking, "cancelled", now=now)
    waitlist.freed_by(session, appointment, appointment.starts_at, appointment.provider_id, now=now)
    return booking


@dataclass(frozen=True)
class Window:
    """Until when the customer may make a change online, and whether they still may."""

    deadline: datetime
    open: bool


def change_windows(session: Session, booking: AppointmentParticipant, *, now: datetime) -> dict[str, Window]:
    """The "cancel" and "reschedule" windows of a booking, from its service's policy cutoffs."""
    policy = availability.load_policy(session, booking.appointment.service_id)
    active = not booking.is_cancelled and booking.appointment.status in ACTIVE_STATUSES
    windows = {}
    for action, cutoff in (("cancel", policy.cancel_cutoff), ("reschedule", policy.reschedule_cutoff)):
        deadline = booking.appointment.starts_at - cutoff
        windows[action] = Window(deadline, active and now <= deadline)
    return windows


def _calendar_for(session, choice: Choice, ignore_appointment_id: int | None) -> availability.Calendar:
    day = choice.starts_at.astimezone(ZoneInfo(choice.location.timezone)).date()
    return availability.load(
        session, service=choice.service, location=choice.location, first_day=day, last_day=day,
        provider_id=choice.provider_id, ignore_appointment_id=ignore_appointment_id,
    )


def offered_slot(session: Session, choice: Choice, *, now: datetime, ignore_appointment_id: int | None = None):
    """The slot offered at ``choice.starts_at``; SlotNotOffered if it never was, SlotTaken if it is gone."""
    return _slot_at(_calendar_for(session, choice, ignore_appointment_id), choice.starts_at, now)


def _slot_at(calendar: availability.Calendar, starts_at: datetime, now: datetime) -> availability.Slot:
    slot = calendar.slot_at(starts_at, now)
    if slot is not None:
        return slot
    if calendar.offered_when_free(starts_at, now):
        raise SlotTaken("Sorry — that time has just been taken.")
    raise SlotNotOffered("That time is not offered. Please choose one of the times shown.")


def _locked_slot(
    session, choice: Choice, now: datetime, ignore_appointment_id: int | None = None, *, as_shown: bool = False,
):
    """Lock every provider who could take the booking, then compute the slot once, inside the lock:
    no competitor can change their calendars before we commit (and the exclusion constraint stays the
    final word). Returns the calendar and the slot at ``choice.starts_at``, narrowed to the providers
    with room for every seat asked. ``as_shown``: refuse a choice that differs from what was offered."""
    _lock_providers(session, choice)
    # Then the resources the service needs, always after the providers: one order, no deadlock.
    usage.lock(session, location_id=choice.location.id, kind=choice.service.resource_kind)
    calendar = _calendar_for(session, choice, ignore_appointment_id)
    slot = _slot_at(calendar, choice.starts_at, now)
    candidates = check_as_shown(choice, slot) if as_shown else slot.provider_ids
    usable = tuple(pid for pid in candidates if calendar.seats_left(pid, choice.starts_at) >= choice.seats)
    if not usable:
        room = max((calendar.seats_left(pid, choice.starts_at) for pid in candidates), default=0)
        if calendar.capacity > 1 and room > 0:
            raise SlotTaken(f"Only {room} {'place is' if room == 1 else 'places are'} left at that time.")
        raise SlotTaken("Sorry — that time has just been taken.")
    return calendar, slot._replace(provider_ids=usable)


def _lock_providers(session, choice: Choice) -> None:
    """SELECT … FOR UPDATE the providers of the service at the location (or the one chosen), in id
    order, so that two bookings that both need several providers cannot deadlock."""
    query = (
        sa.select(Provider.id)
        .join(ProviderService, sa.and_(ProviderService.provider_id == Provider.id,
                                       ProviderService.service_id == choice.service.id))
        .join(ProviderLocation, sa.and_(ProviderLocation.provider_id == Provider.id,
                                        ProviderLocation.location_id == choice.location.id))
        .order_by(Provider.id)
        .with_for_update(of=Provider)
    )
    if choice.provider_id is not None:
        query = query.where(Provider.id == choice.provider_id)
    session.execute(query).all()


def check_as_shown(choice: Choice, slot: availability.Slot) -> tuple[int, ...]:
    """The customer books what they were shown: its length and price, and no more people than it has
    room for. Returns the providers whose appointment would be exactly that."""
    terms = [t for t in slot.terms if choice.ends_at in (None, t.ends_at)]
    if not terms:
        raise SlotNotOffered("That appointment length is not offered.")
    terms = [t for t in terms if choice.price in (None, t.price)]
    if not terms:
        raise SlotNotOffered("That price is not offered. Please choose one of the times shown.")
    if slot.seats_left is None and choice.seats != 1:
        raise SeatsUnavailable("This appointment is for one person.")
    if slot.seats_left is not None and choice.seats > slot.seats_left:
        raise SeatsUnavailable(f"Only {slot.seats_left} places are left at this time.")
    return tuple(t.provider_id for t in terms)


def _session_to_join(session, choice: Choice, provider_id: int) -> Appointment | None:
    """For a group service, the open session of this provider at this time, if there is one."""
    if choice.service.capacity == 1:
        return None
    return session.scalar(
        sa.select(Appointment).where(
            Appointment.provider_id == provider_id, Appointment.service_id == choice.service.id,
            Appointment.location_id == choice.location.id, Appointment.starts_at == choice.starts_at,
            Appointment.status.in_(ACTIVE_STATUSES),
        )
    )


def _new_appointment(session, choice: Choice, calendar, provider_id, idempotency_key, source, status=None) -> Appointment:
    service = choice.service
    provider = calendar.provider(provider_id)
    appointment = Appointment(
        tenant_id=service.tenant_id, location_id=choice.location.id, provider_id=provider_id, service_id=service.id,
        status=status or ("pending" if service.requires_approval else "confirmed"), capacity=service.capacity,
        price=provider.price if provider.price is not None else service.price, source=source,
        manage_token=secrets.token_urlsafe(32), idempotency_key=idempotency_key,
    )
    _move(appointment, choice.starts_at, calendar, provider_id)
    session.add(appointment)
    session.flush()
    if service.resource_kind is not None:
        usage.claim(session, appointment, kind=service.resource_kind)
    return appointment


def _move(appointment: Appointment, starts_at: datetime, calendar, provider_id: int) -> None:
    duration = calendar.provider(provider_id).duration
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + duration
    appointment.blocked_from = starts_at - calendar.buffer_before
    appointment.blocked_until = starts_at + duration + calendar.buffer_after


def _store_answers(
    session, booking, customer, intake: Intake, answers: dict[str, str], *, remember: bool, new_customer: bool,
) -> None:
    """The booking's answers, and the customer-scope ones also on the profile (when its owner booked)."""
    questions = intake.by_key()
    session.add_all(
        AppointmentParameter(
            tenant_id=booking.tenant_id, appointment_id=booking.appointment_id, participant_id=booking.id,
            parameter_id=questions[key].parameter_id, value=value,
        )
        for key, value in answers.items()
    )
    kept = {questions[key].parameter_id: value for key, value in answers.items() if questions[key].scope == "customer"}
    if not (remember and kept):
        return
    remembered = {} if new_customer else {
        row.parameter_id: row for row in session.scalars(sa.select(CustomerParameter).where(
            CustomerParameter.customer_id == customer.id, CustomerParameter.parameter_id.in_(list(kept)),
        ))
    }
    for parameter_id, value in kept.items():
        if parameter_id in remembered:
            remembered[parameter_id].value = value
        else:
            session.add(CustomerParameter(
                tenant_id=booking.tenant_id, customer_id=customer.id, parameter_id=parameter_id, value=value,
            ))


def _changeable(session, booking: AppointmentParticipant, now: datetime, action: str) -> Appointment:
    appointment = booking.appointment
    if booking.is_cancelled or appointment.status not in ACTIVE_STATUSES:
        raise BookingError("This appointment is no longer active.")
    if not change_windows(session, booking, now=now)[action].open:
        raise CutoffPassed(f"It is too close to the appointment to {action} online. Please call the practice.")
    return appointment


def _cancel_if_empty(session, appointment: Appointment, now: datetime, reason: str | None) -> None:
    remaining = session.scalar(
        sa.select(sa.func.count()).select_from(AppointmentParticipant).where(
            AppointmentParticipant.appointment_id == appointment.id, AppointmentParticipant.cancelled_at.is_(None),
        )
    )
    if remaining == 0:
        appointment.status = "cancelled"
        appointment.cancelled_at = now
        appointment.cancellation_reason = reason
        usage.follow_status(session, appointment)


def by_idempotency_key(session: Session, key: str) -> AppointmentParticipant | None:
    """The booking a form with this key already made, if any."""
    return session.scalar(sa.select(AppointmentParticipant).where(AppointmentParticipant.idempotency_key == key))


def by_manage_token(session: Session, token: str) -> AppointmentParticipant | None:
    if not token or len(token) > 64:
        return None
    return session.scalar(
        sa.select(AppointmentParticipant)
        .where(AppointmentParticipant.manage_token == token)
        .options(*with_appointment_details())
    )


