"""Managing a booking by its link, with and without htmx: view, cancel, reschedule, the cutoffs,
races for the new time, and tokens that name nothing here."""
import re
import secrets
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.notifications.models import Notification
from tests.support.booking import book, booked_token, service_url
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import assert_page, assert_redirected, form_fields, html, key, link_to, links, text
from tests.support.practice import policy

# Messages a booking queues stay in the outbox, where these tests read them.
pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
HTMX = pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
WEEK = 7 * 24 * 60
LONDON = ZoneInfo("Europe/London")


def appointment_of(clinic, token) -> Appointment:
    booking = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.manage_token == token)[0]
    return rows(clinic.tenant, Appointment, Appointment.id == booking.appointment_id)[0]


def kinds(clinic) -> list[str]:
    """The kinds of message queued for the clinic's customers, reminders aside."""
    return [n.kind for n in rows(clinic.tenant, Notification, Notification.kind != "reminder")]


def slot_buttons(markup: str) -> list[tuple[str, str]]:
    """(value, label) of the reschedule page's time buttons."""
    return [(value, re.sub(r"<[^>]+>|\s+", " ", label).strip())
            for value, label in re.findall(r'<button class="slot" name="start" value="([^"]+)">(.*?)</button>', markup)]


def long_day(day) -> str:
    return f"{day.strftime('%A')} {day.day} {day.strftime('%B')}"


# Viewing


@HTMX
def test_manage_page_shows_the_booking_and_the_changes_still_possible(clinic, booked, htmx):
    day = clinic.day(3)
    page = assert_page(booked.guest.get(booked.manage, htmx=htmx), 200, htmx)
    seen = text(page)

    assert f"When {long_day(day)} {day.year}, 10:00–10:30 (Europe/London) With Chloe Martin" in seen
    assert "Status Confirmed" in seen
    assert link_to(page, "Reschedule") == f"/bookings/{booked.token}/reschedule"
    deadline = (booked.start - timedelta(hours=24)).astimezone(LONDON).strftime("%a %-d %b, %H:%M")  # default cutoffs
    assert f"Reschedule until {deadline}" in seen
    assert f'<form id="cancel-form" method="post" action="{booked.manage}/cancel"' in page
    assert f"Reason (optional) Cancel appointment Free cancellation until {deadline}" in seen
    assert link_to(page, "Download .ics") == f"/bookings/{booked.token}/calendar.ics"
    assert link_to(page, "Add to Google Calendar").startswith("https://calendar.google.com/")


# Cancelling


@HTMX
def test_cancelling_with_a_reason_cancels_frees_the_time_and_notifies(clinic, booked, htmx):
    response = booked.guest.post(f"{booked.manage}/cancel", {"reason": "  Feeling better  "}, htmx=htmx)

    assert assert_redirected(response, htmx) == booked.manage
    appointment = appointment_of(clinic, booked.token)
    booking = rows(clinic.tenant, AppointmentParticipant)[0]
    assert (appointment.status, appointment.cancellation_reason) == ("cancelled", "Feeling better")
    assert appointment.cancelled_at is not None and booking.cancelled_at is not None
    assert kinds(clinic) == ["booking_confirmed", "cancelled"]
    cancelled = rows(clinic.tenant, Notification, Notification.kind == "cancelled")[0]
    assert (cancelled.participant_id, cancelled.recipient) == (booking.id, "grace@example.com")

    page = html(booked.guest.get(booked.manage))
    assert "Your appointment is cancelled." in text(page)
    assert "Status Cancelled" in text(page)
    assert 'id="cancel-form"' not in page and "Reschedule" not in text(page)
    freed = html(booked.guest.get(service_url(clinic, day=clinic.day(3).isoformat())))
    assert "10:00" in [label for _, label in links(freed, "slot")]


def test_a_cancelled_booking_cannot_be_cancelled_or_moved_again(clinic, booked):
    assert booked.guest.post(f"{booked.manage}/cancel", {"reason": ""}).status_code == 303
    before = snapshot()

    again = booked.guest.post(f"{booked.manage}/cancel", {"reason": "twice"})
    moved = booked.guest.post(f"{booked.manage}/reschedule", {"start": key(booked.start + timedelta(hours=2))})

    assert again.status_code == 422 and "This appointment is no longer active." in text(html(again))
    assert moved.status_code == 422 and "This appointment is no longer active." in text(html(moved))
    assert changed_tables(before) == []


