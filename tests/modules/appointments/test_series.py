"""Recurring series, called directly: the rule's expansion (every N weeks, several weekdays, a count or an
end date), wall-clock time across daylight saving, every occurrence checked before anything is written,
conflicts skipped or re-timed, reminders per occurrence, and the series changed or cancelled from one of them."""
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from app.core import clock as app_clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments import series_booking
from app.modules.appointments.models import Appointment, AppointmentParticipant, Series
from app.modules.appointments.series import Rule, RuleError, local_days, starts
from app.modules.audit.models import AuditEvent
from app.modules.catalogue.models import LocationClosure
from app.modules.notifications.models import Notification
from app.modules.schedules.models import TimeOff
from tests.support import factories, services
from tests.support.database import scalars

LONDON = ZoneInfo("Europe/London")


def test_every_two_weeks_on_two_weekdays_until_a_date():
    rule = Rule(first_day=date(2031, 3, 19), weekdays=(0, 2), interval_weeks=2, until=date(2031, 4, 30))
    # Wed 19 Mar starts it; that week's Monday is before the first day. Then every other week's Mon and Wed.
    assert local_days(rule) == [date(2031, 3, 19), date(2031, 3, 31), date(2031, 4, 2), date(2031, 4, 14),
                                date(2031, 4, 16), date(2031, 4, 28), date(2031, 4, 30)]


def test_a_count_ends_it_and_bad_rules_are_named():
    assert len(local_days(Rule(first_day=date(2031, 3, 17), weekdays=(0, 3), count=5))) == 5
    with pytest.raises(RuleError) as refused:
        local_days(Rule(first_day=date(2031, 3, 17), weekdays=(), count=5))
    assert refused.value.field == "repeat_days"
    with pytest.raises(RuleError, match="at most 52"):
        local_days(Rule(first_day=date(2031, 3, 17), weekdays=(0, 1, 2), until=date(2032, 3, 1)))
    with pytest.raises(RuleError, match="Say when the series ends"):
        local_days(Rule(first_day=date(2031, 3, 17), weekdays=(0,)))


def test_nine_o_clock_in_london_stays_nine_across_both_changes():
    days = local_days(Rule(first_day=date(2031, 3, 17), weekdays=(0,), count=34))  # to 3 November
    instants = starts(days, time(9), LONDON)
    assert {i.astimezone(LONDON).strftime("%H:%M") for i in instants} == {"09:00"}
    by_day = dict(zip(days, instants))
    # GMT before 30 March, BST until 26 October, GMT again: the UTC hour moves, the local one does not.
    assert by_day[date(2031, 3, 24)].hour == 9 and by_day[date(2031, 3, 31)].hour == 8
    assert by_day[date(2031, 10, 20)].hour == 8 and by_day[date(2031, 10, 27)].hour == 9


def someone_else(clinic, provider, starts_at):
    """Another customer's check-up with ``provider`` at ``starts_at``."""
    return factories.appointment(clinic.tenant, location=clinic.london, provider=provider, service=clinic.dental,
                                 customer=factories.customer(clinic.tenant), starts_at=starts_at)


def plan(clinic, first_day, *, count=10, weekdays=(0,), wall="09:00", **more):
    return series_booking.Plan(service=clinic.dental, provider=clinic.chloe, location=clinic.london,
                               rule=Rule(first_day=first_day, weekdays=weekdays, count=count), wall=time.fromisoformat(wall),
                               **more)


def next_monday():
    today = app_clock.now().astimezone(LONDON).date()
    return today + timedelta(days=7 - today.weekday())


def book(clinic, the_plan, decisions=None, **more):
    with tenant_context(clinic.tenant):
        customer = more.pop("customer", None) or factories.customer(clinic.tenant)
        return series_booking.book_series(db.session, clinic.tenant, the_plan, customer=customer,
                                          decisions=decisions or {}, actor=None, now=app_clock.now(), **more)


def test_a_weekly_series_across_march_and_october_keeps_nine_local(clinic):
    first = next_monday()
    made = book(clinic, plan(clinic, first, count=34, override_rules=True))
    db.session.commit()
    rows = scalars(clinic.tenant, select(Appointment).order_by(Appointment.starts_at))
    assert len(rows) == 34 and {a.series_id for a in rows} == {made.id}
    assert {a.starts_at.astimezone(LONDON).strftime("%a %H:%M") for a in rows} == {"Mon 09:00"}
    assert {a.starts_at.hour for a in rows} == {8, 9}  # both sides of the changes, in UTC


