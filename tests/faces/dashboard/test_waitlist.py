"""The front desk's waitlist: the page by service and day with each entry's wishes and status, offering a
time (POST, audited), a move or a staff cancellation offering the freed time, the hold's length in settings."""
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.appointments.models import Appointment
from app.modules.audit.models import AuditEvent
from app.modules.customers.directory import Contact
from app.modules.notifications.models import Notification
from app.modules.tenants.models import Tenant
from app.modules.waitlist import joining
from app.modules.waitlist.models import WaitlistEntry, WaitlistHold, WaitlistOffer
from tests.support import factories
from tests.support.clients import signed_in
from tests.support.database import changed_tables, rows, snapshot
from tests.support.pages import form_fields, html, text

pytestmark = pytest.mark.usefixtures("messages_stay_in_the_outbox")


@pytest.fixture
def desk(clinic, visitor):
    return signed_in(visitor, clinic, "staff")


def waiting(clinic, name, day, *, service=None, **prefs) -> int:
    with tenant_context(clinic.tenant):
        entry = joining.join(db.session, service=service or clinic.dental, location=clinic.london,
                             provider_id=prefs.pop("provider_id", None),
                             contact=Contact(name, f"{name.split()[0].lower()}@example.com", None),
                             first_day=day, last_day=prefs.pop("last_day", day), now=clock.now(), **prefs)
        db.session.commit()
        return entry.id


def test_the_page_lists_the_waitlist_by_service_and_day_with_wishes_and_status(clinic, desk):
    day = clinic.day(3)
    waiting(clinic, "Ada Lovelace", day, parts=("morning", "evening"))
    waiting(clinic, "Alan Turing", day + timedelta(days=2))
    waiting(clinic, "Mary Pilates", day, service=clinic.pilates, from_time=time(17), until_time=time(19))

    page = text(html(desk.get(f"/dashboard/waitlist?service={clinic.dental.id}&day={day.isoformat()}")))

    assert "Ada Lovelace" in page and "morning, evening" in page and "Waiting" in page
    assert "Alan Turing" not in page  # another day
    assert "Mary Pilates" not in page  # another service
    every = text(html(desk.get("/dashboard/waitlist?status=")))
    assert all(name in every for name in ("Ada Lovelace", "Alan Turing", "Mary Pilates"))
    assert "17:00 to 19:00" in every


def test_staff_offer_a_free_time_to_someone_waiting(clinic, desk):
    day = clinic.day(3)
    entry_id = waiting(clinic, "Ada Lovelace", day)
    form = form_fields(html(desk.get("/dashboard/waitlist")), f"offer-{entry_id}")

    response = desk.post(f"/dashboard/waitlist/{entry_id}/offer",
                         form | {f"entry-{entry_id}-day": day.isoformat(), f"entry-{entry_id}-time": "11:30"},
                         csrf=False)

    assert response.status_code == 303
    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.starts_at == clinic.at(day, "11:30") and hold.provider_id == clinic.chloe.id
    [offer] = rows(clinic.tenant, WaitlistOffer)
    assert (offer.entry_id, offer.offered_by, offer.status) == (entry_id, "staff", "open")
    [email] = rows(clinic.tenant, Notification, Notification.kind == "waitlist_offer")
    assert email.recipient == "ada@example.com"
    [event] = rows(clinic.tenant, AuditEvent, AuditEvent.action == "waitlist.offered")
    assert event.entity_id == entry_id and event.details["after"]["starts_at"] == hold.starts_at.isoformat()
    assert "Offer open" in text(html(desk.get(urlsplit(response.headers["Location"]).path)))


def test_offering_a_time_that_is_not_free_comes_back_422_and_writes_nothing(clinic, desk):
    day = clinic.day(3)
    entry_id = waiting(clinic, "Ada Lovelace", day)
    form = form_fields(html(desk.get("/dashboard/waitlist")), f"offer-{entry_id}")
    before = snapshot()

    response = desk.post(f"/dashboard/waitlist/{entry_id}/offer",
                         form | {f"entry-{entry_id}-day": day.isoformat(), f"entry-{entry_id}-time": "20:00"},
                         csrf=False)

    assert response.status_code == 422
    page = html(response)
    assert "That time is not free for this service." in page and 'value="20:00"' in page
    assert changed_tables(before) == []