def test_an_overlong_cancel_reason_gets_422_with_the_text_kept(clinic, booked):
    before = snapshot()
    page = assert_page(booked.guest.post(f"{booked.manage}/cancel", {"reason": "R" * 501}), 422, False)
    assert "Field cannot be longer than 500 characters." in text(page)
    assert form_fields(page, "cancel-form")["reason"] == "R" * 501
    assert changed_tables(before) == []


# Rescheduling


@HTMX
def test_reschedule_page_offers_the_same_providers_times_as_buttons(clinic, booked, htmx):
    day = clinic.day(4)
    page = assert_page(booked.guest.get(f"{booked.manage}/reschedule?day={day.isoformat()}", htmx=htmx), 200, htmx)
    buttons = slot_buttons(page)

    assert f"Now: {long_day(clinic.day(3))}, 10:00 with Chloe Martin" in text(page)
    assert buttons[0] == (key(clinic.at(day, "09:00")), "09:00") and buttons[-1][1] == "16:30"
    assert len(buttons) == 31
    assert f"{long_day(day)} times in Europe/London" in text(page)


def test_the_booking_may_move_within_its_own_buffers(clinic, booked):
    # Its own appointment does not block it: 10:15 overlaps the 10:00 booking being moved.
    page = html(booked.guest.get(f"{booked.manage}/reschedule?day={clinic.day(3).isoformat()}"))
    assert {"09:45", "10:00", "10:15"} <= {label for _, label in slot_buttons(page)}


@HTMX
def test_rescheduling_moves_the_times_and_buffers_and_notifies(clinic, booked, htmx):
    new_start = clinic.at(clinic.day(4), "14:00")
    response = booked.guest.post(f"{booked.manage}/reschedule", {"start": key(new_start)}, htmx=htmx)

    assert assert_redirected(response, htmx) == booked.manage
    appointment = appointment_of(clinic, booked.token)
    assert (appointment.starts_at, appointment.ends_at) == (new_start, new_start + timedelta(minutes=30))
    assert (appointment.blocked_from, appointment.blocked_until) == (
        new_start - timedelta(minutes=5), new_start + timedelta(minutes=40))
    assert appointment.status == "confirmed"
    assert kinds(clinic) == ["booking_confirmed", "rescheduled"]
    page = text(html(booked.guest.get(booked.manage)))
    assert "Your appointment has been moved." in page
    assert f"{long_day(clinic.day(4))} {clinic.day(4).year}, 14:00–14:30" in page


@HTMX
def test_rescheduling_into_a_taken_time_gets_409_with_alternatives(clinic, visitor, booked, htmx):
    taken = clinic.at(clinic.day(4), "14:00")
    assert book(visitor(clinic.host), clinic, taken, email="sam@example.com").status_code == 303
    before = snapshot()

    page = assert_page(booked.guest.post(f"{booked.manage}/reschedule", {"start": key(taken)}, htmx=htmx), 409, htmx)

    assert '<p class="problem" role="alert">Sorry — that time has just been taken.</p>' in page
    alternatives = page.split("The nearest free times:")[1].split("</ul>")[0]
    short = clinic.day(4).strftime("%a %-d %b")
    assert [label for _, label in slot_buttons(alternatives)] == [
        f"{short}, 13:00", f"{short}, 13:15", f"{short}, 14:45", f"{short}, 15:00",
    ]
    assert appointment_of(clinic, booked.token).starts_at == booked.start
    assert changed_tables(before) == []


@pytest.mark.parametrize("start, message", [
    ("off grid", "That time is not offered. Please choose one of the times shown."),
    ("after hours", "That time is not offered. Please choose one of the times shown."),
    ("past", "That time is not offered. Please choose one of the times shown."),
    ("garbage", "Please choose one of the times shown."),
    ("far future", "Please choose one of the times shown."),
])
def test_rescheduling_to_a_time_never_offered_gets_422(clinic, booked, start, message):
    value = {
        "off grid": key(clinic.at(clinic.day(4), "14:07")),
        "after hours": key(clinic.at(clinic.day(4), "17:00")),
        "past": key(clinic.at(clinic.day(-2), "10:00")),
        "garbage": "soon, please",
        "far future": "9999-12-31T23:59Z",
    }[start]
    before = snapshot()

    page = assert_page(booked.guest.post(f"{booked.manage}/reschedule", {"start": value}), 422, False)

    assert f'<p class="problem" role="alert">{message}</p>' in page
    # Choose again: this week's times, or (late on a Sunday, when none are left) the next free day.
    assert slot_buttons(page) or "The next free day is" in text(page)
    assert changed_tables(before) == []


