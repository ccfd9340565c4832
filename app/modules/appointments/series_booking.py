"""Recurring appointments booked by staff: every occurrence checked before anything is saved, then all the
kept ones booked in one go (all or nothing); a series' occurrences changed or cancelled together.

Booking a series is as race-free as ``staff_booking``: the provider's row is locked (SELECT … FOR UPDATE on
PostgreSQL), every occurrence is checked inside that lock, and the exclusion constraint has the final word.
The customer gets one confirmation email listing the whole series (a ``booking_confirmed`` of the first
occurrence whose payload names the series), and each occurrence its own reminders; later changes notify per
occurrence, as any appointment's do.
"""
import secrets
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from app.core.errors import DomainError
from app.core.zones import wall_time
from app.modules import audit, notifications
from app.modules.appointments import lifecycle, staff_booking
from app.modules.appointments.models import ACTIVE_STATUSES, Appointment, AppointmentParticipant, Series
from app.modules.appointments.series import Rule, RuleError, local_days, starts
from app.modules.catalogue.models import Provider

SCOPES = ("this", "following", "all")
NEAREST = 3  # free times offered for a conflict


class SeriesError(DomainError):
    """A series that cannot be made or changed as asked (422, at its field)."""


class SeriesConflicts(DomainError):
    """Some occurrences cannot be booked or moved as they stand (409): ``occurrences`` says which, and why."""

    def __init__(self, occurrences: list["Occurrence"]):
        self.occurrences = occurrences
        problems = sum(1 for o in occurrences if o.conflict)
        super().__init__(f"{problems} of the {len(occurrences)} appointments cannot be booked as they stand: "
                         "skip each or give it another time.")


@dataclass(frozen=True)
class Plan:
    """A series as the create form describes it, before it is booked."""

    service: object
    provider: Provider
    location: object
    rule: Rule
    wall: time
    seats: int = 1
    note: str = ""
    notify: bool = True
    override_rules: bool = False


@dataclass
class Occurrence:
    """One date of a series: when it would start, and what stands in its way (nothing when it can be booked)."""

    day: date
    starts_at: datetime
    zone: ZoneInfo
    problems: list[str] = field(default_factory=list)
    nearest: list[datetime] = field(default_factory=list)  # free starts that day, nearest first
    skipped: bool = False
    retimed: bool = False
    appointment: Appointment | None = None
    booking: AppointmentParticipant | None = None

    @property
    def key(self) -> str:
        return self.day.isoformat()

    @property
    def conflict(self) -> bool:
        return bool(self.problems) and not self.skipped

    @property
    def label(self) -> str:
        return wall_time(self.starts_at, self.zone, "%a %-d %b %Y, %H:%M")

    def local(self, instant: datetime) -> str:
        return wall_time(instant, self.zone)


def review(session: Session, plan: Plan, *, decisions: dict[str, str], now: datetime) -> list[Occurrence]:
    """Every occurrence of ``plan`` with its problems: the provider busy (another appointment, or an earlier
    occurrence of this series), and unless the online rules are overridden, outside working hours, a closure,
    time off, notice or horizon. ``decisions`` maps a date ("2027-03-29") to "skip" or another local time
    ("10:30"). Nothing is written."""
    if plan.service.capacity != 1:
        raise SeriesError("A series is for one-to-one services; a group session is booked one at a time.",
                          field="service_id")
    if plan.seats != 1:
        raise SeriesError("This service is for one person.", field="seats")
    zone = ZoneInfo(plan.location.timezone)
    days = local_days(plan.rule)
    place = staff_booking.place_over(session, plan.service, plan.provider, plan.location, days[0], days[-1])
    # A series books ahead on purpose: the online horizon is not one of its rules (hours, closures, time off are).
    policy = place.calendar.policy
    place = replace(place, calendar=replace(place.calendar, policy=replace(policy, horizon=timedelta(days=800))))
    before, after = place.calendar.buffer_before, place.calendar.buffer_after
    occurrences = [Occurrence(day, start, zone) for day, start in zip(days, starts(days, plan.wall, zone))]
    for occurrence in occurrences:
        decision = (decisions.get(occurrence.key) or "").strip()
        if decision == "skip":
            occurrence.skipped = True
        elif decision:
            try:
                wall = time.fromisoformat(decision)
                occurrence.starts_at = lifecycle.local_start(occurrence.day, wall, plan.location.timezone)
                occurrence.retimed = occurrence.starts_at != starts([occurrence.day], plan.wall, zone)[0]
            except ValueError:
                occurrence.problems.append(f"“{decision}” is not a time: give it as 10:30.")
            except DomainError as error:
                occurrence.problems.append(str(error))
    taken = _active_appointments(session, plan.provider, occurrences[0].starts_at - before - timedelta(days=1),
                                 occurrences[-1].starts_at + place.duration + after + timedelta(days=1))
    kept: list[tuple[datetime, datetime]] = []
    for occurrence in occurrences:
        if occurrence.skipped or occurrence.problems:
            continue
        blocked = (occurrence.starts_at - before, occurrence.starts_at + place.duration + after)
        if not plan.override_rules:
            occurrence.problems += staff_booking.broken_rules(place, plan.provider, plan.location, occurrence.starts_at,
                                                              now=now)
        elif occurrence.starts_at < now:
            occurrence.problems.append("That time has already passed.")
        other = next((a for a in taken if a.blocked_from < blocked[1] and blocked[0] < a.blocked_until), None)
        if other is not None:
            occurrence.problems.append(staff_booking.describe_conflict(other))
        elif any(b_from < blocked[1] and blocked[0] < b_until for b_from, b_until in kept):
            occurrence.problems.append("It overlaps another appointment of this series.")
        if not occurrence.problems:
            kept.append(blocked)
    _offer_nearest(place, occurrences, kept, now=now)
    return occurrences


