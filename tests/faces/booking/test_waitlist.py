"""The booking site's waitlist: joining without JavaScript, leaving by link, offers when a time frees up
(in order, by preference, by SMS only with consent), claiming, expiry passing on, and the autumn hour."""
from datetime import date, time, timedelta
from urllib.parse import urlencode, urlsplit

import pytest
import time_machine

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import AppointmentParticipant
from app.modules.catalogue.models import Location
from app.modules.customers.directory import Contact
from app.modules.notifications.models import Notification
from app.modules.schedules.models import WorkingHours
from app.modules.waitlist import joining
from app.modules.waitlist import offers as waitlist_offers
from app.modules.waitlist.models import WaitlistEntry, WaitlistHold, WaitlistOffer
from tests.support.booking import book, booked_token, service_url
from tests.support.database import rows
from tests.support.pages import form_fields, html, key, links, text

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")
DENTAL_ANSWERS = {"q_has_pain": "no", "q_date_of_birth": "1990-04-01"}


def join_url(clinic, service=None, provider="any") -> str:
    return f"/services/{(service or clinic.dental).id}/waitlist?" + urlencode(
        {"location": clinic.london.id, "provider": provider})


def waiting(clinic, name: str, day: date, *, service=None, provider_id=None, parts=(), sms=None, last_day=None,
            **prefs) -> int:
    """``name`` joins the waitlist (through the service, committed); the entry's id."""
    with tenant_context(clinic.tenant):
        entry = joining.join(
            db.session, service=service or clinic.dental, location=clinic.london, provider_id=provider_id,
            contact=Contact(name, f"{name.lower().replace(' ', '.')}@example.com", sms), first_day=day,
            last_day=last_day or day, parts=parts, text_me=sms is not None, now=clock.now(), **prefs,
        )
        db.session.commit()
        return entry.id


def offers_to(clinic, email: str) -> list[Notification]:
    return rows(clinic.tenant, Notification, Notification.kind == "waitlist_offer", Notification.recipient == email)


def offered(clinic, *where) -> list[str]:
    """Who each offer went to, in order."""
    with tenant_context(clinic.tenant):
        return [o.entry.customer.name for o in rows(clinic.tenant, WaitlistOffer, *where)]


def statuses(clinic) -> dict[str, str]:
    with tenant_context(clinic.tenant):
        return {e.customer.name: e.status for e in rows(clinic.tenant, WaitlistEntry)}


def link_path(notification: Notification) -> str:
    return urlsplit(notification.payload["link"]).path


def cancel(guest, token: str) -> None:
    response = guest.post(f"/bookings/{token}/cancel", {"reason": "Cannot come"})
    assert response.status_code == 303, response.status_code


# Joining and leaving


def test_joining_by_the_plain_form_stores_the_wish_and_emails_a_leave_link(clinic, visitor):
    guest = visitor(clinic.host)
    page = html(guest.get(join_url(clinic)))
    assert "Join the waitlist for Dental check-up" in text(page)
    day = clinic.day(2)
    form = form_fields(page, "waitlist-form") | {
        "name": "Ada Lovelace", "email": "ada@example.com", "first_day": day.isoformat(),
        "last_day": (day + timedelta(days=4)).isoformat(), "parts": "afternoon",
    }
    response = guest.post(f"/services/{clinic.dental.id}/waitlist", form, csrf=False)

    assert response.status_code == 303
    assert "You are on the waitlist" in text(html(guest.get(urlsplit(response.headers["Location"]).path)))
    [entry] = rows(clinic.tenant, WaitlistEntry)
    assert (entry.first_day, entry.last_day, entry.parts, entry.provider_id, entry.status) == (
        day, day + timedelta(days=4), ("afternoon",), None, "waiting")
    [email] = rows(clinic.tenant, Notification, Notification.kind == "waitlist_joined")
    assert email.recipient == "ada@example.com"
    token = link_path(email).rsplit("/", 1)[1]
    assert token != entry.leave_token_hash and len(entry.leave_token_hash) == 64  # only its hash kept


