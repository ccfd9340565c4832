"""Moving an appointment from its page's "change time" form: the keyboard and no-JavaScript path."""
from datetime import timedelta

import pytest
from icalendar import Calendar

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments import lifecycle
from app.modules.appointments.models import Appointment, AppointmentParticipant
from app.modules.audit.models import AuditEvent
from app.modules.notifications import content
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from tests.support import factories, services
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import form_fields, html, text
from tests.support.practice import add, working


def _appointment(clinic, hhmm="10:00", days=3, provider=None, name="Grace Hopper"):
    customer = factories.customer(clinic.tenant, name=name)
    return factories.appointment(clinic.tenant, location=clinic.london, provider=provider or clinic.chloe,
                                 service=clinic.dental, customer=customer, starts_at=clinic.at(clinic.day(days), hhmm))


def _works_in_london(clinic):
    with tenant_context(clinic.tenant):
        add(*working(clinic.tenant, clinic.ben, clinic.london, hours=("13:00", "17:00")))
        db.session.commit()


def _form(desk, item) -> dict:
    return form_fields(html(desk.get(f"/dashboard/appointments/{item.id}")), "move-appointment")


@pytest.fixture
def desk(clinic, visitor):
    return signed_in(visitor, clinic, "staff")


@pytest.fixture
def booked_online(booked, clinic):
    """Grace's booking made online: with its confirmation and reminders in the outbox."""
    (made,) = rows(clinic.tenant, AppointmentParticipant)
    return made.appointment_id


def test_the_form_shows_the_appointment_as_it_is(clinic, desk):
    item = _appointment(clinic)
    fields = _form(desk, item)
    assert fields["starts_on"] == clinic.day(3).isoformat() and fields["starts_at"] == "10:00"
    assert fields["provider_id"] == str(clinic.chloe.id) and fields["duration_minutes"] == "30"
    assert fields["version"] == "1" and fields["notify"] == "y"


def test_move_via_the_form(clinic, desk, booked_online, messages_stay_in_the_outbox):
    old_reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    offsets = sorted(r.offset_minutes for r in old_reminders)
    assert old_reminders and all(r.status == "queued" for r in old_reminders)
    fields = _form(desk, rows(clinic.tenant, Appointment)[0])
    new_day = clinic.day(4)
    response = desk.post(f"/dashboard/appointments/{booked_online}/move",
                         fields | {"starts_on": new_day.isoformat(), "starts_at": "14:15", "duration_minutes": "45"})
    assert response.status_code == 303 and response.headers["Location"] == f"/dashboard/appointments/{booked_online}"
    (moved,) = rows(clinic.tenant, Appointment)
    start = clinic.at(new_day, "14:15")
    assert (moved.starts_at, moved.ends_at, moved.version) == (start, start + timedelta(minutes=45), 2)
    assert (moved.blocked_from, moved.blocked_until) == (start - timedelta(minutes=5), start + timedelta(minutes=55))
    page = text(html(desk.get(f"/dashboard/appointments/{booked_online}")))
    assert "Appointment moved" in page and "14:15" in page

    (email,) = rows(clinic.tenant, Notification, Notification.kind == "rescheduled")
    assert email.recipient == "grace@example.com" and email.status == "queued"
    (booking,) = rows(clinic.tenant, AppointmentParticipant)
    assert booking.sequence == 1
    with tenant_context(clinic.tenant):
        built = content.build(db.session.get(Notification, email.id), db.session.get(Tenant, clinic.tenant.id),
                              db.session.get(AppointmentParticipant, booking.id), now=clock.now())
    assert built.calendar_method == "REQUEST"
    [event] = Calendar.from_ical(built.calendar).walk("VEVENT")
    assert event["SEQUENCE"] == 1 and event.decoded("DTSTART") == start

    reminders = rows(clinic.tenant, Notification, Notification.kind == "reminder")
    old_ids = {r.id for r in old_reminders}
    assert {r.status for r in reminders if r.id in old_ids} == {"cancelled"}
    queued = sorted((r for r in reminders if r.status == "queued"), key=lambda r: r.offset_minutes)
    assert [r.scheduled_for for r in queued] == [start - timedelta(minutes=m) for m in offsets]

    (event,) = rows(clinic.tenant, AuditEvent, AuditEvent.action == "appointment.moved")
    assert event.details["before"]["starts_at"] == clinic.at(clinic.day(3), "10:00").isoformat()
    assert event.details["after"]["starts_at"] == start.isoformat() and event.details["notified"] is True


