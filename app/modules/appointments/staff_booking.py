"""Staff booking from the calendar: a caller put into a slot, or a walk-in seen now.

Staff are not bound by the online rules (working hours, minimum notice, horizon) when they say so
explicitly (``override_rules``); without it a time outside them is refused, naming the rule. They are
never allowed to overlap another active appointment of the provider. As in ``booking``, the provider's
row is locked (SELECT … FOR UPDATE on PostgreSQL) before the check, and the exclusion constraint has
the final word; SQLite serialises writers, so a competitor that read before our commit fails to write.
"""
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.core.errors import DomainError
from app.core.zones import wall_time
from app.modules import audit, availability, notifications
from app.modules.appointments.booking import by_idempotency_key
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant
from app.modules.availability.engine import resolve
from app.modules.catalogue.models import Provider, ProviderLocation, ProviderService, Service
from app.modules.customers.directory import Contact, find_or_create_customer
from app.modules.customers.models import Customer
from app.modules.resources import usage


class StaffBookingError(DomainError):
    """A staff booking that cannot be made as asked (422, at its field)."""


class OutsideRules(StaffBookingError):
    """The time breaks an online rule, and the override was not ticked."""

    def __init__(self, message: str):
        super().__init__(message, field="start")


class Overlap(StaffBookingError):
    """Another active appointment of the provider is in the way (409). ``appointment`` names it, when known."""

    def __init__(self, appointment: Appointment | None):
        self.appointment = appointment
        super().__init__(describe_conflict(appointment))


class NoRoom(Overlap):
    """Every resource of the kind the service needs is in use then (409, as an overlap is)."""

    def __init__(self, message: str):
        self.appointment = None
        StaffBookingError.__init__(self, message)


class NoFreeTime(StaffBookingError):
    """A walk-in with nobody free for the rest of the day (409)."""


def describe_conflict(appointment: Appointment | None) -> str:
    if appointment is None:
        return "That time has just been taken by another appointment."
    names = ", ".join(p.customer.name for p in appointment.participants if not p.is_cancelled) or "nobody"
    zone = appointment.location.timezone
    when = (f"{wall_time(appointment.starts_at, zone, '%a %-d %b %H:%M')}–"
            f"{wall_time(appointment.ends_at, zone, '%H:%M %Z')}")
    return (f"{appointment.provider.name} already has {appointment.service.name} with {names} "
            f"at {when} ({appointment.status.replace('_', ' ')}): the times would overlap.")


def customer_for(session: Session, tenant, contact: Contact, *, actor) -> Customer:
    """The practice's customer with the contact's email, or a new one made from it (audited)."""
    customer, created = find_or_create_customer(session, contact, tenant_id=tenant.id)
    if created:
        audit.record(session, "customer.created", customer, actor=actor, source="staff")
    return customer


def offered_services(session: Session, provider: Provider, location) -> list[Service]:
    """The active services ``provider`` offers at ``location`` (none when they do not work there)."""
    works_there = sa.exists().where(ProviderLocation.provider_id == provider.id,
                                    ProviderLocation.location_id == location.id)
    return list(session.scalars(
        sa.select(Service)
        .join(ProviderService, sa.and_(ProviderService.service_id == Service.id, ProviderService.provider_id == provider.id))
        .where(Service.active, works_there)
        .order_by(Service.name)
    ))


@dataclass(frozen=True)
class _Place:
    calendar: availability.Calendar
    duration: timedelta
    price: int


def _place(session, service, provider, location, starts_at: datetime) -> _Place:
    day = starts_at.astimezone(ZoneInfo(location.timezone)).date()
    return place_over(session, service, provider, location, day, day)


def place_over(session, service, provider, location, first_day, last_day) -> _Place:
    """What ``broken_rules`` needs for any start of ``provider`` from ``first_day`` to ``last_day`` (local dates):
    one load for a whole recurring series. Refused when the provider does not offer the service there."""
    if not (provider.active and location.active and service.active) or service.id not in {
        s.id for s in offered_services(session, provider, location)
    }:
        raise StaffBookingError(f"{provider.name} does not offer {service.name} at {location.name}.", field="service_id")
    calendar = availability.load(session, service=service, location=location, first_day=first_day, last_day=last_day,
                                 provider_id=provider.id)
    mine = calendar.provider(provider.id)
    return _Place(calendar, mine.duration, mine.price if mine.price is not None else service.price)


