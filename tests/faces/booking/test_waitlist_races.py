"""A storm on one waitlist offer, on PostgreSQL through a real HTTP server: twenty customers offered the
same held time claim it at the same moment; exactly one books it, the others are told it has gone."""
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from app.core import clock
from app.core.database import db
from app.core.tenancy import tenant_context
from app.modules.catalogue.models import Location, Service
from app.modules.customers.directory import Contact
from app.modules.notifications.models import Notification
from app.modules.waitlist import joining, offers
from tests.faces.booking import test_booking_races as races
from tests.faces.booking.test_booking_races import (
    Browser,
    answers_with,
    at,
    days_ahead,
    form_on,
    histogram,
    offered,
    overlapping_pairs,
    sql,
    storm,
)
from tests.support import services

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CUSTOMERS = 20
# The booking storms' real server and practice, as fixtures of this module too.
storm_app, server, clinic = races.storm_app, races.server, races.clinic


def everyone_offered(clinic, service_id: int, starts_at) -> list[str]:
    """``CUSTOMERS`` customers join the waitlist, and the free time at ``starts_at`` is held for all of them;
    the path of each one's offer link."""
    with tenant_context(clinic.tenant):
        service, location = db.session.get(Service, service_id), db.session.get(Location, clinic.location_id)
        day = starts_at.astimezone(ZoneInfo(location.timezone)).date()
        entries = [
            joining.join(db.session, service=service, location=location, provider_id=None,
                         contact=Contact(f"Waiting {n}", f"waiting{n}@example.com", None), first_day=day,
                         last_day=day, now=clock.now())
            for n in range(CUSTOMERS)
        ]
        hold = offers.offer_time(db.session, service=service, location=location, provider_id=clinic.provider_id,
                                 starts_at=starts_at, entries=entries, now=clock.now())
        assert hold is not None
        db.session.commit()
        sent = db.session.query(Notification).filter_by(kind="waitlist_offer").order_by(Notification.id).all()
        return [urlsplit(n.payload["link"]).path for n in sent]


def test_twenty_customers_claiming_one_offer_get_one_booking(clinic):
    services.require("postgres")
    service_id = offered(clinic, duration_minutes=30)
    starts_at = at(days_ahead(3), 10)
    paths = everyone_offered(clinic, service_id, starts_at)
    assert len(paths) == CUSTOMERS
    browsers = [Browser(clinic) for _ in range(CUSTOMERS)]

    def prepare(i):
        page = browsers[i].get(paths[i])
        assert page.status == 200, page.text[:1000]
        return form_on(page, "claim-form").fields

    outcomes = storm(CUSTOMERS, prepare=prepare, submit=lambda i, fields: browsers[i].post(paths[i], fields))

    assert histogram(outcomes) == {"303": 1, "409": CUSTOMERS - 1}, histogram(outcomes)
    for refused in answers_with(outcomes, 409):
        assert "someone else has just taken that time. You are still on the waitlist" in refused.text
    booked = sql("SELECT a.starts_at, c.email FROM appointments a JOIN appointment_participants p "
                 "ON p.appointment_id = a.id JOIN customers c ON c.id = p.customer_id "
                 "WHERE a.status IN ('pending', 'confirmed')")
    assert len(booked) == 1 and booked[0][0] == starts_at
    assert sql("SELECT status, count(*) FROM waitlist_entries GROUP BY status ORDER BY status") == [
        ("booked", 1), ("waiting", CUSTOMERS - 1)]
    assert sql("SELECT status FROM waitlist_holds") == [("claimed",)]
    assert sql("SELECT status, count(*) FROM waitlist_offers GROUP BY status ORDER BY status") == [
        ("claimed", 1), ("gone", CUSTOMERS - 1)]
    assert overlapping_pairs() == []
