"""Recurring appointments as the front desk makes them, without JavaScript: the create form's "Repeat"
fieldset, the review listing every date with its status, a conflict skipped or re-timed, all or nothing on
saving (409 with the review kept when a time is taken meanwhile), the series' page and .ics, and changing or
cancelling this one, the following ones or all from an appointment's page."""
from datetime import timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment, AppointmentParticipant, Series
from app.modules.audit.models import AuditEvent
from app.modules.notifications import content
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from tests.faces.dashboard.test_new_appointment import NEW_CUSTOMER, new_url
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import scalars
from tests.support.pages import form_fields, html, text

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
LONDON = ZoneInfo("Europe/London")


def next_monday():
    today = clock.now().astimezone(LONDON).date()
    return today + timedelta(days=7 - today.weekday())


def review_of(desk, clinic, start, **repeat):
    """The create form filled in with a repeat and sent: the review page it leads to."""
    page = html(desk.get(new_url(clinic, start)))
    assert "<legend>Repeat</legend>" in page
    form = form_fields(page, "new-appointment-form") | {"service_id": clinic.dental.id} | NEW_CUSTOMER | repeat
    sent = desk.post("/dashboard/appointments/new", form)
    assert sent.status_code == 303 and urlsplit(sent.headers["Location"]).path == "/dashboard/series/review"
    return desk.get(sent.headers["Location"])


def someone_else(clinic, starts_at):
    return factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                 customer=factories.customer(clinic.tenant, name="Grace Hopper"), starts_at=starts_at)


def series_rows(clinic):
    return scalars(clinic.tenant, select(Appointment).where(Appointment.series_id.is_not(None))
                   .order_by(Appointment.starts_at))


