"""Loading what the availability engine needs, in at most three SQL statements whatever the range,
providers or appointments: providers with their hours and the policy; overrides, time off and
closures; active appointments.

The statements are built once per shape, with bind parameters, and ``reused``: building them
anew cost a slot picker more than running them. The slot picker's three read the Core tables,
not the ORM's entities, so the ORM does not process each row (on the picker, a third of its
cost). Core tables are outside the automatic tenant scope (app.core.tenancy), so each of those
names the tenant itself, on every table it reads (``_of_tenant``). The reports' working time
(``load_working``) reads few rows, through the ORM's scope."""
from datetime import date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.core import clock
from app.core.records import UTCDateTime
from app.core.tenancy import reused
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant
from app.modules.availability.engine import (
    Booked,
    Calendar,
    Policy,
    PooledResource,
    ProviderCalendar,
    ResourcePool,
    ResourceUse,
    local_day_bounds,
)
from app.modules.catalogue.models import LocationClosure, Provider, ProviderLocation, ProviderService
from app.modules.resources.models import AppointmentResource, Resource
from app.modules.schedules.models import BookingPolicy, ScheduleOverride, TimeOff, WorkingHours
from app.modules.waitlist.models import WaitlistHold

# Buffers never exceed a day, so a day's margin catches every appointment whose block reaches a range.
BLOCK_MARGIN = timedelta(days=1)


def load_policy(session: Session, service_id: int) -> Policy:
    """The service's booking policy, or the tenant's default."""
    row = session.execute(_policy_query(), {"service_id": service_id}).first()
    return Policy.from_minutes(*row) if row else Policy()


@cache
def _policy_query() -> sa.Select:
    return reused(_policy_select(BookingPolicy))


def _policy_select(policies) -> sa.Select:
    """The service's own booking policy, else the tenant's default; ``policies`` is the model or its
    table's columns."""
    service_id = sa.bindparam("service_id")
    return (
        sa.select(
            policies.min_notice_minutes, policies.max_horizon_days, policies.slot_interval_minutes,
            policies.cancel_cutoff_minutes, policies.reschedule_cutoff_minutes,
        )
        .where(sa.or_(policies.service_id == service_id, policies.service_id.is_(None)))
        .order_by(policies.service_id.is_(None))  # the service's own policy first
        .limit(1)
    )


def _of_tenant(*tables) -> list:
    """The criteria keeping each of these Core tables' rows to the tenant bound as ``tenant_id``."""
    return [table.tenant_id == sa.bindparam("tenant_id") for table in tables]


def load(
    session: Session, *, service, location, first_day: date, last_day: date,
    provider_id: int | None = None, ignore_appointment_id: int | None = None, now: datetime | None = None,
) -> Calendar:
    """Load what ``Calendar.slots`` needs, in three statements: providers with their hours and the
    policy; overrides, time off and closures; active appointments (and waitlist holds still running
    at ``now``). A service that needs a resource costs a fourth: the resources of its kind here and
    their uses. ``ignore_appointment_id`` leaves one appointment out, as when it is being moved."""
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
    range_start, range_end = local_day_bounds(first_day, last_day, zone)
    _load_exceptions(session, service.tenant_id, calendar, location, providers, range_start, range_end)
    _load_booked(session, service.tenant_id, providers, range_start, range_end, ignore_appointment_id, now)
    if service.resource_kind is not None:
        calendar.resources = _load_resources(session, service, location, range_start, range_end, ignore_appointment_id)
    calendar.providers = sorted(providers.values(), key=lambda p: p.provider_id)
    return calendar


def _load_resources(session, service, location, range_start, range_end, ignore_appointment_id) -> ResourcePool:
    params = {"tenant_id": service.tenant_id, "location_id": location.id, "kind": service.resource_kind,
              "from": range_start - BLOCK_MARGIN, "until": range_end + BLOCK_MARGIN,
              "ignore_id": ignore_appointment_id or 0}
    pool: dict[int, PooledResource] = {}
    for resource_id, capacity, appointment_id, blocked_from, blocked_until in session.execute(_resources_query(), params):
        resource = pool.get(resource_id) or pool.setdefault(resource_id, PooledResource(resource_id, capacity))
        if appointment_id is not None:
            resource.uses.append(ResourceUse(appointment_id, blocked_from, blocked_until))
    return ResourcePool(list(pool.values()))