def test_a_join_form_with_a_bad_range_comes_back_422_with_its_values(clinic, visitor):
    guest = visitor(clinic.host)
    form = form_fields(html(guest.get(join_url(clinic))), "waitlist-form") | {
        "name": "Ada Lovelace", "email": "ada@example.com", "first_day": clinic.day(5).isoformat(),
        "last_day": clinic.day(2).isoformat(),
    }
    response = guest.post(f"/services/{clinic.dental.id}/waitlist", form, csrf=False)

    assert response.status_code == 422
    page = html(response)
    assert "The last day comes on or after the first." in page
    assert 'value="Ada Lovelace"' in page
    assert rows(clinic.tenant, WaitlistEntry) == []


def test_the_picker_offers_the_waitlist(clinic, visitor):
    page = html(visitor(clinic.host).get(service_url(clinic)))
    assert any("/waitlist" in href and "Join the waitlist" in label for href, label in links(page))


def test_leaving_by_the_emailed_link(clinic, visitor):
    waiting(clinic, "Ada Lovelace", clinic.day(3))
    [email] = rows(clinic.tenant, Notification, Notification.kind == "waitlist_joined")
    guest = visitor(clinic.host)
    path = link_path(email)
    assert "Leave the waitlist" in text(html(guest.get(path)))

    response = guest.post(path, {})

    assert response.status_code == 303
    assert "You have left the waitlist" in text(html(guest.get(path)))
    [entry] = rows(clinic.tenant, WaitlistEntry)
    assert entry.status == "left" and entry.left_at is not None
    assert guest.get("/waitlist/leave/not-a-token").status_code == 404


# Offers when a time frees up


def test_a_cancellation_offers_the_time_to_the_first_three_waiting_in_order(clinic, visitor, booked):
    day = clinic.day(3)
    for name in ["First One", "Second Two", "Third Three", "Fourth Four"]:
        waiting(clinic, name, day)

    cancel(booked.guest, booked.token)

    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.starts_at == booked.start and hold.status == "held"
    assert timedelta(minutes=14) < hold.held_until - clock.now() <= timedelta(minutes=15)
    assert offered(clinic) == ["First One", "Second Two", "Third Three"]
    assert offers_to(clinic, "fourth.four@example.com") == []
    [email] = offers_to(clinic, "first.one@example.com")
    assert email.payload["details"][-1].startswith("Held for you until")
    # Held: the picker does not offer that time to anyone else.
    picker = html(visitor(clinic.host).get(service_url(clinic, day=day.isoformat())))
    assert key(booked.start) not in picker
    assert key(booked.start + timedelta(minutes=45)) in picker  # after the held time and its buffers


def test_a_time_that_does_not_suit_the_wish_is_not_offered(clinic, booked):
    day = clinic.day(3)
    waiting(clinic, "Afternoon Only", day, parts=("afternoon",))  # the cancelled time is 10:00
    waiting(clinic, "Other Days", day + timedelta(days=1), last_day=day + timedelta(days=5))
    waiting(clinic, "Ben Only", day, provider_id=clinic.ben.id)
    waiting(clinic, "Nine To Eleven", day, from_time=time(9), until_time=time(11))

    cancel(booked.guest, booked.token)

    assert offered(clinic) == ["Nine To Eleven"]


def test_offers_go_by_sms_only_to_those_who_asked(clinic, booked):
    day = clinic.day(3)
    waiting(clinic, "Texts Please", day, sms="+447700900123")
    waiting(clinic, "Email Only", day)

    cancel(booked.guest, booked.token)

    sent = rows(clinic.tenant, Notification, Notification.kind == "waitlist_offer")
    assert sorted((n.channel, n.recipient) for n in sent) == [
        ("email", "email.only@example.com"), ("email", "texts.please@example.com"), ("sms", "+447700900123")]


# Claiming