def broken_rules(place: _Place, provider: Provider, location, starts_at: datetime, *, now: datetime) -> list[str]:
    """Which online rules ``starts_at`` breaks: working hours (with time off and closures), notice, horizon."""
    calendar, zone = place.calendar, ZoneInfo(location.timezone)
    mine = calendar.provider(provider.id)
    day = starts_at.astimezone(zone).date()
    ends_at = starts_at + place.duration
    broken = []
    if day in calendar.closures:
        broken.append(f"{location.name} is closed that day.")
    else:
        hours = mine.hours_on(day)
        within = any(
            resolve(day, opens, zone, earliest=True) <= starts_at and ends_at <= resolve(day, closes, zone, earliest=False)
            for opens, closes in hours
        )
        if not within:
            worked = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in hours) or "none"
            broken.append(f"It is outside {provider.name}’s working hours at {location.name} (that day: {worked}).")
        if any(off_from < ends_at and starts_at < off_until for off_from, off_until in mine.time_off):
            broken.append(f"{provider.name} has time off then.")
    policy = calendar.policy
    if starts_at < now:
        broken.append("That time has already passed.")
    elif starts_at < now + policy.min_notice:
        broken.append(f"It is inside the minimum notice of {_span(policy.min_notice)}.")
    if starts_at > now + policy.horizon:
        broken.append(f"It is beyond the booking horizon of {_span(policy.horizon)}.")
    return broken


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 1440 == 0 and minutes:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0 and minutes:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def _in_the_way(session, provider: Provider, blocked_from: datetime, blocked_until: datetime,
                joining: Appointment | None) -> Appointment | None:
    query = (
        sa.select(Appointment)
        .where(Appointment.provider_id == provider.id, Appointment.status.in_(ACTIVE_STATUSES),
               Appointment.blocked_from < blocked_until, Appointment.blocked_until > blocked_from)
        .order_by(Appointment.starts_at)
        .options(selectinload(Appointment.participants).selectinload(AppointmentParticipant.customer))
        .limit(1)
    )
    if joining is not None:
        query = query.where(Appointment.id != joining.id)
    return session.scalar(query)


def _session_to_join(session, service, provider, location, starts_at) -> Appointment | None:
    if service.capacity == 1:
        return None
    return session.scalar(sa.select(Appointment).where(
        Appointment.provider_id == provider.id, Appointment.service_id == service.id,
        Appointment.location_id == location.id, Appointment.starts_at == starts_at,
        Appointment.status.in_(ACTIVE_STATUSES),
    ))