@cache
def _resources_query() -> sa.Select:
    """The active resources of a kind at a location, each with its active uses around a range (one row per use)."""
    resources, uses = Resource.__table__.c, AppointmentResource.__table__.c
    return reused(
        sa.select(resources.id, resources.capacity, uses.appointment_id, uses.blocked_from, uses.blocked_until)
        .select_from(Resource.__table__.outerjoin(AppointmentResource.__table__, sa.and_(
            uses.resource_id == resources.id, uses.active, *_of_tenant(uses),
            uses.appointment_id != sa.bindparam("ignore_id"),
            uses.blocked_until > sa.bindparam("from", type_=UTCDateTime),
            uses.blocked_from < sa.bindparam("until", type_=UTCDateTime),
        )))
        .where(resources.location_id == sa.bindparam("location_id"), resources.kind == sa.bindparam("kind"),
               resources.active, *_of_tenant(resources))
        .order_by(resources.id)
    )


def _load_providers(session, calendar, service, location, provider_id) -> dict[int, ProviderCalendar]:
    params = {"tenant_id": service.tenant_id, "service_id": service.id, "location_id": location.id}
    if provider_id is not None:
        params["provider_id"] = provider_id
    providers: dict[int, ProviderCalendar] = {}
    for provider_id, name, duration, price, weekday, opens, closes, *policy in session.execute(
        _providers_query(one_provider=provider_id is not None), params
    ):
        provider = providers.get(provider_id)
        if provider is None:
            if not providers and policy[0] is not None:  # every row carries the same policy
                calendar.policy = Policy.from_minutes(*policy)
            provider = providers[provider_id] = ProviderCalendar(
                provider_id, name, timedelta(minutes=duration or service.duration_minutes),
                price if price is not None else service.price,
            )
        if weekday is not None:
            provider.weekly[weekday].append((opens, closes))
    return providers


@cache
def _providers_query(*, one_provider: bool) -> sa.Select:
    service_id, location_id = sa.bindparam("service_id"), sa.bindparam("location_id")
    providers, offers, places = Provider.__table__.c, ProviderService.__table__.c, ProviderLocation.__table__.c
    hours, policies = WorkingHours.__table__.c, BookingPolicy.__table__.c
    policy = _policy_select(policies).where(*_of_tenant(policies)).subquery()
    query = (
        sa.select(
            providers.id, providers.name, offers.duration_minutes, offers.price,
            hours.weekday, hours.starts_at, hours.ends_at, *policy.c,
        )
        .select_from(
            Provider.__table__
            .join(ProviderService.__table__, sa.and_(
                offers.provider_id == providers.id, offers.service_id == service_id, *_of_tenant(offers)))
            .join(ProviderLocation.__table__, sa.and_(
                places.provider_id == providers.id, places.location_id == location_id, *_of_tenant(places)))
            .outerjoin(WorkingHours.__table__, sa.and_(
                hours.provider_id == providers.id, hours.location_id == location_id, *_of_tenant(hours)))
            .outerjoin(policy, sa.true())
        )
        .where(providers.active, *_of_tenant(providers))
        .order_by(providers.id, hours.weekday, hours.starts_at)
    )
    if one_provider:
        query = query.where(providers.id == sa.bindparam("provider_id"))
    return reused(query)


def _load_exceptions(session, tenant_id, calendar, location, providers, range_start, range_end) -> None:
    first, last = calendar.first_day, calendar.last_day
    params = {
        "tenant_id": tenant_id, "location_id": location.id, "provider_ids": list(providers), "first": first,
        "last": last, "range_start": range_start, "range_end": range_end,
    }
    for kind, provider_id, first_day, last_day, opens, closes, day_off, starts, ends in session.execute(
        _exceptions_query(), params
    ):
        if kind == "override":
            hours = providers[provider_id].overrides.setdefault(first_day, [])
            if not day_off:
                hours.append((opens, closes))
        elif kind == "time_off":
            providers[provider_id].time_off.append((starts, ends))
        else:
            day = max(first_day, first)
            while day <= min(last_day, last):
                calendar.closures.add(day)
                day += timedelta(days=1)


@cache
def _exceptions_query() -> sa.CompoundSelect:
    location_id, provider_ids = sa.bindparam("location_id"), sa.bindparam("provider_ids", expanding=True)
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    range_start, range_end = sa.bindparam("range_start", type_=UTCDateTime), sa.bindparam("range_end", type_=UTCDateTime)
    no_date, no_time, no_instant = sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Time), sa.cast(sa.null(), UTCDateTime())
    overrides, time_off, closures = ScheduleOverride.__table__.c, TimeOff.__table__.c, LocationClosure.__table__.c
    on_dates = sa.select(
        sa.literal("override").label("kind"), overrides.provider_id.label("provider_id"),
        overrides.on_date.label("first"), overrides.on_date.label("last"),
        overrides.starts_at.label("opens"), overrides.ends_at.label("closes"),
        overrides.is_day_off.label("day_off"),
        no_instant.label("starts"), no_instant.label("ends"),
    ).where(
        overrides.location_id == location_id, overrides.provider_id.in_(provider_ids),
        overrides.on_date.between(first, last), *_of_tenant(overrides),
    )
    absences = sa.select(
        sa.literal("time_off"), time_off.provider_id, no_date, no_date, no_time, no_time, sa.false(),
        time_off.starts_at, time_off.ends_at,
    ).where(
        time_off.provider_id.in_(provider_ids), time_off.starts_at < range_end, time_off.ends_at > range_start,
        *_of_tenant(time_off),
    )
    closed = sa.select(
        sa.literal("closure"), sa.cast(sa.null(), sa.Integer), closures.starts_on, closures.ends_on,
        no_time, no_time, sa.false(), no_instant, no_instant,
    ).where(
        closures.location_id == location_id, closures.starts_on <= last, closures.ends_on >= first,
        *_of_tenant(closures),
    )
    return reused(sa.union_all(on_dates, absences, closed))