def test_claiming_books_the_held_time_and_the_others_are_told_it_has_gone(clinic, visitor, booked):
    day = clinic.day(3)
    waiting(clinic, "First One", day)
    waiting(clinic, "Second Two", day)
    cancel(booked.guest, booked.token)
    first, second = visitor(clinic.host), visitor(clinic.host)
    [to_first] = offers_to(clinic, "first.one@example.com")
    [to_second] = offers_to(clinic, "second.two@example.com")
    second_page = html(second.get(link_path(to_second)))
    assert "Book this time" in text(second_page)

    # The dental check-up asks its questions: the claim must answer them.
    claim_form = form_fields(html(first.get(link_path(to_first))), "claim-form")
    assert first.post(link_path(to_first), claim_form, csrf=False).status_code == 422
    made = first.post(link_path(to_first), claim_form | DENTAL_ANSWERS, csrf=False)

    assert made.status_code == 303
    with tenant_context(clinic.tenant):
        [booking] = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.cancelled_at.is_(None))
        assert booking.customer.email == "first.one@example.com" and booking.appointment.starts_at == booked.start
    late = second.post(link_path(to_second), form_fields(second_page, "claim-form") | DENTAL_ANSWERS, csrf=False)
    assert late.status_code == 409
    assert "someone else has just taken that time. You are still on the waitlist" in text(html(late))
    assert statuses(clinic) == {"First One": "booked", "Second Two": "waiting"}
    assert [h.status for h in rows(clinic.tenant, WaitlistHold)] == ["claimed"]


# Expiry


def test_an_offer_opened_after_it_expired_passes_to_the_next_customer(clinic, visitor, booked):
    day = clinic.day(3)
    for n in range(4):
        waiting(clinic, f"Customer {n}", day)
    cancel(booked.guest, booked.token)
    [late] = offers_to(clinic, "customer.0@example.com")

    with time_machine.travel(clock.now() + timedelta(minutes=16), tick=False):
        page = visitor(clinic.host).get(link_path(late))
        assert "this offer has expired and the time has passed to the next person" in text(html(page))

    holds = rows(clinic.tenant, WaitlistHold)
    assert [h.status for h in holds] == ["expired", "held"]
    assert offered(clinic, WaitlistOffer.hold_id == holds[1].id) == ["Customer 3"]
    assert {e.status for e in rows(clinic.tenant, WaitlistEntry)} == {"waiting"}


def test_the_sweep_expires_offers_and_passes_them_on(clinic, booked):
    day = clinic.day(3)
    for n in range(4):
        waiting(clinic, f"Customer {n}", day)
    cancel(booked.guest, booked.token)

    with time_machine.travel(clock.now() + timedelta(minutes=20), tick=False):
        with tenant_context(clinic.tenant):
            expired, _ = waitlist_offers.sweep(db.session, now=clock.now())
            db.session.commit()

    assert expired == 1
    holds = [h for h in rows(clinic.tenant, WaitlistHold) if h.starts_at == booked.start]
    assert [h.status for h in holds] == ["expired", "held"]
    assert [o.status for o in rows(clinic.tenant, WaitlistOffer, WaitlistOffer.hold_id == holds[0].id)] == ["expired"] * 3
    assert offered(clinic, WaitlistOffer.hold_id == holds[1].id) == ["Customer 3"]


def test_the_sweep_finds_a_time_that_new_hours_opened(clinic):
    day = clinic.day(4)
    waiting(clinic, "Early Riser", day, from_time=time(7), until_time=time(8, 30))  # before Chloe's hours
    with tenant_context(clinic.tenant):
        assert waitlist_offers.sweep(db.session, now=clock.now()) == (0, 0)
        db.session.add(WorkingHours(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                    location_id=clinic.london.id, weekday=day.weekday(),
                                    starts_at=time(7), ends_at=time(9)))
        db.session.commit()
        assert waitlist_offers.sweep(db.session, now=clock.now()) == (0, 1)
        db.session.commit()

    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.starts_at == clinic.at(day, "07:00")
    assert len(offers_to(clinic, "early.riser@example.com")) == 1


# The autumn hour