def test_a_group_booking_moves_its_places_to_another_session(clinic, visitor):
    guest = visitor(clinic.host)
    first = clinic.at(clinic.day(3), "10:00")
    later = clinic.at(clinic.day(3), "12:00")
    token = booked_token(book(guest, clinic, first, service=clinic.pilates, attendees="2"))
    book(visitor(clinic.host), clinic, later, service=clinic.pilates, email="sam@example.com", attendees="1")

    assert guest.post(f"/bookings/{token}/reschedule", {"start": key(later)}).status_code == 303

    sessions = {a.starts_at: a for a in rows(clinic.tenant, Appointment)}
    assert sessions[first].status == "cancelled"
    assert sessions[first].cancellation_reason == "Everyone moved to another time."
    assert appointment_of(clinic, token).id == sessions[later].id
    listed = html(guest.get(service_url(clinic, clinic.pilates, day=clinic.day(3).isoformat())))
    assert "12:00 3 places left" in [label for _, label in links(listed, "slot")]
    assert "10:00 6 places left" in [label for _, label in links(listed, "slot")]


# Cutoffs


@HTMX
def test_past_the_cutoffs_the_page_explains_and_changes_are_refused(clinic, booked, htmx):
    policy(clinic.tenant, clinic.dental, cancel_cutoff_minutes=WEEK, reschedule_cutoff_minutes=WEEK)
    closed_at = (booked.start - timedelta(days=7)).astimezone(LONDON).strftime("%a %-d %b at %H:%M")

    page = assert_page(booked.guest.get(booked.manage, htmx=htmx), 200, htmx)
    assert f"Online rescheduling closed {closed_at}. Please call Riverside Clinic to change this appointment." in text(page)
    assert f"Online cancellation closed {closed_at}. Please call Riverside Clinic if you cannot come." in text(page)
    assert 'id="cancel-form"' not in page and f"{booked.manage}/reschedule" not in page
    closed = html(booked.guest.get(f"{booked.manage}/reschedule"))
    assert "Online rescheduling has closed for this appointment. Please call Riverside Clinic." in text(closed)
    assert 'id="reschedule-form"' not in closed
    before = snapshot()

    cancel = booked.guest.post(f"{booked.manage}/cancel", {"reason": "Too late?"}, htmx=htmx)
    move = booked.guest.post(f"{booked.manage}/reschedule", {"start": key(clinic.at(clinic.day(4), "14:00"))}, htmx=htmx)

    assert "It is too close to the appointment to cancel online. Please call the practice." in assert_page(cancel, 422, htmx)
    assert "It is too close to the appointment to reschedule online." in assert_page(move, 422, htmx)
    assert changed_tables(before) == []


# Tokens that name nothing here


ROUTES = [
    ("GET", ""), ("GET", "/confirmation"), ("GET", "/calendar.ics"), ("GET", "/reschedule"),
    ("POST", "/cancel"), ("POST", "/reschedule"),
]


@pytest.mark.parametrize("token_case", ["unknown", "overlong", "another practice's", "the appointment's, not the booking's"])
def test_a_wrong_or_foreign_token_gets_404_everywhere_and_changes_nothing(clinic, elsewhere, booked, token_case):
    token = {
        "unknown": secrets.token_urlsafe(32),
        "overlong": booked.token * 4,
        "another practice's": rows(elsewhere["tenant"], AppointmentParticipant)[0].manage_token,
        "the appointment's, not the booking's": appointment_of(clinic, booked.token).manage_token,
    }[token_case]
    before = snapshot()

    for method, suffix in ROUTES:
        path = f"/bookings/{token}{suffix}"
        data = {"reason": "", "start": key(clinic.at(clinic.day(4), "14:00"))}
        response = booked.guest.get(path) if method == "GET" else booked.guest.post(path, data)
        assert response.status_code == 404, (method, suffix)
        assert "Not found" in text(html(response))
        assert "Elsewhere" not in html(response)
    assert changed_tables(before) == []