def test_unticked_notify_sends_no_email(clinic, desk, booked_online, messages_stay_in_the_outbox):
    fields = _form(desk, rows(clinic.tenant, Appointment)[0])
    del fields["notify"]
    response = desk.post(f"/dashboard/appointments/{booked_online}/move", fields | {"starts_at": "11:00"})
    assert response.status_code == 303
    (moved,) = rows(clinic.tenant, Appointment)
    assert moved.starts_at == clinic.at(clinic.day(3), "11:00")
    assert rows(clinic.tenant, Notification, Notification.kind == "rescheduled") == []
    (event,) = rows(clinic.tenant, AuditEvent, AuditEvent.action == "appointment.moved")
    assert event.details["notified"] is False


def test_to_another_provider(clinic, desk):
    item = _appointment(clinic)
    _works_in_london(clinic)
    fields = _form(desk, item)
    assert f'value="{clinic.ben.id}"' in html(desk.get(f"/dashboard/appointments/{item.id}"))
    assert desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"provider_id": str(clinic.ben.id)}).status_code == 303
    (moved,) = rows(clinic.tenant, Appointment)
    assert moved.provider_id == clinic.ben.id and moved.version == 2


def test_a_provider_who_does_not_offer_it_is_refused_at_the_field(clinic, desk):
    item = _appointment(clinic)
    fields = _form(desk, item)
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"provider_id": str(clinic.ben.id)})
    assert response.status_code == 422
    assert "Ben Okafor does not offer Dental check-up at Harbour Street" in text(html(response))
    assert rows(clinic.tenant, Appointment)[0].provider_id == clinic.chloe.id


def test_a_stale_version_is_refused_and_writes_nothing(clinic, desk):
    item = _appointment(clinic)
    fields = _form(desk, item)
    first = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "11:00"})
    assert first.status_code == 303
    before = snapshot()
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "12:00"})
    assert response.status_code == 409
    assert "This appointment changed since you opened it" in text(html(response))
    assert changed_tables(before) == []
    (moved,) = rows(clinic.tenant, Appointment)
    assert moved.starts_at == clinic.at(clinic.day(3), "11:00") and moved.version == 2
    # The refusal shows the appointment as it is now, with its version.
    assert form_fields(html(response), "move-appointment")["version"] == "2"


def test_an_overlap_is_refused_naming_the_appointment_in_the_way(clinic, desk):
    item = _appointment(clinic)
    _appointment(clinic, "11:00", name="Ada Lovelace")
    fields = _form(desk, item)
    before = snapshot()
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "10:45"})
    assert response.status_code == 409
    page = text(html(response))
    assert "That time overlaps Dental check-up with Ada Lovelace" in page and "11:00–11:30" in page
    assert changed_tables(before) == []
    # The buffers count: 10:20 ends at 10:50, plus 10 minutes after, meets 10:55 (5 before 11:00).
    assert desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "10:25"}).status_code == 409
    assert desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "10:15"}).status_code == 303


def test_htmx_gets_204_with_the_calendar_changed_trigger(clinic, desk):
    item = _appointment(clinic)
    fields = _form(desk, item)
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "15:00"}, htmx=True)
    assert response.status_code == 204 and response.headers["HX-Trigger"] == "calendar-changed"
    assert rows(clinic.tenant, Appointment)[0].starts_at == clinic.at(clinic.day(3), "15:00")
    stale = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "16:00"}, htmx=True)
    assert stale.status_code == 409
    body = html(stale)
    assert body.lstrip().startswith('<section id="change-time"') and "changed since you opened it" in body