def _active_appointments(session, provider, start: datetime, end: datetime) -> list[Appointment]:
    return list(session.scalars(
        sa.select(Appointment)
        .where(Appointment.provider_id == provider.id, Appointment.status.in_(ACTIVE_STATUSES),
               Appointment.blocked_from < end, Appointment.blocked_until > start)
        .order_by(Appointment.starts_at)
        .options(selectinload(Appointment.participants).selectinload(AppointmentParticipant.customer))
    ))


def _offer_nearest(place, occurrences: list[Occurrence], kept, *, now: datetime) -> None:
    """For each conflict, the free starts of its day nearest the time asked for: the engine's slots (hours,
    closures, time off, appointments), without notice or horizon, and clear of the series' kept occurrences."""
    conflicts = [o for o in occurrences if o.conflict]
    if not conflicts:
        return
    calendar = replace(place.calendar, policy=replace(place.calendar.policy, min_notice=timedelta(0)))
    before, after = calendar.buffer_before, calendar.buffer_after
    free = [slot.starts_at for slot in calendar.slots(now)
            if not any(f < slot.starts_at + place.duration + after and slot.starts_at - before < u for f, u in kept)]
    for occurrence in conflicts:
        that_day = [s for s in free if s.astimezone(occurrence.zone).date() == occurrence.day]
        occurrence.nearest = sorted(that_day, key=lambda s: (abs(s - occurrence.starts_at), s))[:NEAREST]


def by_idempotency_key(session: Session, key: str) -> Series | None:
    return session.scalar(sa.select(Series).where(Series.idempotency_key == key))