def test_a_conflict_in_the_seventh_occurrence_is_reported_before_anything_is_saved(clinic):
    first = next_monday()
    seventh = first + timedelta(weeks=6)
    other = someone_else(clinic, clinic.chloe, clinic.at(seventh, "09:15"))
    db.session.commit()
    with pytest.raises(series_booking.SeriesConflicts) as refused:
        book(clinic, plan(clinic, first))
    conflicts = [o for o in refused.value.occurrences if o.conflict]
    assert [o.day for o in conflicts] == [seventh]
    assert "Chloe Martin already has Dental check-up" in conflicts[0].problems[0]
    # The nearest free times that day, clear of the other appointment (09:15 + 30 min + buffers).
    assert conflicts[0].nearest and all(abs(n - other.starts_at) >= timedelta(minutes=45) for n in conflicts[0].nearest)
    db.session.rollback()
    assert [a.id for a in scalars(clinic.tenant, select(Appointment))] == [other.id]
    assert scalars(clinic.tenant, select(Series)) == []
    assert scalars(clinic.tenant, select(Notification).where(Notification.kind == "reminder")) == []


def test_closures_and_time_off_are_conflicts_each_listed(clinic):
    first = next_monday()
    factories.save(clinic.tenant, LocationClosure(tenant_id=clinic.tenant.id, location_id=clinic.london.id,
                                                  starts_on=first + timedelta(weeks=1), ends_on=first + timedelta(weeks=1),
                                                  reason="Holiday"))
    factories.save(clinic.tenant, TimeOff(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                          starts_at=clinic.at(first + timedelta(weeks=3), "08:00"),
                                          ends_at=clinic.at(first + timedelta(weeks=3), "12:00")))
    db.session.commit()
    with tenant_context(clinic.tenant):
        review = series_booking.review(db.session, plan(clinic, first, count=5), decisions={}, now=app_clock.now())
    assert [(o.day, o.problems) for o in review if o.conflict] == [
        (first + timedelta(weeks=1), ["Harbour Street is closed that day."]),
        (first + timedelta(weeks=3), ["Chloe Martin has time off then."]),
    ]


def test_skip_one_conflict_and_retime_another_then_book_the_rest(clinic):
    first = next_monday()
    for week in (2, 4):
        someone_else(clinic, clinic.chloe, clinic.at(first + timedelta(weeks=week), "09:00"))
    db.session.commit()
    third, fifth = first + timedelta(weeks=2), first + timedelta(weeks=4)
    made = book(clinic, plan(clinic, first, count=6), {third.isoformat(): "skip", fifth.isoformat(): "11:30"},
                idempotency_key="series-key")
    db.session.commit()
    mine = scalars(clinic.tenant, select(Appointment).where(Appointment.series_id == made.id)
                   .order_by(Appointment.starts_at))
    assert [a.starts_at.astimezone(LONDON).strftime("%d %H:%M") for a in mine] == [
        f"{(first + timedelta(weeks=w)):%d} {hhmm}" for w, hhmm in ((0, "09:00"), (1, "09:00"), (3, "09:00"),
                                                                     (4, "11:30"), (5, "09:00"))]
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "series.created"))
    assert event.details["skipped"] == [third.isoformat()] and event.details["retimed"] == [fifth.isoformat()]
    # A second submission of the same review books nothing more.
    assert book(clinic, plan(clinic, first, count=6), {third.isoformat(): "skip", fifth.isoformat(): "11:30"},
                idempotency_key="series-key").id == made.id


def test_one_confirmation_for_the_series_and_reminders_for_each_occurrence(clinic):
    made = book(clinic, plan(clinic, next_monday(), count=4))
    db.session.commit()
    mine = scalars(clinic.tenant, select(Appointment.id).where(Appointment.series_id == made.id))
    confirmations = scalars(clinic.tenant, select(Notification).where(Notification.kind == "booking_confirmed"))
    assert len(confirmations) == 1 and confirmations[0].payload == {"series_id": made.id}
    reminders = scalars(clinic.tenant, select(Notification).where(Notification.kind == "reminder"))
    assert {r.appointment_id for r in reminders} == set(mine) and len(mine) == 4
    starts_by_id = {a.id: a.starts_at for a in scalars(clinic.tenant, select(Appointment))}
    assert all(r.scheduled_for < starts_by_id[r.appointment_id] for r in reminders)


def occurrences_of(clinic, made):
    return scalars(clinic.tenant, select(Appointment).where(Appointment.series_id == made.id)
                   .order_by(Appointment.starts_at))