def test_a_conflict_in_the_seventh_date_is_listed_and_nothing_is_written_until_it_is_skipped(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    first = next_monday()
    seventh = first + timedelta(weeks=6)
    someone_else(clinic, clinic.at(seventh, "09:15"))
    review = review_of(desk, clinic, clinic.at(first, "09:00"), repeat_weeks="1", repeat_days="0", repeat_count="8")
    assert review.status_code == 200
    page = html(review)
    seen = text(page)
    assert "Every week on Monday, 8 times, at 09:00 local time" in seen
    assert "8 dates, 1 in conflict" in seen
    assert "Conflict: Chloe Martin already has Dental check-up with Grace Hopper" in seen
    assert f'id="occurrence-{seventh.isoformat()}" class="conflict"' in page
    assert page.count('class="free"') == 7
    # The review writes nothing: no customer, no series, no appointment but the one in the way.
    assert scalars(clinic.tenant, select(Series)) == [] and series_rows(clinic) == []
    form = form_fields(page, "series-form")
    assert form["repeat_count"] == "8" and form["name"] == "Ada Lovelace"
    # Booking with the conflict unresolved is refused as a whole, the review shown again.
    refused = desk.post("/dashboard/series", form)
    assert refused.status_code == 409 and "1 of the 8 appointments cannot be booked" in text(html(refused))
    assert series_rows(clinic) == []
    booked = desk.post("/dashboard/series", form | {f"choice-{seventh.isoformat()}": "skip"})
    assert booked.status_code == 303
    (made,) = scalars(clinic.tenant, select(Series))
    assert urlsplit(booked.headers["Location"]).path == f"/dashboard/series/{made.id}"
    rows = series_rows(clinic)
    assert len(rows) == 7 and seventh not in {a.starts_at.astimezone(LONDON).date() for a in rows}
    assert {a.starts_at.astimezone(LONDON).strftime("%a %H:%M") for a in rows} == {"Mon 09:00"}
    listing = text(html(desk.get(booked.headers["Location"])))
    assert "Dental check-up series for Ada Lovelace" in listing and listing.count("confirmed") == 7
    (confirmation,) = scalars(clinic.tenant, select(Notification).where(Notification.kind == "booking_confirmed"))
    assert confirmation.payload == {"series_id": made.id}
    reminded = scalars(clinic.tenant, select(Notification.appointment_id).where(Notification.kind == "reminder"))
    assert set(reminded) == {a.id for a in rows}


def test_a_conflict_given_one_of_the_nearest_free_times(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    first = next_monday()
    third = first + timedelta(weeks=2)
    someone_else(clinic, clinic.at(third, "09:00"))
    page = html(review_of(desk, clinic, clinic.at(first, "09:00"), repeat_weeks="1", repeat_days="0",
                          repeat_count="4"))
    assert '<option value="09:45">09:45 instead</option>' in page  # after the other's 30 minutes and buffers
    form = form_fields(page, "series-form") | {f"choice-{third.isoformat()}": "09:45"}
    again = desk.get("/dashboard/series/review?" + urlencode(form, doseq=True))
    assert again.status_code == 200 and "Free at the new time" in text(html(again))
    assert desk.post("/dashboard/series", form_fields(html(again), "series-form")).status_code == 303
    assert [a.starts_at.astimezone(LONDON).strftime("%H:%M") for a in series_rows(clinic)] == [
        "09:00", "09:00", "09:45", "09:00"]


def test_a_time_taken_since_the_review_is_a_409_with_the_review_and_its_choices_kept(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    first = next_monday()
    fourth = first + timedelta(weeks=3)
    someone_else(clinic, clinic.at(fourth, "09:00"))
    page = html(review_of(desk, clinic, clinic.at(first, "09:00"), repeat_weeks="2", repeat_days=["0", "3"],
                          repeat_until=(first + timedelta(weeks=5)).isoformat()))
    form = form_fields(page, "series-form") | {f"time-{(first + timedelta(weeks=2)).isoformat()}": "11:00"}
    # Every two weeks on Monday and Thursday until a date: weeks 0, 2 and 4.
    assert text(page).count("Free") == 6
    taken = someone_else(clinic, clinic.at(first + timedelta(days=3), "09:10"))  # meanwhile, the first Thursday
    refused = desk.post("/dashboard/series", form)
    assert refused.status_code == 409
    again = html(refused)
    assert "Grace Hopper" in text(again) and f'id="occurrence-{(first + timedelta(days=3)).isoformat()}" class="conflict"' in again
    assert 'value="11:00"' in again and 'value="Ada Lovelace"' in again
    assert [a.id for a in scalars(clinic.tenant, select(Appointment)) if a.series_id] == []
    assert scalars(clinic.tenant, select(Series)) == [] and taken.id


def test_bad_repeat_fields_are_422_with_the_values_kept(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    review = review_of(desk, clinic, clinic.at(next_monday(), "09:00"), repeat_weeks="1", repeat_count="4")
    assert review.status_code == 422 and "Choose at least one weekday." in text(html(review))
    assert form_fields(html(review), "series-form")["repeat_count"] == "4"
    assert scalars(clinic.tenant, select(Series)) == []


def booked_series(desk, clinic, count=5):
    page = html(review_of(desk, clinic, clinic.at(next_monday(), "09:00"), repeat_weeks="1", repeat_days="0",
                          repeat_count=str(count)))
    assert desk.post("/dashboard/series", form_fields(page, "series-form")).status_code == 303
    return series_rows(clinic)


def test_cancel_this_and_the_following_from_an_appointment_page(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    rows = booked_series(desk, clinic)
    page = html(desk.get(f"/dashboard/appointments/{rows[2].id}"))
    assert "Part of a series" in text(page)
    form = form_fields(page, "cancel-series")
    assert form["series_cancel-scope"] == "following"
    missing = desk.post(f"/dashboard/appointments/{rows[2].id}/series/cancel", form)
    assert missing.status_code == 422 and "Give the reason for cancelling." in text(html(missing))
    done = desk.post(f"/dashboard/appointments/{rows[2].id}/series/cancel", form | {"series_cancel-reason": "Moving away"})
    assert done.status_code == 303
    assert [a.status for a in series_rows(clinic)] == ["confirmed", "confirmed", "cancelled", "cancelled", "cancelled"]
    (event,) = scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "series.cancelled"))
    assert event.details["reason"] == "Moving away" and len(event.details["appointment_ids"]) == 3
    listing = text(html(desk.get(f"/dashboard/series/{rows[0].series_id}")))
    assert listing.count("cancelled (Moving away)") == 3


def test_edit_all_to_another_time_then_the_ics_parsed_back(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    rows = booked_series(desk, clinic, count=4)
    form = form_fields(html(desk.get(f"/dashboard/appointments/{rows[1].id}")), "move-series")
    moved = desk.post(f"/dashboard/appointments/{rows[1].id}/series/move", form | {"series_move-scope": "all", "series_move-starts_at": "14:30"})
    assert moved.status_code == 303
    assert {a.starts_at.astimezone(LONDON).strftime("%a %H:%M") for a in series_rows(clinic)} == {"Mon 14:30"}
    desk.post(f"/dashboard/appointments/{rows[3].id}/series/cancel", {
        **form_fields(html(desk.get(f"/dashboard/appointments/{rows[3].id}")), "cancel-series"),
        "series_cancel-scope": "this", "series_cancel-reason": "Away"})
    download = desk.get(f"/dashboard/series/{rows[0].series_id}/calendar.ics")
    assert download.status_code == 200 and download.mimetype == "text/calendar"
    events = Calendar.from_ical(download.data).walk("VEVENT")
    assert len(events) == 4
    assert [e.decoded("dtstart").astimezone(LONDON).strftime("%H:%M") for e in events] == ["14:30"] * 4
    assert [str(e["status"]) for e in events] == ["CONFIRMED"] * 3 + ["CANCELLED"]
    assert len({str(e["uid"]) for e in events}) == 4


def test_the_one_confirmation_lists_the_series_and_carries_every_date(clinic, visitor, app):
    desk = signed_in(visitor, clinic, "staff")
    rows = booked_series(desk, clinic, count=3)
    (confirmation,) = scalars(clinic.tenant, select(Notification).where(Notification.kind == "booking_confirmed"))
    with app.test_request_context(), tenant_context(clinic.tenant):
        notification = db.session.get(Notification, confirmation.id)
        booking = db.session.get(AppointmentParticipant, notification.participant_id)
        made = content.build(notification, db.session.get(Tenant, clinic.tenant.id), booking, now=clock.now())
    assert made.subject.startswith("Your 3 appointments are booked")
    for row in rows:
        assert row.starts_at.astimezone(LONDON).strftime("%a %-d %B %Y at 09:00") in made.text
    events = Calendar.from_ical(made.calendar).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [r.starts_at for r in rows]


def test_another_practices_series_and_appointments_are_404(clinic, visitor, elsewhere):
    desk = signed_in(visitor, clinic, "staff")
    rows = booked_series(desk, clinic, count=2)
    ours = form_fields(html(desk.get(f"/dashboard/appointments/{rows[0].id}")), "cancel-series")
    theirs = elsewhere["series"]
    assert desk.get(f"/dashboard/series/{theirs.id}").status_code == 404
    assert desk.get(f"/dashboard/series/{theirs.id}/calendar.ics").status_code == 404
    refused = desk.post(f"/dashboard/appointments/{elsewhere['appointment'].id}/series/cancel",
                        ours | {"series_cancel-scope": "all", "series_cancel-reason": "x"})
    assert refused.status_code == 404
    assert scalars(elsewhere["tenant"], select(Appointment.status)) == ["confirmed"]
    assert scalars(clinic.tenant, select(AuditEvent).where(AuditEvent.action == "series.cancelled")) == []


def test_from_the_htmx_dialog_a_repeat_leads_the_browser_to_the_review(clinic, visitor):
    desk = signed_in(visitor, clinic, "staff")
    start = clinic.at(next_monday(), "09:00")
    dialog = html(desk.get(new_url(clinic, start), htmx=True))
    form = form_fields(dialog, "new-appointment-form") | {"service_id": clinic.dental.id} | NEW_CUSTOMER | {
        "repeat_weeks": "1", "repeat_days": "0", "repeat_count": "3"}
    sent = desk.post("/dashboard/appointments/new", form, htmx=True)
    assert sent.status_code == 200 and urlsplit(sent.headers["HX-Redirect"]).path == "/dashboard/series/review"
    review = desk.get(sent.headers["HX-Redirect"])
    assert review.status_code == 200 and "3 dates, 0 in conflict" in text(html(review))
    assert series_rows(clinic) == []