def book_series(
    session: Session, tenant, plan: Plan, *, customer, decisions: dict[str, str], actor, now: datetime,
    idempotency_key: str | None = None,
) -> Series:
    """Book every kept occurrence of ``plan`` for ``customer``, or none: conflicts not skipped or re-timed raise
    ``SeriesConflicts`` with the review as it stands now (a time taken since the review included)."""
    if idempotency_key and (earlier := by_idempotency_key(session, idempotency_key)) is not None:
        return earlier
    session.execute(sa.select(Provider.id).where(Provider.id == plan.provider.id).with_for_update()).all()
    occurrences = review(session, plan, decisions=decisions, now=now)
    if any(o.conflict for o in occurrences):
        raise SeriesConflicts(occurrences)
    kept = [o for o in occurrences if not o.skipped]
    if not kept:
        raise SeriesError("Every appointment of the series is skipped: there is nothing to book.", field="repeat_days")
    place = staff_booking.place_over(session, plan.service, plan.provider, plan.location, kept[0].day, kept[0].day)
    try:
        with session.begin_nested():
            series = Series(
                tenant_id=tenant.id, customer_id=customer.id, service_id=plan.service.id, provider_id=plan.provider.id,
                location_id=plan.location.id, interval_weeks=plan.rule.interval_weeks,
                weekdays=",".join(str(d) for d in sorted(plan.rule.weekdays)), start_time=plan.wall,
                first_day=plan.rule.first_day, count=plan.rule.count, until=plan.rule.until,
                idempotency_key=idempotency_key or None,
            )
            session.add(series)
            session.flush()
            for occurrence in kept:
                occurrence.appointment = _occurrence(session, tenant, plan, place, series, customer, occurrence)
    except IntegrityError:
        if idempotency_key and (earlier := by_idempotency_key(session, idempotency_key)) is not None:
            return earlier
        occurrences = review(session, plan, decisions=decisions, now=now)
        if not any(o.conflict for o in occurrences):  # the constraint saw a competitor the check did not
            occurrences[0].problems.append("A time of this series has just been taken by another appointment.")
        raise SeriesConflicts(occurrences) from None
    bookings = [o.booking for o in kept]
    if plan.notify:
        notifications.queue(session, now=now, tenant_id=tenant.id, kind="booking_confirmed", recipient=customer.email,
                            appointment_id=bookings[0].appointment_id, participant_id=bookings[0].id,
                            series_id=series.id)
        for booking in bookings:
            notifications.schedule_reminders(session, booking, now=now)
    for occurrence in kept:
        audit.record(session, "appointment.booked_by_staff", occurrence.appointment, actor=actor,
                     customer_id=customer.id, participant_id=occurrence.booking.id,
                     starts_at=occurrence.starts_at.isoformat(), seats=1, notified=plan.notify,
                     outside_rules=plan.override_rules, series_id=series.id)
    audit.record(session, "series.created", series, actor=actor, customer_id=customer.id, rule=plan.rule.describe,
                 start_time=plan.wall.strftime("%H:%M"), appointment_ids=[o.appointment.id for o in kept],
                 skipped=[o.key for o in occurrences if o.skipped], retimed=[o.key for o in kept if o.retimed],
                 notified=plan.notify, outside_rules=plan.override_rules)
    return series


def _occurrence(session, tenant, plan: Plan, place, series: Series, customer, occurrence: Occurrence) -> Appointment:
    calendar = place.calendar
    appointment = Appointment(
        tenant_id=tenant.id, location_id=plan.location.id, provider_id=plan.provider.id, service_id=plan.service.id,
        status="confirmed", capacity=1, price=place.price, source="staff", series_id=series.id,
        starts_at=occurrence.starts_at, ends_at=occurrence.starts_at + place.duration,
        blocked_from=occurrence.starts_at - calendar.buffer_before,
        blocked_until=occurrence.starts_at + place.duration + calendar.buffer_after,
        internal_notes=plan.note.strip(), manage_token=secrets.token_urlsafe(32),
    )
    session.add(appointment)
    session.flush()
    participant = AppointmentParticipant(tenant_id=tenant.id, appointment_id=appointment.id, customer_id=customer.id,
                                         seats=1, manage_token=secrets.token_urlsafe(32))
    session.add(participant)
    session.flush()
    occurrence.booking = participant
    return appointment


# A series' occurrences


def occurrences(session: Session, series: Series) -> list[Appointment]:
    """Every appointment of the series, cancelled ones too, by start."""
    return list(session.scalars(
        sa.select(Appointment).where(Appointment.series_id == series.id).order_by(Appointment.starts_at, Appointment.id)
        .options(selectinload(Appointment.provider),
                 selectinload(Appointment.participants).selectinload(AppointmentParticipant.customer))
    ))


def in_scope(session: Session, appointment: Appointment, scope: str, *, now: datetime) -> list[Appointment]:
    """The active occurrences ``scope`` names from ``appointment``: itself, itself and the later ones, or all
    (all those still to come, and itself: one already begun is left as it is)."""
    if scope not in SCOPES:
        raise SeriesError("Choose this appointment, this and the following ones, or all.", field="scope")
    if appointment.series_id is None or scope == "this":
        return [appointment]
    query = sa.select(Appointment).where(Appointment.series_id == appointment.series_id,
                                         Appointment.status.in_(ACTIVE_STATUSES))
    if scope == "following":
        query = query.where(Appointment.starts_at >= appointment.starts_at)
    else:
        query = query.where(sa.or_(Appointment.starts_at >= now, Appointment.id == appointment.id))
    chosen = list(session.scalars(query.order_by(Appointment.starts_at, Appointment.id)))
    return chosen