def test_cancel_this_and_the_following_ones_leaves_the_earlier_untouched(clinic):
    made = book(clinic, plan(clinic, next_monday(), count=5))
    db.session.commit()
    third = occurrences_of(clinic, made)[2]
    with tenant_context(clinic.tenant):
        with pytest.raises(series_booking.lifecycle.AppointmentError, match="reason"):
            series_booking.cancel_occurrences(db.session, db.session.get(Appointment, third.id), scope="following",
                                              reason=" ", actor=None, now=app_clock.now())
        series_booking.cancel_occurrences(db.session, db.session.get(Appointment, third.id), scope="following",
                                          reason="Moving away", actor=None, now=app_clock.now())
    db.session.commit()
    rows = occurrences_of(clinic, made)
    assert [a.status for a in rows] == ["confirmed", "confirmed", "cancelled", "cancelled", "cancelled"]
    assert {a.cancellation_reason for a in rows[2:]} == {"Moving away"} and rows[0].version == 1
    pending = scalars(clinic.tenant, select(Notification.appointment_id).where(
        Notification.kind == "reminder", Notification.status == "queued"))
    assert set(pending) == {rows[0].id, rows[1].id}
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "series.cancelled"))
    assert event.details["appointment_ids"] == [a.id for a in rows[2:]] and event.details["scope"] == "following"


def test_edit_all_moves_each_to_the_new_local_time_or_none_when_one_is_taken(clinic):
    first = next_monday()
    made = book(clinic, plan(clinic, first, count=4))
    blocker = someone_else(clinic, clinic.chloe, clinic.at(first + timedelta(weeks=2), "14:00"))
    db.session.commit()
    second = occurrences_of(clinic, made)[1]
    with tenant_context(clinic.tenant):
        with pytest.raises(series_booking.SeriesConflicts) as refused:
            series_booking.move_occurrences(db.session, db.session.get(Appointment, second.id), scope="all",
                                            wall=time(14), provider=clinic.chloe, notify=True, actor=None,
                                            now=app_clock.now())
    assert [o.day for o in refused.value.occurrences if o.problems] == [first + timedelta(weeks=2)]
    db.session.rollback()
    assert {a.starts_at.astimezone(LONDON).hour for a in occurrences_of(clinic, made)} == {9}
    with tenant_context(clinic.tenant):
        series_booking.move_occurrences(db.session, db.session.get(Appointment, second.id), scope="all",
                                        wall=time(15, 30), provider=clinic.chloe, notify=False, actor=None,
                                        now=app_clock.now())
    db.session.commit()
    rows = occurrences_of(clinic, made)
    assert {a.starts_at.astimezone(LONDON).strftime("%a %H:%M") for a in rows} == {"Mon 15:30"}
    assert blocker.id not in {a.id for a in rows}
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "series.moved"))
    assert len(event.details["before"]) == 4 and event.details["after"][0]["starts_at"].endswith("15:30:00+00:00")


def test_the_exclusion_constraint_has_the_final_word_and_nothing_is_half_written(clinic, monkeypatch):
    services.require("postgres")
    first = next_monday()
    other = someone_else(clinic, clinic.chloe, clinic.at(first + timedelta(weeks=2), "09:00"))
    db.session.commit()
    # As if the competitor had committed between our check and our insert: the first check misses it.
    real, calls = series_booking._active_appointments, []
    monkeypatch.setattr(series_booking, "_active_appointments",
                        lambda *args: calls.append(args) or (real(*args) if len(calls) > 1 else []))
    with pytest.raises(series_booking.SeriesConflicts) as refused:
        book(clinic, plan(clinic, first, count=4))
    assert [o.day for o in refused.value.occurrences if o.conflict] == [first + timedelta(weeks=2)]
    db.session.rollback()
    assert [a.id for a in scalars(clinic.tenant, select(Appointment))] == [other.id]
    assert scalars(clinic.tenant, select(Series)) == []
    assert scalars(clinic.tenant, select(AppointmentParticipant.appointment_id)) == [other.id]


def test_all_means_those_still_to_come_one_already_begun_is_left_as_it_is(clinic, clock):
    made = book(clinic, plan(clinic, next_monday(), count=4))
    db.session.commit()
    rows = occurrences_of(clinic, made)
    clock.move_to(rows[1].starts_at + timedelta(minutes=40))  # the second is over, not yet marked completed
    with tenant_context(clinic.tenant):
        cancelled = series_booking.cancel_occurrences(db.session, db.session.get(Appointment, rows[3].id), scope="all",
                                                      reason="Stopping", actor=None, now=app_clock.now())
    db.session.commit()
    assert [a.id for a in cancelled] == [rows[2].id, rows[3].id]
    assert [a.status for a in occurrences_of(clinic, made)] == ["confirmed", "confirmed", "cancelled", "cancelled"]