def _load_booked(session, tenant_id, providers, range_start, range_end, ignore_appointment_id, now=None) -> None:
    params = {"tenant_id": tenant_id, "provider_ids": list(providers), "from": range_start - BLOCK_MARGIN,
              "until": range_end + BLOCK_MARGIN, "range_start": range_start, "range_end": range_end,
              "now": now or clock.now()}
    if ignore_appointment_id is not None:
        params["ignore_id"] = ignore_appointment_id
    native_utc = session.get_bind().dialect.name == "postgresql"
    # Each row is a Booked, fields in order: a picker reads hundreds.
    make = Booked._make
    for row in session.execute(_booked_query(ignoring_one=ignore_appointment_id is not None, native_utc=native_utc),
                               params).all():  # fetched at once: iterating a cursor result fetches row by row
        booked = make(row)
        providers[booked.provider_id].booked.append(booked)


@cache
def _booked_query(*, ignoring_one: bool, native_utc: bool) -> sa.Select:
    """The active appointments of some providers around a range: hundreds of rows on a picker. Then, in
    the same statement, the waitlist holds still running: a freed time kept for the customers offered it
    is busy for everyone else (no service, so never a group session to join; a negative id)."""
    appointments, participants = Appointment.__table__.c, AppointmentParticipant.__table__.c
    seats = sa.func.coalesce(sa.func.sum(sa.case((participants.cancelled_at.is_(None), participants.seats), else_=0)), 0)
    instants = [appointments.starts_at, appointments.blocked_from, appointments.blocked_until]
    if native_utc:
        # Our PostgreSQL sessions run in UTC, so psycopg2's instants are already what UTCDateTime
        # would make of them: read them as plain timestamps, without a conversion call per value.
        instants = [sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key) for column in instants]
    query = (
        sa.select(appointments.id, appointments.service_id, appointments.location_id, *instants, seats.label("seats"),
                  appointments.provider_id)
        .select_from(Appointment.__table__.outerjoin(
            AppointmentParticipant.__table__,
            sa.and_(participants.appointment_id == appointments.id, *_of_tenant(participants)),
        ))
        .where(
            *_of_tenant(appointments),
            appointments.provider_id.in_(sa.bindparam("provider_ids", expanding=True)),
            appointments.status.in_(ACTIVE_STATUSES),
            # The margin lets the index on starts_at find them; only those whose block reaches the range count.
            appointments.starts_at >= sa.bindparam("from", type_=UTCDateTime),
            appointments.starts_at < sa.bindparam("until", type_=UTCDateTime),
            appointments.blocked_until > sa.bindparam("range_start", type_=UTCDateTime),
            appointments.blocked_from < sa.bindparam("range_end", type_=UTCDateTime),
        )
        .group_by(appointments.id)
    )
    if ignoring_one:
        query = query.where(appointments.id != sa.bindparam("ignore_id"))
    return reused(sa.union_all(query, _holds_select(native_utc)))


def _holds_select(native_utc: bool) -> sa.Select:
    holds = WaitlistHold.__table__.c
    instants = [holds.starts_at, holds.blocked_from, holds.blocked_until]
    if native_utc:
        instants = [sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key) for column in instants]
    return sa.select(
        -holds.id, sa.cast(sa.null(), sa.Integer), holds.location_id, *instants, sa.literal(1), holds.provider_id,
    ).where(
        *_of_tenant(holds),
        holds.provider_id.in_(sa.bindparam("provider_ids", expanding=True)),
        holds.status == "held",
        holds.held_until > sa.bindparam("now", type_=UTCDateTime),
        holds.starts_at >= sa.bindparam("from", type_=UTCDateTime),
        holds.starts_at < sa.bindparam("until", type_=UTCDateTime),
        holds.blocked_until > sa.bindparam("range_start", type_=UTCDateTime),
        holds.blocked_from < sa.bindparam("range_end", type_=UTCDateTime),
    )