@pytest.mark.now("2031-10-22T09:00:00+00:00")
def test_an_offer_in_the_repeated_autumn_hour_shows_its_zone(clinic, visitor):
    day = date(2031, 10, 26)  # the clocks go back at 02:00 BST
    with tenant_context(clinic.tenant):
        db.session.add(WorkingHours(tenant_id=clinic.tenant.id, provider_id=clinic.chloe.id,
                                    location_id=clinic.london.id, weekday=day.weekday(),
                                    starts_at=time(0, 30), ends_at=time(3)))
        db.session.commit()
    waiting(clinic, "Night Owl", day, provider_id=clinic.chloe.id)
    second_one_thirty = clinic.at(day, "01:30") + timedelta(hours=1)  # 01:30 GMT, after the change
    with tenant_context(clinic.tenant):
        entry = db.session.get(WaitlistEntry, rows(clinic.tenant, WaitlistEntry)[0].id)
        hold = waitlist_offers.offer_time(
            db.session, service=clinic.dental, location=db.session.get(Location, clinic.london.id),
            provider_id=clinic.chloe.id, starts_at=second_one_thirty, entries=[entry], now=clock.now(),
            offered_by="staff")
        db.session.commit()

    assert hold is not None
    [email] = offers_to(clinic, "night.owl@example.com")
    assert email.payload["details"][1] == "When: Sunday 26 October 2031 at 01:30 GMT"
    assert "01:30 GMT" in text(html(visitor(clinic.host).get(link_path(email))))


def test_another_practices_links_are_404_here(clinic, visitor, elsewhere):
    from tests.support.routes import a_waitlist_offer

    theirs = a_waitlist_offer(elsewhere)
    db.session.commit()
    guest = visitor(clinic.host)

    for path in (f"/waitlist/offers/{theirs['offer_token']}", f"/waitlist/leave/{theirs['leave_token']}"):
        assert guest.get(path).status_code == 404
    assert guest.post(f"/waitlist/offers/{theirs['offer_token']}", {}).status_code == 404
    assert guest.post(f"/waitlist/leave/{theirs['leave_token']}", {}).status_code == 404
    assert [e.status for e in rows(elsewhere["tenant"], WaitlistEntry)] == ["waiting"]
    assert guest.get(f"/services/{elsewhere['service'].id}/waitlist").status_code == 404


def test_a_place_freed_in_a_full_class_is_held_and_claimed_into_the_same_session(clinic, visitor):
    day = clinic.day(3)
    start = clinic.at(day, "10:00")
    group = book(visitor(clinic.host), clinic, start, service=clinic.pilates, attendees="5",
                 name="Five Friends", email="friends@example.com")
    leaving = visitor(clinic.host)
    last_place = book(leaving, clinic, start, service=clinic.pilates, name="Last Place", email="last@example.com")
    assert group.status_code == last_place.status_code == 303
    picker_url = service_url(clinic, service=clinic.pilates, day=day.isoformat())
    assert key(start) not in html(visitor(clinic.host).get(picker_url))  # full
    waiting(clinic, "Class Fan", day, service=clinic.pilates)

    cancel(leaving, booked_token(last_place))

    assert key(start) not in html(visitor(clinic.host).get(picker_url))  # the freed place is held
    [offer] = offers_to(clinic, "class.fan@example.com")
    fan = visitor(clinic.host)
    claim_form = form_fields(html(fan.get(link_path(offer))), "claim-form")
    assert fan.post(link_path(offer), claim_form, csrf=False).status_code == 303
    with tenant_context(clinic.tenant):
        seated = rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.cancelled_at.is_(None))
        assert {b.customer.name: b.seats for b in seated} == {"Five Friends": 5, "Class Fan": 1}
        assert len({b.appointment_id for b in seated}) == 1  # the same session


def test_a_double_submitted_claim_books_once(clinic, visitor, booked):
    waiting(clinic, "First One", clinic.day(3))
    cancel(booked.guest, booked.token)
    [offer] = offers_to(clinic, "first.one@example.com")
    guest = visitor(clinic.host)
    form = form_fields(html(guest.get(link_path(offer))), "claim-form") | DENTAL_ANSWERS

    first, again = guest.post(link_path(offer), form, csrf=False), guest.post(link_path(offer), form, csrf=False)

    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(rows(clinic.tenant, AppointmentParticipant, AppointmentParticipant.cancelled_at.is_(None))) == 1
    assert "You have booked this time." in text(html(guest.get(link_path(offer))))
