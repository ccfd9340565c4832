"""Loading what the availability engine needs, in at most three SQL statements whatever the range,
providers or appointments: providers with their hours and the policy; overrides, time off and
closures; active appointments."""
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core.records import UTCDateTime
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant
from app.modules.availability.engine import Booked, Calendar, Policy, ProviderCalendar, local_day_bounds
from app.modules.catalogue.models import LocationClosure, Provider, ProviderLocation, ProviderService
from app.modules.schedules.models import BookingPolicy, ScheduleOverride, TimeOff, WorkingHours


def load_policy(session: Session, service_id: int) -> Policy:
    """The service's booking policy, or the tenant's default."""
    row = session.execute(_policy_query(service_id)).first()
    return Policy.from_minutes(*row) if row else Policy()


def _policy_query(service_id: int) -> sa.Select:
    return (
        sa.select(
            BookingPolicy.min_notice_minutes, BookingPolicy.max_horizon_days, BookingPolicy.slot_interval_minutes,
            BookingPolicy.cancel_cutoff_minutes, BookingPolicy.reschedule_cutoff_minutes,
        )
        .where(sa.or_(BookingPolicy.service_id == service_id, BookingPolicy.service_id.is_(None)))
        .order_by(BookingPolicy.service_id.is_(None))  # the service's own policy first
        .limit(1)
    )


def load(
    session: Session, *, service, location, first_day: date, last_day: date,
    provider_id: int | None = None, ignore_appointment_id: int | None = None,
) -> Calendar:
    """Load what ``Calendar.slots`` needs, in three statements: providers with their hours and the
    policy; overrides, time off and closures; active appointments. ``ignore_appointment_id``
    leaves one appointment out, as when it is being moved."""
    zone = ZoneInfo(location.timezone)
    calendar = Calendar(
        service_id=service.id, location_id=location.id, zone=zone, capacity=service.capacity,
        buffer_before=timedelta(minutes=service.buffer_before_minutes),
        buffer_after=timedelta(minutes=service.buffer_after_minutes),
        policy=Policy(), first_day=first_day, last_day=last_day,
    )
    providers = _load_providers(session, calendar, service, location, provider_id)
    if not providers:
        return calendar
    _load_exceptions(session, calendar, location, providers)
    range_start, range_end = local_day_bounds(first_day, last_day, zone)
    _load_booked(session, providers, range_start, range_end, ignore_appointment_id)
    calendar.providers = sorted(providers.values(), key=lambda p: p.provider_id)
    return calendar


def _load_providers(session, calendar, service, location, provider_id) -> dict[int, ProviderCalendar]:
    policy = _policy_query(service.id).subquery()
    query = (
        sa.select(
            Provider.id, Provider.name, ProviderService.duration_minutes, ProviderService.price,
            WorkingHours.weekday, WorkingHours.starts_at, WorkingHours.ends_at, *policy.c,
        )
        .join(ProviderService, sa.and_(ProviderService.provider_id == Provider.id, ProviderService.service_id == service.id))
        .join(ProviderLocation, sa.and_(ProviderLocation.provider_id == Provider.id, ProviderLocation.location_id == location.id))
        .outerjoin(WorkingHours, sa.and_(WorkingHours.provider_id == Provider.id, WorkingHours.location_id == location.id))
        .outerjoin(policy, sa.true())
        .where(Provider.active)
        .order_by(Provider.id, WorkingHours.weekday, WorkingHours.starts_at)
    )
    if provider_id is not None:
        query = query.where(Provider.id == provider_id)
    providers: dict[int, ProviderCalendar] = {}
    for row in session.execute(query):
        if row.min_notice_minutes is not None:
            calendar.policy = Policy.from_minutes(*row[-5:])
        provider = providers.get(row.id)
        if provider is None:
            duration = timedelta(minutes=row.duration_minutes or service.duration_minutes)
            price = row.price if row.price is not None else service.price
            provider = providers[row.id] = ProviderCalendar(row.id, row.name, duration, price)
        if row.weekday is not None:
            provider.weekly[row.weekday].append((row.starts_at, row.ends_at))
    return providers


def _load_exceptions(session, calendar, location, providers) -> None:
    first, last = calendar.first_day, calendar.last_day
    ids = list(providers)
    no_date, no_time, no_instant = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Time), sa.cast(sa.null(), UTCDateTime())
    range_start, range_end = local_day_bounds(first, last, calendar.zone)
    overrides = sa.select(
        sa.literal("override").label("kind"), ScheduleOverride.provider_id.label("provider_id"),
        ScheduleOverride.on_date.label("first"), ScheduleOverride.on_date.label("last"),
        ScheduleOverride.starts_at.label("opens"), ScheduleOverride.ends_at.label("closes"),
        ScheduleOverride.is_day_off.label("day_off"),
        no_instant.label("starts"), no_instant.label("ends"),
    ).where(
        ScheduleOverride.location_id == location.id, ScheduleOverride.provider_id.in_(ids),
        ScheduleOverride.on_date.between(first, last),
    )
    time_off = sa.select(
        sa.literal("time_off"), TimeOff.provider_id, no_date, no_date, no_time, no_time, sa.false(),
        TimeOff.starts_at, TimeOff.ends_at,
    ).where(TimeOff.provider_id.in_(ids), TimeOff.starts_at < range_end, TimeOff.ends_at > range_start)
    closures = sa.select(
        sa.literal("closure"), sa.cast(sa.null(), sa.Integer), LocationClosure.starts_on, LocationClosure.ends_on,
        no_time, no_time, sa.false(), no_instant, no_instant,
    ).where(LocationClosure.location_id == location.id, LocationClosure.starts_on <= last, LocationClosure.ends_on >= first)
    for row in session.execute(sa.union_all(overrides, time_off, closures)):
        if row.kind == "override":
            hours = providers[row.provider_id].overrides.setdefault(row.first, [])
            if not row.day_off:
                hours.append((row.opens, row.closes))
        elif row.kind == "time_off":
            providers[row.provider_id].time_off.append((row.starts, row.ends))
        else:
            day = max(row.first, first)
            while day <= min(row.last, last):
                calendar.closures.add(day)
                day += timedelta(days=1)


def _load_booked(session, providers, range_start, range_end, ignore_appointment_id) -> None:
    # Buffers never exceed a day, so a day's margin catches every appointment whose block reaches the range.
    margin = timedelta(days=1)
    seats = sa.func.coalesce(
        sa.func.sum(sa.case((AppointmentParticipant.cancelled_at.is_(None), AppointmentParticipant.seats), else_=0)), 0
    )
    query = (
        sa.select(
            Appointment.id, Appointment.provider_id, Appointment.service_id, Appointment.location_id,
            Appointment.starts_at, Appointment.blocked_from, Appointment.blocked_until, seats.label("seats"),
        )
        .outerjoin(AppointmentParticipant, AppointmentParticipant.appointment_id == Appointment.id)
        .where(
            Appointment.provider_id.in_(list(providers)),
            Appointment.status.in_(ACTIVE_STATUSES),
            Appointment.starts_at >= range_start - margin,
            Appointment.starts_at < range_end + margin,
        )
        .group_by(Appointment.id)
    )
    if ignore_appointment_id is not None:
        query = query.where(Appointment.id != ignore_appointment_id)
    for row in session.execute(query):
        providers[row.provider_id].booked.append(
            Booked(row.id, row.service_id, row.location_id, row.starts_at, row.blocked_from, row.blocked_until, row.seats)
        )