def test_another_practices_entry_is_404(clinic, desk, elsewhere):
    with tenant_context(elsewhere["tenant"]):
        theirs = joining.join(db.session, service=elsewhere["service"], location=elsewhere["location"],
                              provider_id=None, contact=Contact("Their Customer", "their@example.com", None),
                              first_day=clinic.day(3), last_day=clinic.day(3), now=clock.now())
        db.session.commit()
    before = snapshot()

    response = desk.post(f"/dashboard/waitlist/{theirs.id}/offer", {"day": clinic.day(3).isoformat(), "time": "10:00"})

    assert response.status_code == 404
    assert changed_tables(before) == []
    assert "Their Customer" not in text(html(desk.get("/dashboard/waitlist?status=")))


def test_a_move_offers_the_time_it_left(clinic, desk):
    day = clinic.day(3)
    customer = factories.customer(clinic.tenant, name="Grace Hopper")
    item = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                 customer=customer, starts_at=clinic.at(day, "10:00"))
    waiting(clinic, "Ada Lovelace", day, from_time=time(10), until_time=time(10, 30))
    fields = form_fields(html(desk.get(f"/dashboard/appointments/{item.id}")), "move-appointment")

    response = desk.post(f"/dashboard/appointments/{item.id}/move", fields | {"starts_at": "15:00"})

    assert response.status_code == 303
    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.starts_at == clinic.at(day, "10:00")
    assert len(rows(clinic.tenant, Notification, Notification.kind == "waitlist_offer")) == 1


def test_a_staff_cancellation_offers_the_time(clinic, desk):
    day = clinic.day(3)
    customer = factories.customer(clinic.tenant, name="Grace Hopper")
    item = factories.appointment(clinic.tenant, location=clinic.london, provider=clinic.chloe, service=clinic.dental,
                                 customer=customer, starts_at=clinic.at(day, "10:00"))
    waiting(clinic, "Ada Lovelace", day)
    fields = form_fields(html(desk.get(f"/dashboard/appointments/{item.id}")), "cancel-appointment")

    response = desk.post(f"/dashboard/appointments/{item.id}/cancel", fields | {"reason": "Provider ill"})

    assert response.status_code == 303
    assert [a.status for a in rows(clinic.tenant, Appointment)] == ["cancelled"]
    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.starts_at == clinic.at(day, "10:00")


def test_the_practice_sets_how_long_an_offer_holds(clinic, visitor):
    owner = signed_in(visitor, clinic, "owner")
    form = form_fields(html(owner.get("/dashboard/settings")), "waitlist-settings-form")
    assert form["hold_minutes"] == "15"

    assert owner.post("/dashboard/settings/waitlist", form | {"hold_minutes": "2"}, csrf=False).status_code == 422
    response = owner.post("/dashboard/settings/waitlist", form | {"hold_minutes": "30"}, csrf=False)

    assert response.status_code == 303
    [tenant] = rows(clinic.tenant, Tenant, Tenant.id == clinic.tenant.id)
    assert tenant.waitlist_hold_minutes == 30
    [event] = rows(clinic.tenant, AuditEvent, AuditEvent.action == "tenant.waitlist_hold_changed")
    assert event.details["before"] == {"waitlist_hold_minutes": 15} and event.details["after"] == {
        "waitlist_hold_minutes": 30}
    # A new offer holds for the new length.
    day = clinic.day(3)
    entry_id = waiting(clinic, "Ada Lovelace", day)
    offer_form = form_fields(html(owner.get("/dashboard/waitlist")), f"offer-{entry_id}")
    owner.post(f"/dashboard/waitlist/{entry_id}/offer",
               offer_form | {f"entry-{entry_id}-day": day.isoformat(), f"entry-{entry_id}-time": "11:30"}, csrf=False)
    [hold] = rows(clinic.tenant, WaitlistHold)
    assert hold.held_until - clock.now() > timedelta(minutes=29)
    assert rows(clinic.tenant, WaitlistEntry)[0].status == "waiting"


def test_erasing_a_customer_takes_them_off_the_waitlist_and_forgets_their_number(clinic):
    from app.modules.customers import privacy

    with tenant_context(clinic.tenant):
        entry = joining.join(db.session, service=clinic.dental, location=clinic.london, provider_id=None,
                             contact=Contact("Ada Lovelace", "ada@example.com", "+447700900123"),
                             first_day=clinic.day(3), last_day=clinic.day(3), text_me=True, now=clock.now())
        db.session.commit()
        privacy.erase(db.session, entry.customer, actor=None, now=clock.now())
        db.session.commit()

    [kept] = rows(clinic.tenant, WaitlistEntry)
    assert (kept.status, kept.sms_phone) == ("left", None)
    [joined] = rows(clinic.tenant, Notification, Notification.kind == "waitlist_joined")
    assert joined.recipient == "erased" and joined.payload == {} and joined.status == "cancelled"