@pytest.mark.now("2031-03-20T09:30:00+00:00")
def test_a_time_the_clocks_skip_is_refused_at_the_field(clinic, desk):
    item = _appointment(clinic, days=7)  # 27 March 2031: London's clocks go from 01:00 to 02:00 on the 30th
    fields = _form(desk, item)
    response = desk.post(f"/dashboard/appointments/{item.id}/move",
                         fields | {"starts_on": "2031-03-30", "starts_at": "01:30"})
    assert response.status_code == 422
    assert "01:30 does not exist on 2031-03-30" in text(html(response))
    assert rows(clinic.tenant, Appointment)[0].version == 1
    ok = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_on": "2031-03-30", "starts_at": "02:30"})
    assert ok.status_code == 303
    assert rows(clinic.tenant, Appointment)[0].starts_at.isoformat() == "2031-03-30T01:30:00+00:00"


def test_bad_input_is_kept_and_refused_at_its_field(clinic, desk):
    item = _appointment(clinic)
    fields = _form(desk, item)
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"duration_minutes": "0", "starts_at": "13:00"})
    assert response.status_code == 422
    page = html(response)
    assert "Between 5 minutes and 12 hours." in page and 'value="13:00"' in page


def test_a_provider_moves_only_within_their_own_calendar(clinic, visitor):
    user = factories.user(clinic.tenant, "provider")
    with tenant_context(clinic.tenant):
        db.session.get(type(clinic.chloe), clinic.chloe.id).user_id = user.id
        db.session.commit()
    _works_in_london(clinic)
    chloe = signed_in(visitor, clinic, user=user)
    item = _appointment(clinic)
    fields = _form(chloe, item)
    assert f'value="{clinic.ben.id}"' not in html(chloe.get(f"/dashboard/appointments/{item.id}"))
    response = chloe.post(f"/dashboard/appointments/{item.id}/move", fields | {"provider_id": str(clinic.ben.id)})
    assert response.status_code == 404
    assert rows(clinic.tenant, Appointment)[0].provider_id == clinic.chloe.id



@pytest.mark.now("2031-10-20T09:30:00+00:00")
def test_a_time_the_clocks_repeat_is_its_first_occurrence(clinic, desk):
    item = _appointment(clinic)  # London's clocks go back from 02:00 BST to 01:00 GMT on 26 October 2031
    fields = _form(desk, item)
    response = desk.post(f"/dashboard/appointments/{item.id}/move",
                         fields | {"starts_on": "2031-10-26", "starts_at": "01:30"})
    assert response.status_code == 303
    assert rows(clinic.tenant, Appointment)[0].starts_at.isoformat() == "2031-10-26T00:30:00+00:00"
    assert "01:30 BST" in text(html(desk.get(f"/dashboard/appointments/{item.id}")))


@pytest.mark.skipif(not services.POSTGRES, reason="the exclusion constraint is PostgreSQL's")
def test_the_database_has_the_final_word_on_an_overlap(clinic, desk, monkeypatch):
    item = _appointment(clinic)
    _appointment(clinic, "11:00", name="Ada Lovelace")
    fields = _form(desk, item)
    monkeypatch.setattr(lifecycle, "_in_the_way", lambda *args: None)  # as if a competitor committed after our check
    before = snapshot()
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "10:45"})
    assert response.status_code == 409 and "just been taken" in text(html(response))
    assert changed_tables(before) == []


@pytest.mark.parametrize("htmx", [False, True])
def test_a_cancelled_appointment_cannot_be_moved(clinic, desk, htmx):
    item = _appointment(clinic)
    fields = _form(desk, item)
    assert desk.post(f"/dashboard/appointments/{item.id}/cancel", {"reason": "Ill", "version": "1"}).status_code == 303
    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"version": "2"}, htmx=htmx)
    assert response.status_code == 409
    assert "A cancelled appointment cannot be moved." in text(html(response))
    assert rows(clinic.tenant, Appointment)[0].starts_at == clinic.at(clinic.day(3), "10:00")
    # From the calendar (htmx), the refusal also has the calendar reload itself as it now is.
    assert response.headers.get("HX-Trigger") == ("calendar-changed" if htmx else None)