def load_working(
    session: Session, *, location_ids: list[int], provider_ids: list[int], first_day: date, last_day: date,
) -> dict[int, tuple[set[date], dict[int, ProviderCalendar]]]:
    """What ``engine.working_time`` needs for every (location, provider) pair, in one statement: weekly hours,
    overrides, time off and closures. By location: its closed days and its providers' schedules there (a
    provider's time off shared by all their locations)."""
    found: dict[int, tuple[set[date], dict[int, ProviderCalendar]]] = {
        location_id: (set(), {}) for location_id in location_ids
    }
    if not location_ids or not provider_ids:
        return found
    # Time off is held in UTC: a day's margin either side reaches every location's local days.
    params = {"location_ids": list(location_ids), "provider_ids": list(provider_ids), "first": first_day,
              "last": last_day, "range_start": datetime.combine(first_day, time.min, timezone.utc) - BLOCK_MARGIN,
              "range_end": datetime.combine(last_day, time.max, timezone.utc) + BLOCK_MARGIN}
    away: dict[int, list] = {}

    def schedule(location_id, provider_id) -> ProviderCalendar:
        providers = found[location_id][1]
        if provider_id not in providers:
            # Only the schedule matters here: no service, so no name, length or price.
            providers[provider_id] = ProviderCalendar(provider_id, "", timedelta(0), None)
            providers[provider_id].time_off = away.setdefault(provider_id, [])
        return providers[provider_id]

    for kind, provider_id, location_id, weekday, on_first, on_last, opens, closes, day_off, starts, ends in session.execute(
        _working_query(), params
    ):
        if kind == "weekly":
            schedule(location_id, provider_id).weekly[weekday].append((opens, closes))
        elif kind == "override":
            hours = schedule(location_id, provider_id).overrides.setdefault(on_first, [])
            if not day_off:
                hours.append((opens, closes))
        elif kind == "time_off":
            away.setdefault(provider_id, []).append((starts, ends))
        else:
            day = max(on_first, first_day)
            while day <= min(on_last, last_day):
                found[location_id][0].add(day)
                day += timedelta(days=1)
    return found


@cache
def _working_query() -> sa.CompoundSelect:
    location_ids = sa.bindparam("location_ids", expanding=True)
    provider_ids = sa.bindparam("provider_ids", expanding=True)
    first, last = sa.bindparam("first", type_=sa.Date), sa.bindparam("last", type_=sa.Date)
    range_start, range_end = sa.bindparam("range_start", type_=UTCDateTime), sa.bindparam("range_end", type_=UTCDateTime)
    no_int, no_date, no_time = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.Date), sa.cast(sa.null(), sa.Time)
    no_instant = sa.cast(sa.null(), UTCDateTime())
    weekly = sa.select(
        sa.literal("weekly").label("kind"), WorkingHours.provider_id.label("provider_id"),
        WorkingHours.location_id.label("location_id"), WorkingHours.weekday.label("weekday"),
        no_date.label("first"), no_date.label("last"), WorkingHours.starts_at.label("opens"),
        WorkingHours.ends_at.label("closes"), sa.false().label("day_off"), no_instant.label("starts"),
        no_instant.label("ends"),
    ).where(WorkingHours.location_id.in_(location_ids), WorkingHours.provider_id.in_(provider_ids))
    overrides = sa.select(
        sa.literal("override"), ScheduleOverride.provider_id, ScheduleOverride.location_id, no_int,
        ScheduleOverride.on_date, ScheduleOverride.on_date, ScheduleOverride.starts_at, ScheduleOverride.ends_at,
        ScheduleOverride.is_day_off, no_instant, no_instant,
    ).where(
        ScheduleOverride.location_id.in_(location_ids), ScheduleOverride.provider_id.in_(provider_ids),
        ScheduleOverride.on_date.between(first, last),
    )
    time_off = sa.select(
        sa.literal("time_off"), TimeOff.provider_id, no_int, no_int, no_date, no_date, no_time, no_time, sa.false(),
        TimeOff.starts_at, TimeOff.ends_at,
    ).where(TimeOff.provider_id.in_(provider_ids), TimeOff.starts_at < range_end, TimeOff.ends_at > range_start)
    closures = sa.select(
        sa.literal("closure"), no_int, LocationClosure.location_id, no_int, LocationClosure.starts_on,
        LocationClosure.ends_on, no_time, no_time, sa.false(), no_instant, no_instant,
    ).where(LocationClosure.location_id.in_(location_ids), LocationClosure.starts_on <= last,
            LocationClosure.ends_on >= first)
    return reused(sa.union_all(weekly, overrides, time_off, closures))