def book_by_staff(
    session: Session, tenant, *, service: Service, provider: Provider, location, starts_at: datetime, customer,
    seats: int = 1, note: str = "", notify: bool = True, override_rules: bool = False, actor, now: datetime,
    idempotency_key: str | None = None, walk_in: bool = False,
) -> AppointmentParticipant:
    """Book ``customer`` with ``provider`` for ``service`` at ``location`` from ``starts_at``, as staff.

    The appointment is confirmed (staff need no approval) and its source is "staff". A group service
    joins the provider's session at that time when there is one. ``notify`` queues the booking-confirmed
    email and the reminders, as an online booking does. A repeated ``idempotency_key`` returns the
    first booking (a double-submitted form)."""
    if idempotency_key and (earlier := by_idempotency_key(session, idempotency_key)) is not None:
        return earlier
    if seats < 1 or seats > service.capacity:
        raise StaffBookingError(
            "This service is for one person." if service.capacity == 1 else f"A session has {service.capacity} places.",
            field="seats",
        )
    # Serialise bookings of this provider, then check inside the lock.
    session.execute(sa.select(Provider.id).where(Provider.id == provider.id).with_for_update()).all()
    usage.lock(session, location_id=location.id, kind=service.resource_kind)  # after the provider, as online
    place = _place(session, service, provider, location, starts_at)
    if not override_rules and (broken := broken_rules(place, provider, location, starts_at, now=now)):
        raise OutsideRules(" ".join(broken) + " Tick “Book outside the online rules” to book it anyway.")
    blocked_from = starts_at - place.calendar.buffer_before
    blocked_until = starts_at + place.duration + place.calendar.buffer_after
    joining = _session_to_join(session, service, provider, location, starts_at)
    if (other := _in_the_way(session, provider, blocked_from, blocked_until, joining)) is not None:
        raise Overlap(other)
    if joining is not None:
        taken = sum(p.seats for p in joining.participants if not p.is_cancelled)
        if taken + seats > joining.capacity:
            left = joining.capacity - taken
            raise StaffBookingError(f"Only {left} {'place is' if left == 1 else 'places are'} left in this session.",
                                    field="seats")
    try:
        with session.begin_nested():
            appointment = joining or Appointment(
                tenant_id=tenant.id, location_id=location.id, provider_id=provider.id, service_id=service.id,
                status="confirmed", capacity=service.capacity, price=place.price, source="staff",
                starts_at=starts_at, ends_at=starts_at + place.duration, blocked_from=blocked_from,
                blocked_until=blocked_until, internal_notes=note.strip(), manage_token=secrets.token_urlsafe(32),
            )
            if joining is not None and note.strip():
                joining.internal_notes = "\n".join(filter(None, (joining.internal_notes, note.strip())))
            session.add(appointment)
            session.flush()
            participant = AppointmentParticipant(
                tenant_id=tenant.id, appointment_id=appointment.id, customer_id=customer.id, seats=seats,
                manage_token=secrets.token_urlsafe(32), idempotency_key=idempotency_key or None,
            )
            session.add(participant)
            session.flush()
            if joining is None and service.resource_kind is not None:
                usage.claim(session, appointment, kind=service.resource_kind)
    except usage.NoResourceFree as error:
        raise NoRoom(str(error)) from None
    except IntegrityError:
        if idempotency_key and (earlier := by_idempotency_key(session, idempotency_key)) is not None:
            return earlier
        raise Overlap(_in_the_way(session, provider, blocked_from, blocked_until, None)) from None
    if notify:
        notifications.about_booking(session, participant, "booking_confirmed", now=now)
        notifications.schedule_reminders(session, participant, now=now)
    audit.record(
        session, "appointment.booked_by_staff", appointment, actor=actor, customer_id=customer.id,
        participant_id=participant.id, starts_at=starts_at.isoformat(), seats=seats, notified=notify,
        outside_rules=override_rules, walk_in=walk_in,
    )
    return participant


def first_free_today(session: Session, *, service: Service, provider: Provider, location, now: datetime) -> datetime:
    """The provider's first free start from ``now`` to the end of the local day, by the availability
    engine with its hours, time off, closures and appointments, but without the online minimum notice."""
    today = now.astimezone(ZoneInfo(location.timezone)).date()
    if service.id not in {s.id for s in offered_services(session, provider, location)} or not provider.active:
        raise StaffBookingError(f"{provider.name} does not offer {service.name} at {location.name}.", field="service_id")
    calendar = availability.load(session, service=service, location=location, first_day=today, last_day=today,
                                 provider_id=provider.id)
    calendar.policy = replace(calendar.policy, min_notice=timedelta(0), horizon=timedelta(days=2))
    slots = calendar.slots(now)
    if not slots:
        raise NoFreeTime(f"{provider.name} has no free time left today for {service.name} at {location.name}.")
    return slots[0].starts_at


def book_walk_in(
    session: Session, tenant, *, service: Service, provider: Provider, location, customer, seats: int = 1,
    note: str = "", notify: bool = True, actor, now: datetime, idempotency_key: str | None = None,
) -> AppointmentParticipant:
    """Book a walk-in at the provider's first free time today (the online notice waived)."""
    if idempotency_key and (earlier := by_idempotency_key(session, idempotency_key)) is not None:
        return earlier
    session.execute(sa.select(Provider.id).where(Provider.id == provider.id).with_for_update()).all()
    starts_at = first_free_today(session, service=service, provider=provider, location=location, now=now)
    return book_by_staff(
        session, tenant, service=service, provider=provider, location=location, starts_at=starts_at,
        customer=customer, seats=seats, note=note, notify=notify, override_rules=True, actor=actor, now=now,
        idempotency_key=idempotency_key, walk_in=True,
    )