def cancel_occurrences(session: Session, appointment: Appointment, *, scope: str, reason: str, actor, now: datetime,
                       version: int | None = None) -> list[Appointment]:
    """Cancel the occurrences in ``scope``, with a reason, each as any cancellation (its reminders stop, its
    customer is told, it is audited), and the series' change audited once."""
    lifecycle._check_version(appointment, version)
    chosen = in_scope(session, appointment, scope, now=now)
    if not (reason or "").strip():
        raise lifecycle.AppointmentError("Give the reason for cancelling.", field="reason")
    for occurrence in chosen:
        lifecycle.cancel(session, occurrence, reason=reason, actor=actor, now=now)
    if appointment.series_id is not None:
        audit.record(session, "series.cancelled", session.get(Series, appointment.series_id), actor=actor,
                     scope=scope, appointment_ids=[a.id for a in chosen], reason=reason.strip(),
                     before={"status": "active"}, after={"status": "cancelled"})
    return chosen


def move_occurrences(
    session: Session, appointment: Appointment, *, scope: str, wall: time, provider: Provider, notify: bool, actor,
    now: datetime, version: int | None = None,
) -> list[Appointment]:
    """Move each occurrence in ``scope`` to ``wall`` (local time, on its own date) with ``provider``. Every one is
    checked first, inside the providers' locks; when any cannot move, ``SeriesConflicts`` lists them all and
    none moves. Then each moves as ``lifecycle.move`` moves one (re-checked, notified, audited)."""
    lifecycle._check_version(appointment, version)
    chosen = in_scope(session, appointment, scope, now=now)
    lifecycle._lock_providers(session, {a.provider_id for a in chosen} | {provider.id})
    moving = {a.id for a in chosen}
    zone = ZoneInfo(appointment.location.timezone)
    checked: list[Occurrence] = []
    for occurrence in chosen:
        day = occurrence.starts_at.astimezone(zone).date()
        entry = Occurrence(day, occurrence.starts_at, zone, appointment=occurrence)
        checked.append(entry)
        try:
            lifecycle._check_offers(session, occurrence, provider)
            entry.starts_at = lifecycle.local_start(day, wall, appointment.location.timezone)
        except DomainError as error:
            entry.problems.append(str(error))
            continue
        service = occurrence.service
        blocked_from = entry.starts_at - timedelta(minutes=service.buffer_before_minutes)
        blocked_until = entry.starts_at + (occurrence.ends_at - occurrence.starts_at) + timedelta(
            minutes=service.buffer_after_minutes)
        other = session.scalar(
            sa.select(Appointment).where(
                Appointment.provider_id == provider.id, Appointment.id.not_in(moving),
                Appointment.status.in_(ACTIVE_STATUSES),
                Appointment.blocked_from < blocked_until, Appointment.blocked_until > blocked_from,
            ).order_by(Appointment.starts_at).limit(1)
        )
        if other is not None:
            entry.problems.append(staff_booking.describe_conflict(other))
    if any(entry.problems for entry in checked):
        raise SeriesConflicts(checked)
    before = [{"id": a.id, "starts_at": a.starts_at.isoformat(), "provider_id": a.provider_id} for a in chosen]
    for entry in checked:
        occurrence = entry.appointment
        minutes = int((occurrence.ends_at - occurrence.starts_at).total_seconds() // 60)
        lifecycle.move(session, occurrence, starts_at=entry.starts_at, provider=provider, duration_minutes=minutes,
                       version=occurrence.version, notify=notify, actor=actor, now=now)
    if appointment.series_id is not None:
        audit.record(session, "series.moved", session.get(Series, appointment.series_id), actor=actor, scope=scope,
                     before=before,
                     after=[{"id": a.id, "starts_at": a.starts_at.isoformat(), "provider_id": a.provider_id}
                            for a in chosen],
                     notified=notify)
    return chosen


def parse_rule(first_day: date, *, weeks, days, count, until) -> Rule:
    """The create form's repeat fields as a checked ``Rule``."""
    rule = Rule(first_day=first_day, weekdays=tuple(sorted({int(d) for d in days or ()})), interval_weeks=int(weeks),
                count=count or None, until=until or None)
    rule.check()
    return rule


__all__ = ["SCOPES", "Occurrence", "Plan", "RuleError", "SeriesConflicts", "SeriesError", "book_series",
           "cancel_occurrences", "in_scope", "move_occurrences", "occurrences", "parse_rule", "review"]
